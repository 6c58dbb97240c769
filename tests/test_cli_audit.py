"""What the command line takes out of chiso is in the access log like the web's: exports,
generated documents and evidence files, under the actor `cli:<os user>` (or the `--user` account),
read back from the audit log after running the commands."""

from __future__ import annotations

import getpass
import os
import re
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from chiso.domain.audit import AuditRecord
from chiso.services.runtime import open_runtime
from chiso.settings import Settings
from chiso.store import audit_repo

ME = f"cli:{getpass.getuser()}"
FW, YEAR = "dti-department-500", "2026"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _log(url: str, tmp_path: Path) -> list[AuditRecord]:
    rt = open_runtime(Settings(database_url=url, data_dir=tmp_path / "data"))
    try:
        with rt.db.transaction() as session:
            return list(reversed(audit_repo.entries(session, None, 10_000)))
    finally:
        rt.close()


def _reads(url: str, tmp_path: Path) -> list[AuditRecord]:
    wanted = {"export", "document.make", "evidence.download"}
    return [e for e in _log(url, tmp_path) if e.action in wanted]


def test_cli_exports_and_documents_are_audited(cli: Any, province_db: str, tmp_path: Path) -> None:
    values, template = tmp_path / "so-lieu.csv", tmp_path / "mau.xlsx"
    units, tasks, letter = tmp_path / "don-vi.csv", tmp_path / "nv.xlsx", tmp_path / "cv.docx"
    commands = [
        ("data", "export", "--out", str(values), "--framework", "platform-usage"),
        (
            "data",
            "template",
            "--framework",
            "platform-usage",
            "--period",
            "2026-10",
            "--out",
            str(template),
        ),
        ("units", "export", "--out", str(units), "--kind", "department"),
        ("tasks", "export", "--out", str(tasks)),
        (
            "report",
            "letter",
            "--out",
            str(letter),
            "--period",
            "2026-10",
            "--framework",
            "platform-usage",
            "--indicator",
            "signed_docs_rate",
        ),
    ]
    given = tmp_path / "nhap.csv"
    given.write_text(
        "unit_code,period,indicator,numerator,denominator\n"
        "75.SYT,2026-10,signed_docs_rate,90,100\n75.SCT,2026-10,signed_docs_rate,30,100\n",
        encoding="utf-8",
    )
    assert cli(province_db, "data", "import", str(given), "--framework", "platform-usage")[0] == 0
    before = len(_reads(province_db, tmp_path))
    for args in commands:
        code, out, err = cli(province_db, *args)
        assert code == 0, (args, out, err)
    found = _reads(province_db, tmp_path)[before:]
    assert [(e.action, e.entity, e.entity_key) for e in found] == [
        ("export", "values", "so-lieu.csv"),
        ("export", "template", "mau.xlsx"),
        ("export", "units", "don-vi.csv"),
        ("export", "tasks", "nv.xlsx"),
        ("document.make", "document", "cv.docx"),
    ]
    assert {e.actor for e in found} == {ME}
    assert all(e.after and e.after["via"] == "cli" for e in found)
    exported = found[0].after
    assert exported and exported["rows"] == sum(1 for _ in values.open(encoding="utf-8")) - 1
    assert found[4].after == {"kind": "letter", "format": "docx", "via": "cli"}


def test_cli_evidence_download_is_audited(cli: Any, province_db: str, tmp_path: Path) -> None:
    today = date.today()
    window = (
        "--opens",
        f"{today - timedelta(days=1):%d/%m/%Y}",
        "--closes",
        f"{today + timedelta(days=9)}",
    )
    assert cli(province_db, "assess", "open", "--framework", FW, "--period", YEAR, *window)[0] == 0
    picture = tmp_path / "anh-chup.png"
    picture.write_bytes(PNG)
    base = ("--framework", FW, "--period", YEAR, "--unit", "75.SYT")
    code, out, err = cli(province_db, "assess", "fill", *base, "--evidence", f"2.1={picture}")
    assert code == 0, err
    code, out, err = cli(province_db, "assess", "show", *base)
    assert code == 0, err
    number = re.search(r"\[(\d+)\] anh-chup\.png", out)
    assert number, out
    got = tmp_path / "lay-ve.png"
    code, out, err = cli(province_db, "evidence", "get", number.group(1), "--out", str(got))
    assert code == 0, err
    assert got.read_bytes() == PNG
    entry = _reads(province_db, tmp_path)[-1]
    assert (entry.actor, entry.action, entry.entity_key) == (
        ME,
        "evidence.download",
        number.group(1),
    )
    assert entry.after and entry.after["file"] == "anh-chup.png"
    # an account outside the unit's scope is told nothing, and nothing is noted as taken
    cli(
        province_db,
        "users",
        "add",
        "socongthuong",
        "--name",
        "SCT",
        "--role",
        "reporter",
        "--unit",
        "75.SCT",
    )
    code, _, err = cli(
        province_db, "evidence", "get", number.group(1), "--out", str(got), "--user", "socongthuong"
    )
    assert code == 2 and "Không có minh chứng số" in err
    assert _reads(province_db, tmp_path)[-1].id == entry.id


def test_the_chiso_command_records_the_os_user(province_db: str, tmp_path: Path) -> None:
    """The installed `chiso` in a process of its own, as an administrator runs it."""
    out = tmp_path / "xuat.csv"
    env = {**os.environ, "CHISO_DATABASE_URL": province_db, "CHISO_DATA_DIR": str(tmp_path)}
    chiso = str(Path(sys.executable).with_name("chiso"))
    done = subprocess.run(
        [chiso, "data", "export", "--out", str(out), "--framework", "platform-usage"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    entry = _reads(province_db, tmp_path)[-1]
    assert (entry.actor, entry.action, entry.entity_key) == (ME, "export", "xuat.csv")


def test_cli_ingestion_is_audited(cli: Any, province_db: str, tmp_path: Path) -> None:
    path = tmp_path / "van-ban.csv"
    path.write_text(
        "doc_id,unit_code,issued_at,classified,sent_online,signed_personal,signed_org\n"
        "d1,75.SYT,2023-07-03 09:00,false,true,true,true\n"
        "d2,75.SYT,2023-07-04 10:00,0,1,1,0\n",
        encoding="utf-8",
    )
    code, _, err = cli(province_db, "facts", "ingest", "--source", "documents", str(path))
    assert code == 0, err
    entries = [e for e in _log(province_db, tmp_path) if e.action == "records.ingest"]
    assert len(entries) == 1
    entry = entries[0]
    assert entry.actor == ME and entry.entity_key == "documents"
    assert entry.after is not None
    assert entry.after["received"] == 2 and entry.after["stored"] == 2
    assert entry.after["files"] == ["van-ban.csv"] and entry.after["via"] == "cli"
