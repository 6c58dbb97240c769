"""Hostile files cannot exhaust memory: each bomb of tests/data/bad is refused by `chiso data
import` in a process of its own, quickly, with its peak memory measured and bounded, the message
naming the file and the member, and nothing stored; good workbooks still read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bad_workbooks import BOMBS, BUILDERS
from tests.test_values_import import state

LIMIT_MB = 300
LIMIT_S = 20
EXPECTED = {
    "false-sizes.xlsx": "thành phần 'xl/worksheets/sheet1.xml' bị hỏng hoặc khai báo sai kích thước",
    "sizes-disagree.xlsx": "'xl/worksheets/sheet1.xml' khai báo hai kích thước khác nhau",
    "deflate-bomb.xlsx": "thành phần 'xl/worksheets/sheet1.xml' giải nén ra quá lớn",
    "shared-strings-bomb.xlsx": "thành phần 'xl/sharedStrings.xml' giải nén ra quá lớn",
    "too-many-members.xlsx": "có 1.010 thành phần nén, quá giới hạn 1.000",
    "far-cell.xlsx": "trải trên khoảng 17.179.869.184 ô, quá giới hạn 5.000.000 ô",
    "far-area.xlsx": "trải trên khoảng 20.000.000 ô",
    "many-cells.xlsx": "'xl/worksheets/sheet1.xml' giải nén ra quá lớn",
    "far-prefixed.xlsx": "'xl/worksheets/sheet1.xml' trải trên khoảng 17.179.869.184 ô",
    "far-attribute-order.xlsx": "trải trên khoảng 17.179.869.184 ô",
    "bad-reference.xlsx": "có ô hoặc dòng mang địa chỉ không hợp lệ",
    "nested.xlsx": "'xl/worksheets/sheet1.xml' giải nén ra quá lớn",
    "laughs.xlsx": "không phải tệp Excel hợp lệ hoặc bị hỏng",
    "sheet-elsewhere.xlsx": "thành phần 'xl/theme/data.bin' trải trên khoảng 17.179.869.184 ô",
    "newlines.csv": "có hơn 1.000.000 dòng",
    "commas.csv": "có hơn 10.000.000 ô",
}
_MEASURED = (
    "import json, resource, subprocess, sys, time;"
    "limit = lambda: resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30));"
    "t = time.perf_counter();"
    "p = subprocess.run(sys.argv[1:], capture_output=True, text=True, preexec_fn=limit);"
    "print(json.dumps({'rc': p.returncode, 'err': p.stderr, 's': time.perf_counter() - t,"
    " 'mb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024}))"
)


def _bomb(name: str, tmp_path: Path) -> Path:
    if name == "newlines.csv":
        path = tmp_path / name
        path.write_bytes(b"unit_code,period,indicator,value\n" + b"\n" * 3_000_000)
        return path
    if name == "commas.csv":
        path = tmp_path / name
        path.write_bytes(b"unit_code,period,indicator,value\n" + b"," * 12_000_000)
        return path
    return BOMBS / name


def _measured(command: list[str], url: str, tmp_path: Path) -> dict[str, object]:
    env = {**os.environ, "CHISO_DATABASE_URL": url, "CHISO_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED, *command],
        check=False,
        capture_output=True,
        text=True,
        env=env,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_the_corpus_is_complete() -> None:
    assert sorted(p.name for p in BOMBS.iterdir()) == sorted(BUILDERS)
    assert all((BOMBS / name).stat().st_size < 300_000 for name in BUILDERS)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bombs_are_refused_quickly_in_bounded_memory(
    province_db: str, tmp_path: Path, name: str
) -> None:
    path = _bomb(name, tmp_path)
    chiso = str(Path(sys.executable).with_name("chiso"))
    before = state(province_db, tmp_path)
    command = [chiso, "data", "import", str(path), "--framework", "platform-usage"]
    result = _measured(command, province_db, tmp_path)
    err = str(result["err"])
    assert result["rc"] == 1, err
    assert f"Tệp {name}: " in err and EXPECTED[name] in err
    assert "Traceback" not in err
    assert float(str(result["s"])) < LIMIT_S
    assert float(str(result["mb"])) < LIMIT_MB
    assert state(province_db, tmp_path) == before


COMMANDS = [("units", "import"), ("tasks", "import"), ("registry", "teams")]
WORKBOOKS = sorted(n for n in EXPECTED if n.endswith(".xlsx"))


@pytest.mark.parametrize(
    ("name", "command"),
    [(n, c) for n in sorted(EXPECTED) for c in COMMANDS]
    + [(n, ("framework", "validate")) for n in WORKBOOKS],
)
def test_every_importer_refuses_them(
    cli, province_db: str, tmp_path: Path, name: str, command: tuple[str, str]
) -> None:
    before = state(province_db, tmp_path)
    code, _, err = cli(province_db, *command, str(_bomb(name, tmp_path)))
    assert code == 1, err
    assert EXPECTED[name] in err
    assert state(province_db, tmp_path) == before


def test_good_workbooks_still_read(cli, province_db: str, tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["unit_code", "period", "indicator", "value", "numerator", "denominator"])
    for i in range(2000):
        ws.append(["legacy:25361", "2023-07", "paperless_meetings", 4] if i == 0 else [None] * 6)
    ws["Z2"] = "ghi chú ngoài bảng"
    ws.append(["legacy:25357", "2023-07", "signed_docs_rate", None, 3, 4])
    path = tmp_path / "tot.xlsx"
    wb.save(path)
    code, out, err = cli(province_db, "data", "import", str(path), "--framework", "platform-usage")
    assert code == 0, err
    assert "thêm 2" in out
