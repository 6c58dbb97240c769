"""Time and memory limits on work a web request starts: a workbook or CSV uploaded to /data/upload
is read in a bounded child process (CHISO_WORK_SECONDS, CHISO_WORK_MEMORY_MB), LibreOffice runs
with the same limits; past either, a clear Vietnamese refusal and nothing stored."""

from __future__ import annotations

import io
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from chiso.errors import RejectedInput, TooLarge
from chiso.services.values import exchange

PERIOD = "2026-11"
UNITS = ["75.SYT", "75.SCT", "75.STC"]


def _big_csv(rows: int) -> bytes:
    """Many rows of the long file (its keys repeat: a file read to the end is refused too)."""
    out = io.StringIO()
    out.write("unit_code,period,indicator,numerator,denominator\n")
    for i in range(rows):
        out.write(f"{UNITS[i % 3]},{PERIOD},signed_docs_rate,{i % 90},100\n")
    return out.getvalue().encode("utf-8")


def _upload(web: Any, name: str, data: bytes, mode: str = "import") -> Any:
    return web.client("admin").post(
        "/data/upload",
        data={"csrf": web.csrf("admin"), "framework": "platform-usage", "mode": mode},
        files={"file": (name, data, "text/csv")},
    )


def _stored(web: Any) -> int:
    return len(exchange.stored(web.rt, "platform-usage", PERIOD, None))


def test_small_upload_is_read_within_the_limits(web: Any) -> None:
    data = (
        b"unit_code,period,indicator,numerator,denominator\n75.SYT,2026-11,signed_docs_rate,9,10\n"
    )
    response = _upload(web, "nho.csv", data)
    assert response.status_code == 200 and "Đã lưu: nho.csv" in response.text
    assert _stored(web) == 1


def test_upload_past_the_time_limit_is_refused_and_stores_nothing(
    web: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web.rt.settings, "work_seconds", 0.05)
    start = time.perf_counter()
    response = _upload(web, "cham.csv", _big_csv(60_000))
    took = time.perf_counter() - start
    assert response.status_code == 422, response.text[:500]
    assert "Tệp cham.csv: xử lý quá 0,05 giây nên bị dừng." in response.text
    assert _stored(web) == 0
    assert took < 10, took


def test_upload_past_the_memory_limit_is_refused_and_stores_nothing(
    web: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web.rt.settings, "work_memory_mb", 8)
    # 14 MB: reading it needs more than 8 MB of new address space whatever the server's heap
    # already holds free (small objects reuse it; a large buffer is a mapping of its own)
    response = _upload(web, "lon.csv", _big_csv(400_000))
    assert response.status_code == 413, response.text[:500]
    assert "Tệp lon.csv: xử lý vượt giới hạn bộ nhớ (8 MB) nên bị dừng." in response.text
    assert "CHISO_WORK_MEMORY_MB" in response.text
    assert _stored(web) == 0
    monkeypatch.setattr(web.rt.settings, "work_memory_mb", 1024)
    again = _upload(web, "lon.csv", _big_csv(3), mode="preview")
    assert again.status_code == 200, again.text[:500]


needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None, reason="LibreOffice is installed by make test"
)


