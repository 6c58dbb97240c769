"""`chiso report`: letters, appendices, committee reports and ranking decisions (DOCX, XLSX, PDF)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chiso.cli.lazy import lazy_import
from chiso.cli.output import console
from chiso.errors import UsageError

if TYPE_CHECKING:
    from chiso.services import runtime
    from chiso.services.documents import drafting as reports
    from chiso.services.scoring import dataset as report_data
else:
    report_data = lazy_import("chiso.services.scoring.dataset")
    reports = lazy_import("chiso.services.documents.drafting")
    runtime = lazy_import("chiso.services.runtime")

app = typer.Typer(
    help="Văn bản đúng thể thức Nghị định 30/2020/NĐ-CP: công văn, phụ lục, báo cáo, quyết định.",
    no_args_is_help=True,
)

SORTS = ("value", "value_desc", "name")


def _thresholds(items: list[str]) -> dict[str, float]:
    out: dict[str, float] = {}
    for item in items:
        code, sep, value = item.rpartition("=")
        try:
            out[code if sep else "*"] = float(value.replace(",", ".").rstrip("%"))
        except ValueError as exc:
            raise UsageError(
                f"Ngưỡng '{item}' không hợp lệ.",
                f"bad threshold {item!r}",
                hint_vi="ghi --below 50 hoặc --below signed_docs_rate=40.",
            ) from exc
    return out


def _options(
    agency: str | None,
    symbol: str | None,
    place: str | None,
    signer: str | None,
    basis: list[str],
    recipient: list[str],
    wording: Path | None,
    year: int | None,
) -> reports.DocumentOptions:
    return reports.DocumentOptions(
        agency=agency,
        symbol=symbol,
        place=place,
        signer_name=signer,
        bases=basis,
        recipients=recipient,
        wording=wording,
        year=year,
    )


def _runtime(values: Path | None) -> runtime.Runtime | None:
    return None if values is not None else runtime.open_runtime()


def done_paths(paths: list[Path], pdf: bool) -> None:
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
    values: Path | None = typer.Option(
        None, help="Tệp số liệu (như `chiso evaluate`); không có thì lấy từ cơ sở dữ liệu."
    ),
    units: Path | None = typer.Option(None, help="Tệp đơn vị để chia nhóm và gọi tên đơn vị."),
    framework: str = typer.Option("platform-usage", help="Bộ chỉ số chứa các chỉ số nêu."),
    below: list[str] = typer.Option(
        [],
        help="Nêu đơn vị dưới ngưỡng: 50 (mọi chỉ số) hoặc signed_docs_rate=40; mặc định là chỉ tiêu.",
    ),
    earlier: str | None = typer.Option(
        None, help="Kỳ so sánh để nêu đơn vị tiến bộ (mặc định kỳ trước nếu có số liệu)."
    ),
    group_order: str | None = typer.Option(
        None, help="Thứ tự nhóm đơn vị, cách nhau bởi '|', ví dụ 'Sở, ban, ngành|UBND cấp huyện'."
    ),
    sort: str = typer.Option(
        "value", help="Thứ tự đơn vị trong nhóm: value (thấp trước), value_desc hoặc name."
    ),
    with_appendix: bool = typer.Option(
        False, "--with-appendix", help="Ghi thêm phụ lục số liệu (DOCX, XLSX) của chỉ số đầu tiên."
    ),
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
        raise UsageError(
            f"Cách sắp xếp '{sort}' không hợp lệ.",
            "bad sort",
            hint_vi="dùng value, value_desc hoặc name.",
        )
    request = reports.LetterRequest(
        report_data.Source(framework, values, units),
        period,
        indicator,
        _thresholds(below),
        earlier,
        [g.strip() for g in (group_order or "").split("|") if g.strip()],
        sort,
        with_appendix,
        _options(agency, symbol, place, signer, basis, recipient, wording, year),
    )
    rt = _runtime(values)
    paths = reports.letter(rt, request, out)
    if rt:
        rt.close()
    done_paths(paths, pdf)


@app.command()
def appendix(
    period: str = typer.Option(...),
    indicator: list[str] = typer.Option(..., help="Mã chỉ số (mỗi chỉ số một phụ lục)."),
    out: Path = typer.Option(..., "--out", help="Tệp .docx; tệp .xlsx cùng tên được ghi bên cạnh."),
    values: Path | None = typer.Option(None),
    units: Path | None = typer.Option(None),
    framework: str = typer.Option("platform-usage"),
    group_order: str | None = typer.Option(None, help="Thứ tự nhóm đơn vị, cách nhau bởi '|'."),
    agency: str | None = typer.Option(None),
    symbol: str | None = typer.Option(None),
    year: int | None = typer.Option(None),
    pdf: bool = typer.Option(False, "--pdf"),
) -> None:
    """Phụ lục số liệu của mọi đơn vị: tử số, mẫu số, tỷ lệ, đạt chỉ tiêu, xếp hạng (DOCX và XLSX)."""
    request = reports.AppendixRequest(
        report_data.Source(framework, values, units),
        period,
        indicator,
        [g.strip() for g in (group_order or "").split("|") if g.strip()],
        _options(agency, symbol, None, None, [], [], None, year),
    )
    rt = _runtime(values)
    paths = reports.appendix(rt, request, out)
    if rt:
        rt.close()
    done_paths(paths, pdf)


@app.command()
def summary(
    period: str = typer.Option(..., help="Tháng hoặc quý, ví dụ 2023-07, 2023-Q3."),
    out: Path = typer.Option(..., "--out"),
    indicator: list[str] = typer.Option(
        [], help="Chỉ số nêu trong báo cáo (mặc định: mọi chỉ số có số liệu)."
    ),
    values: Path | None = typer.Option(None),
    units: Path | None = typer.Option(None),
    framework: str = typer.Option("platform-usage"),
    below: list[str] = typer.Option([]),
    group_order: str | None = typer.Option(None),
    agency: str | None = typer.Option(None),
    place: str | None = typer.Option(None),
    signer: str | None = typer.Option(None),
    year: int | None = typer.Option(None),
    wording: Path | None = typer.Option(None),
    pdf: bool = typer.Option(False, "--pdf"),
) -> None:
    """Báo cáo Ban Chỉ đạo tháng/quý: số liệu chung, biểu đồ, xếp hạng, đơn vị tiến bộ, chưa đạt, tình hình báo cáo."""
    request = reports.SummaryRequest(
        report_data.Source(framework, values, units),
        period,
        indicator,
        _thresholds(below),
        [g.strip() for g in (group_order or "").split("|") if g.strip()],
        _options(agency, None, place, signer, [], [], wording, year),
    )
    rt = _runtime(values)
    paths = reports.summary(rt, request, out)
    if rt:
        rt.close()
    done_paths(paths, pdf)


@app.command()
def ranking(
    period: str = typer.Option(..., help="Kỳ đánh giá, thường là năm."),
    out: Path = typer.Option(..., "--out"),
    values: Path | None = typer.Option(None),
    units: Path | None = typer.Option(None),
    framework: str = typer.Option("platform-usage"),
    chair_title: str | None = typer.Option(
        None, help="Dòng thẩm quyền ban hành, ví dụ 'CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH ĐỒNG NAI'."
    ),
    agency: str | None = typer.Option(None),
    place: str | None = typer.Option(None),
    signer: str | None = typer.Option(None),
    basis: list[str] = typer.Option([]),
    year: int | None = typer.Option(None),
    wording: Path | None = typer.Option(None),
    pdf: bool = typer.Option(False, "--pdf"),
) -> None:
    """Quyết định công bố kết quả xếp hạng, kèm bảng xếp hạng từng nhóm (DOCX) và tệp XLSX."""
    request = reports.RankingRequest(
        report_data.Source(framework, values, units),
        period,
        chair_title,
        _options(agency, None, place, signer, basis, [], wording, year),
    )
    rt = _runtime(values)
    paths = reports.ranking(rt, request, out)
    if rt:
        rt.close()
    done_paths(paths, pdf)
