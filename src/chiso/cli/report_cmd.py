"""`chiso report`: letters, appendices, committee reports and ranking decisions (DOCX, XLSX, PDF)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chiso.cli.lazy import lazy_import
from chiso.cli.output import console
from chiso.errors import UsageError

if TYPE_CHECKING:
    from chiso.services import report_data, reports, runtime
else:
    report_data = lazy_import("chiso.services.report_data")
    reports = lazy_import("chiso.services.reports")
    runtime = lazy_import("chiso.services.runtime")

app = typer.Typer(help="Văn bản đúng thể thức Nghị định 30/2020/NĐ-CP: công văn, phụ lục, báo cáo, quyết định.", no_args_is_help=True)

SORTS = ("value", "value_desc", "name")


def _thresholds(items: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        code, sep, value = item.rpartition("=")
        try:
            out[code if sep else "*"] = float(value.replace(",", ".").rstrip("%"))
        except ValueError as exc:
            raise UsageError(f"Ngưỡng '{item}' không hợp lệ.", f"bad threshold {item!r}", hint_vi="ghi --below 50 hoặc --below signed_docs_rate=40.") from exc
    return out


def _options(agency: str | None, symbol: str | None, place: str | None, signer: str | None, basis: list[str],
             recipient: list[str], wording: Path | None, year: int | None) -> reports.DocumentOptions:  # fmt: skip
    return reports.DocumentOptions(agency=agency, symbol=symbol, place=place, signer_name=signer, bases=basis,
                                   recipients=recipient, wording=wording, year=year)  # fmt: skip


def _runtime(values: Path | None) -> runtime.Runtime | None:
    return None if values is not None else runtime.open_runtime()


def _done(paths: list[Path], pdf: bool) -> None:
    for path in paths:
        console.print(f"Đã tạo {path}")
    if pdf:
        for path in paths:
            if path.suffix == ".docx":
                console.print(f"Đã tạo {reports.to_pdf(path)}")


@app.command()
def letter(
    period: str = typer.Option(..., help="Kỳ số liệu, ví dụ 2023-H1 hoặc 2023-07."),
    indicator: list[str] = typer.Option(..., help="Mã chỉ số (lặp lại để nêu nhiều chỉ số)."),
    out: Path = typer.Option(..., "--out", help="Tệp .docx ghi ra."),
    values: Path | None = typer.Option(None, help="Tệp số liệu (như `chiso evaluate`); không có thì lấy từ cơ sở dữ liệu."),
    units: Path | None = typer.Option(None, help="Tệp đơn vị để chia nhóm và gọi tên đơn vị."),
    framework: str = typer.Option("platform-usage", help="Bộ chỉ số chứa các chỉ số nêu."),
    below: list[str] = typer.Option([], help="Nêu đơn vị dưới ngưỡng: 50 (mọi chỉ số) hoặc signed_docs_rate=40; mặc định là chỉ tiêu."),
    earlier: str | None = typer.Option(None, help="Kỳ so sánh để nêu đơn vị tiến bộ (mặc định kỳ trước nếu có số liệu)."),
    group_order: str | None = typer.Option(None, help="Thứ tự nhóm đơn vị, cách nhau bởi '|', ví dụ 'Sở, ban, ngành|UBND cấp huyện'."),
    sort: str = typer.Option("value", help="Thứ tự đơn vị trong nhóm: value (thấp trước), value_desc hoặc name."),
    with_appendix: bool = typer.Option(False, "--with-appendix", help="Ghi thêm phụ lục số liệu (DOCX, XLSX) của chỉ số đầu tiên."),
    agency: str | None = typer.Option(None, help="Cơ quan ban hành (mặc định CHISO_AGENCY_NAME)."),
    symbol: str | None = typer.Option(None, help="Ký hiệu văn bản, ví dụ UBND-KGVX."),
    place: str | None = typer.Option(None, help="Địa danh ghi ở dòng ngày tháng."),
    signer: str | None = typer.Option(None, help="Họ tên người ký."),
    basis: list[str] = typer.Option([], help="Căn cứ (lặp lại cho nhiều căn cứ)."),
    recipient: list[str] = typer.Option([], help="Nơi nhận ở 'Kính gửi' (lặp lại)."),
    wording: Path | None = typer.Option(None, help="Tệp lời văn YAML thay cho lời văn mặc định."),
    year: int | None = typer.Option(None, help="Năm ghi ở dòng ngày tháng (mặc định năm nay)."),
    pdf: bool = typer.Option(False, "--pdf", help="Tạo thêm bản PDF (cần LibreOffice)."),
) -> None:
    """Công văn nêu tên đơn vị chưa đạt, đơn vị chưa triển khai, đơn vị tiến bộ và đơn vị tốt nhất."""
    if sort not in SORTS:
        raise UsageError(f"Cách sắp xếp '{sort}' không hợp lệ.", "bad sort", hint_vi="dùng value, value_desc hoặc name.")
    request = reports.LetterRequest(
        report_data.Source(framework, values, units), period, indicator, _thresholds(below), earlier,
        [g.strip() for g in (group_order or "").split("|") if g.strip()], sort, with_appendix,
        _options(agency, symbol, place, signer, basis, recipient, wording, year),
    )  # fmt: skip
    rt = _runtime(values)
    paths = reports.letter(rt, request, out)
    if rt:
        rt.close()
    _done(paths, pdf)
