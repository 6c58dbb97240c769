"""`chiso report`: letters, appendices, committee reports and ranking decisions (DOCX, XLSX, PDF)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chiso.cli.context import runtime
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console
from chiso.errors import UsageError

if TYPE_CHECKING:
    from chiso.services.documents import decisions, letters, options, reports
    from chiso.services.scoring import dataset
else:
    dataset = lazy_import("chiso.services.scoring.dataset")
    decisions = lazy_import("chiso.services.documents.decisions")
    letters = lazy_import("chiso.services.documents.letters")
    options = lazy_import("chiso.services.documents.options")
    reports = lazy_import("chiso.services.documents.reports")

app = typer.Typer(
    help="Văn bản đúng thể thức Nghị định 30/2020/NĐ-CP: công văn, phụ lục, báo cáo, quyết định.",
    no_args_is_help=True,
)

SORTS = ("value", "value_desc", "name")

OUT = typer.Option(..., "--out", help="Tệp .docx ghi ra (tệp .xlsx cùng tên nếu có, bên cạnh).")
VALUES = typer.Option(
    None, help="Tệp số liệu (như `chiso evaluate`); không có thì lấy từ cơ sở dữ liệu."
)
UNITS = typer.Option(None, help="Tệp đơn vị để chia nhóm và gọi tên đơn vị.")
FRAMEWORK = typer.Option("platform-usage", help="Bộ chỉ số chứa các chỉ số nêu.")
BELOW = typer.Option(
    [],
    help="Nêu đơn vị dưới ngưỡng: 50 (mọi chỉ số) hoặc signed_docs_rate=40; mặc định là chỉ tiêu.",
)
GROUP_ORDER = typer.Option(
    None, help="Thứ tự nhóm đơn vị, cách nhau bởi '|', ví dụ 'Sở, ban, ngành|UBND cấp huyện'."
)
AGENCY = typer.Option(None, help="Cơ quan ban hành (mặc định CHISO_AGENCY_NAME).")
SYMBOL = typer.Option(None, help="Ký hiệu văn bản, ví dụ UBND-KGVX.")
PLACE = typer.Option(None, help="Địa danh ghi ở dòng ngày tháng.")
SIGNER = typer.Option(None, help="Họ tên người ký.")
BASIS = typer.Option([], help="Căn cứ (lặp lại cho nhiều căn cứ).")
WORDING = typer.Option(None, help="Tệp lời văn YAML thay cho lời văn mặc định.")
YEAR = typer.Option(None, help="Năm ghi ở dòng ngày tháng (mặc định năm nay).")
PDF = typer.Option(False, "--pdf", help="Tạo thêm bản PDF (cần LibreOffice).")


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
) -> options.DocumentOptions:
    return options.DocumentOptions(
        agency=agency,
        symbol=symbol,
        place=place,
        signer_name=signer,
        bases=basis,
        recipients=recipient,
        wording=wording,
        year=year,
    )


def done_paths(paths: list[Path], pdf: bool) -> None:
    for path in paths:
        console.print(f"Đã tạo {path}")
    if pdf:
        for path in paths:
            if path.suffix == ".docx":
                console.print(f"Đã tạo {letters.to_pdf(path)}")


@app.command()
def letter(
    ctx: typer.Context,
    period: str = typer.Option(..., help="Kỳ số liệu, ví dụ 2023-H1 hoặc 2023-07."),
    indicator: list[str] = typer.Option(..., help="Mã chỉ số (lặp lại để nêu nhiều chỉ số)."),
    out: Path = OUT,
    values: Path | None = VALUES,
    units: Path | None = UNITS,
    framework: str = FRAMEWORK,
    below: list[str] = BELOW,
    earlier: str | None = typer.Option(
        None, help="Kỳ so sánh để nêu đơn vị tiến bộ (mặc định kỳ trước nếu có số liệu)."
    ),
    group_order: str | None = GROUP_ORDER,
    sort: str = typer.Option(
        "value", help="Thứ tự đơn vị trong nhóm: value (thấp trước), value_desc hoặc name."
    ),
    with_appendix: bool = typer.Option(
        False, "--with-appendix", help="Ghi thêm phụ lục số liệu (DOCX, XLSX) của chỉ số đầu tiên."
    ),
    agency: str | None = AGENCY,
    symbol: str | None = SYMBOL,
    place: str | None = PLACE,
    signer: str | None = SIGNER,
    basis: list[str] = BASIS,
    recipient: list[str] = typer.Option([], help="Nơi nhận ở 'Kính gửi' (lặp lại)."),
    wording: Path | None = WORDING,
    year: int | None = YEAR,
    pdf: bool = PDF,
) -> None:
    """Công văn nêu tên đơn vị chưa đạt, đơn vị chưa triển khai, đơn vị tiến bộ và đơn vị tốt nhất."""
    if sort not in SORTS:
        raise UsageError(
            f"Cách sắp xếp '{sort}' không hợp lệ.",
            "bad sort",
            hint_vi="dùng value, value_desc hoặc name.",
        )
    request = letters.LetterRequest(
        dataset.DataSource(framework, values, units),
        period,
        indicator,
        _thresholds(below),
        earlier,
        _groups(group_order),
        sort,
        with_appendix,
        _options(agency, symbol, place, signer, basis, recipient, wording, year),
    )
    done_paths(letters.letter(runtime(ctx), request, out), pdf)


@app.command()
def appendix(
    ctx: typer.Context,
    period: str = typer.Option(..., help="Kỳ số liệu, ví dụ 2023-07."),
    indicator: list[str] = typer.Option(..., help="Mã chỉ số (mỗi chỉ số một phụ lục)."),
    out: Path = OUT,
    values: Path | None = VALUES,
    units: Path | None = UNITS,
    framework: str = FRAMEWORK,
    group_order: str | None = GROUP_ORDER,
    agency: str | None = AGENCY,
    symbol: str | None = SYMBOL,
    year: int | None = YEAR,
    pdf: bool = PDF,
) -> None:
    """Phụ lục số liệu của mọi đơn vị: tử số, mẫu số, tỷ lệ, đạt chỉ tiêu, xếp hạng (DOCX và XLSX)."""
    request = letters.AppendixRequest(
        dataset.DataSource(framework, values, units),
        period,
        indicator,
        _groups(group_order),
        _options(agency, symbol, None, None, [], [], None, year),
    )
    done_paths(letters.appendix(runtime(ctx), request, out), pdf)


@app.command()
def summary(
    ctx: typer.Context,
    period: str = typer.Option(..., help="Tháng hoặc quý, ví dụ 2023-07, 2023-Q3."),
    out: Path = OUT,
    indicator: list[str] = typer.Option(
        [], help="Chỉ số nêu trong báo cáo (mặc định: mọi chỉ số có số liệu)."
    ),
    values: Path | None = VALUES,
    units: Path | None = UNITS,
    framework: str = FRAMEWORK,
    below: list[str] = BELOW,
    group_order: str | None = GROUP_ORDER,
    agency: str | None = AGENCY,
    place: str | None = PLACE,
    signer: str | None = SIGNER,
    year: int | None = YEAR,
    wording: Path | None = WORDING,
    pdf: bool = PDF,
) -> None:
    """Báo cáo Ban Chỉ đạo tháng/quý: số liệu chung, biểu đồ, xếp hạng, đơn vị tiến bộ, chưa đạt, tình hình báo cáo."""
    request = reports.SummaryRequest(
        dataset.DataSource(framework, values, units),
        period,
        indicator,
        _thresholds(below),
        _groups(group_order),
        _options(agency, None, place, signer, [], [], wording, year),
    )
    done_paths(reports.summary(runtime(ctx), request, out), pdf)


@app.command()
def ranking(
    ctx: typer.Context,
    period: str = typer.Option(..., help="Kỳ đánh giá, thường là năm."),
    out: Path = OUT,
    values: Path | None = VALUES,
    units: Path | None = UNITS,
    framework: str = FRAMEWORK,
    chair_title: str | None = typer.Option(
        None, help="Dòng thẩm quyền ban hành, ví dụ 'CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH ĐỒNG NAI'."
    ),
    agency: str | None = AGENCY,
    place: str | None = PLACE,
    signer: str | None = SIGNER,
    basis: list[str] = BASIS,
    year: int | None = YEAR,
    wording: Path | None = WORDING,
    pdf: bool = PDF,
) -> None:
    """Quyết định công bố kết quả xếp hạng, kèm bảng xếp hạng từng nhóm (DOCX) và tệp XLSX."""
    request = decisions.RankingRequest(
        dataset.DataSource(framework, values, units),
        period,
        chair_title,
        _options(agency, None, place, signer, basis, [], wording, year),
    )
    done_paths(decisions.ranking(runtime(ctx), request, out), pdf)


def _groups(text: str | None) -> list[str]:
    return [g.strip() for g in (text or "").split("|") if g.strip()]
