"""PDF signatures checked with pyHanko on PDFs signed here with test certificates: a closed-loop
document, a tampered one, one with a single signature, one signed under an unknown root."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from chiso.domain.signatures import SignerKind, signer_kind
from chiso.io.pdf_signatures import check_pdf, load_trust_roots
from chiso.services.runtime import open_runtime
from chiso.services.values import exchange
from chiso.settings import Settings
from tests import signing


@pytest.fixture(scope="module")
def pki() -> signing.Pki:
    return signing.make_pki()


def _roots(pki: signing.Pki, tmp_path: Path) -> list[Any]:
    return load_trust_roots(pki.write_trust(tmp_path / "trust"))


def test_closed_loop_document_is_valid(pki: signing.Pki, tmp_path: Path) -> None:
    verdict = check_pdf(signing.closed_loop_pdf(pki), _roots(pki, tmp_path))
    assert verdict.closed_loop
    assert [s.kind for s in verdict.signatures] == [SignerKind.PERSONAL, SignerKind.ORGANISATION]
    assert verdict.signatures[0].signer == "Nguyễn Văn An"
    assert verdict.signatures[1].organisation == "Sở Y tế tỉnh Đồng Nai"
    assert all(s.signed_at is not None and s.intact and s.trusted for s in verdict.signatures)


def test_tampered_document_fails_integrity(pki: signing.Pki, tmp_path: Path) -> None:
    verdict = check_pdf(signing.tampered(signing.closed_loop_pdf(pki)), _roots(pki, tmp_path))
    assert not verdict.closed_loop
    assert not any(s.intact for s in verdict.signatures)
    assert "bị sửa" in verdict.summary_vi()


def test_single_signature_is_not_closed_loop(pki: signing.Pki, tmp_path: Path) -> None:
    verdict = check_pdf(signing.single_signature_pdf(pki), _roots(pki, tmp_path))
    assert verdict.signed and not verdict.closed_loop
    assert verdict.summary_vi().endswith("thiếu chữ ký của cơ quan")


def test_untrusted_root_is_reported(pki: signing.Pki, tmp_path: Path) -> None:
    verdict = check_pdf(signing.untrusted_pdf(pki), _roots(pki, tmp_path))
    assert not verdict.closed_loop
    assert [s.trusted for s in verdict.signatures] == [True, False]
    assert "gốc tin cậy" in verdict.summary_vi()
    nothing_trusted = check_pdf(signing.closed_loop_pdf(pki), [])
    assert not nothing_trusted.closed_loop


def test_unsigned_and_broken_files(pki: signing.Pki, tmp_path: Path) -> None:
    assert (
        check_pdf(signing.blank_pdf(), _roots(pki, tmp_path)).summary_vi() == "Không có chữ ký số"
    )
    with pytest.raises(Exception, match="PDF"):
        check_pdf(b"%PDF-1.7 nonsense", [])


@pytest.mark.parametrize(
    ("cn", "org", "kind"),
    [
        ("Nguyễn Văn An", "Sở Y tế", SignerKind.PERSONAL),
        ("Sở Y tế tỉnh Đồng Nai", "Sở Y tế tỉnh Đồng Nai", SignerKind.ORGANISATION),
        ("UBND huyện Lý Sơn", None, SignerKind.ORGANISATION),
        ("Văn phòng UBND tỉnh", "UBND tỉnh", SignerKind.ORGANISATION),
    ],
)
def test_signer_kind(cn: str, org: str | None, kind: SignerKind) -> None:
    assert signer_kind(cn, org) is kind


def test_cli_verify_exit_codes(
    cli: Any, database_url: str, pki: signing.Pki, tmp_path: Path
) -> None:
    trust = pki.write_trust(tmp_path / "trust")
    cases = {
        "ok.pdf": (signing.closed_loop_pdf(pki), 0),
        "sua.pdf": (signing.tampered(signing.closed_loop_pdf(pki)), 1),
        "mot-chu-ky.pdf": (signing.single_signature_pdf(pki), 1),
        "la.pdf": (signing.untrusted_pdf(pki), 1),
    }
    for name, (data, expected) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        code, out, _ = cli(database_url, "evidence", "verify", str(path), "--trust", str(trust))
        assert code == expected, (name, out)
        assert "Nguyễn Văn An" in out
    code, out, _ = cli(
        database_url, "evidence", "verify", str(tmp_path / "ok.pdf"), "--trust", str(tmp_path)
    )
    assert code == 1 and "KHÔNG tin cậy" in out


def test_scan_pdfs_stores_the_rate(
    cli: Any, province_db: str, pki: signing.Pki, tmp_path: Path
) -> None:
    folder = tmp_path / "phat-hanh"
    folder.mkdir()
    (folder / "1.pdf").write_bytes(signing.closed_loop_pdf(pki))
    (folder / "2.pdf").write_bytes(signing.closed_loop_pdf(pki, "Van ban di so 02"))
    (folder / "3.pdf").write_bytes(signing.single_signature_pdf(pki))
    trust = pki.write_trust(tmp_path / "trust")
    args = (
        "facts",
        "scan-pdfs",
        str(folder),
        "--unit",
        "75.SYT",
        "--period",
        "2026-10",
        "--trust",
        str(trust),
    )
    code, out, err = cli(province_db, *args)
    assert code == 0, err
    assert "2/3 văn bản ký số khép kín" in out
    rt = open_runtime(Settings(database_url=province_db, data_dir=tmp_path / "data"))
    records = exchange.stored(rt, "platform-usage", "2026-10", "75.SYT")
    rt.close()
    stored = next(r for r in records if r.indicator == "signed_docs_rate")
    assert (stored.value.numerator, stored.value.denominator, stored.source) == (2, 3, "computed")
    code, out, _ = cli(province_db, *args)
    assert "giữ nguyên 1" in out
    code, out, _ = cli(province_db, *args, "--either-signature")
    assert "3/3" in out