def _docx(folder: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_paragraph("Công văn về việc đôn đốc chuyển đổi số " * 40)
    path = folder / "cong-van.docx"
    document.save(str(path))
    return path


@needs_libreoffice
def test_libreoffice_past_its_time_is_stopped_with_every_child(tmp_path: Path) -> None:
    from chiso.documents import pdf

    path = _docx(tmp_path)
    start = time.perf_counter()
    with pytest.raises(RejectedInput) as refused:
        pdf.to_pdfs([path], seconds=0.5, memory_mb=1024)
    assert time.perf_counter() - start < 5
    assert "LibreOffice chuyển 1 tệp sang PDF quá 0,5 giây nên bị dừng." in refused.value.message_vi
    assert not path.with_suffix(".pdf").exists()
    time.sleep(0.5)
    running = subprocess.run(["ps", "-eo", "args"], check=True, capture_output=True, text=True)
    assert str(path) not in running.stdout  # soffice.bin, started by the launcher, killed too


@needs_libreoffice
def test_libreoffice_past_its_memory_is_refused(tmp_path: Path) -> None:
    from chiso.documents import pdf

    path = _docx(tmp_path)
    with pytest.raises(RejectedInput) as refused:
        pdf.to_pdfs([path], seconds=120, memory_mb=200)
    assert "vượt giới hạn bộ nhớ (200 MB)" in refused.value.message_vi
    assert not isinstance(refused.value, TooLarge) or refused.value.http_status == 413
    assert pdf.to_pdfs([path], seconds=120, memory_mb=1024)[0].read_bytes()[:5] == b"%PDF-"


@needs_libreoffice
def test_web_pdf_download_past_the_limits_is_refused(
    web: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    spec = "period: 2026-10\nfindings: [signed_docs_rate]\n"
    form = {"csrf": web.csrf("admin"), "kind": "letter", "action": "pdf", "text": spec}
    monkeypatch.setattr(web.rt.settings, "work_memory_mb", 200)
    refused = web.client("admin").post("/documents/compose", data=form)
    assert refused.status_code == 422
    assert "vượt giới hạn bộ nhớ (200 MB) nên bị dừng" in refused.text
    monkeypatch.setattr(web.rt.settings, "work_memory_mb", 1024)
    monkeypatch.setattr(web.rt.settings, "work_seconds", 0.2)
    late = web.client("admin").post("/documents/compose", data=form)
    assert late.status_code == 422 and "quá 0,2 giây nên bị dừng" in late.text


def test_admin_units_upload_past_the_memory_limit_is_refused(
    web: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chiso.services.units import catalogue

    header = "code,name,kind,parent_code,groups,short_name\n"
    lines = [f"X{i},Xã Thử {i},commune,75,,\n" for i in range(400_000)]
    data = (header + "".join(lines)).encode("utf-8")
    form = {"csrf": web.csrf("admin"), "mode": "import"}
    monkeypatch.setattr(web.rt.settings, "work_memory_mb", 8)
    refused = web.client("admin").post(
        "/admin/units", data=form, files={"file": ("don-vi.csv", data, "text/csv")}
    )
    assert refused.status_code == 422, refused.text[:300]
    assert "Tệp don-vi.csv: xử lý vượt giới hạn bộ nhớ (8 MB) nên bị dừng." in refused.text
    assert catalogue.list_units(web.rt, catalogue.ListQuery(search="Xã Thử 1")) == []
    monkeypatch.setattr(web.rt.settings, "work_memory_mb", 1024)
    small = (header + "".join(lines[:3])).encode("utf-8")
    form["mode"] = "preview"
    shown = web.client("admin").post(
        "/admin/units", data=form, files={"file": ("don-vi.csv", small, "text/csv")}
    )
    assert shown.status_code == 200 and "Xem trước" in shown.text, shown.text[:300]


def test_admin_framework_upload_past_the_time_limit_registers_nothing(
    web: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chiso.io.framework_yaml import dump_framework
    from chiso.services.scoring import frameworks

    text = dump_framework(frameworks.shipped("platform-usage")).replace(
        "id: platform-usage", "id: thu-gioi-han", 1
    )
    assert "id: thu-gioi-han" in text
    form = {"csrf": web.csrf("admin"), "mode": "register"}
    upload = {"file": ("bo-chi-so.yaml", text.encode("utf-8"), "application/yaml")}
    monkeypatch.setattr(web.rt.settings, "work_seconds", 0.0001)
    refused = web.client("admin").post("/admin/frameworks", data=form, files=upload)
    assert refused.status_code == 422, refused.text[:300]
    assert "Tệp bo-chi-so.yaml: xử lý quá" in refused.text
    assert "thu-gioi-han" not in frameworks.available_ids(web.rt)
    monkeypatch.setattr(web.rt.settings, "work_seconds", 60)
    saved = web.client("admin").post("/admin/frameworks", data=form, files=upload)
    assert saved.status_code == 200 and "Đã lưu" in saved.text, saved.text[:300]
    assert "thu-gioi-han" in frameworks.available_ids(web.rt)
