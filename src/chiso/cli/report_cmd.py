"""`chiso report`: letters, appendices, committee reports, ranking decisions, meeting-conclusion
notices and unit-result letters (DOCX, XLSX, PDF), each from a document spec (YAML)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chiso.cli.context import audited, runtime
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console
from chiso.errors import UsageError

if TYPE_CHECKING:
    from chiso.documents import spec as spec_mod
    from chiso.services.accounts import access_log
    from chiso.services.documents import decisions, drafts, letters, notices, reports, results
    from chiso.services.runtime import Runtime
    from chiso.services.scoring import dataset
else:
    access_log = lazy_import("chiso.services.accounts.access_log")
    dataset = lazy_import("chiso.services.scoring.dataset")
    decisions = lazy_import("chiso.services.documents.decisions")
    drafts = lazy_import("chiso.services.documents.drafts")
    letters = lazy_import("chiso.services.documents.letters")
    notices = lazy_import("chiso.services.documents.notices")
    reports = lazy_import("chiso.services.documents.reports")
    results = lazy_import("chiso.services.documents.results")
    spec_mod = lazy_import("chiso.documents.spec")

app = typer.Typer(
    help="Văn bản đúng thể thức Nghị định 30/2020/NĐ-CP, lập từ tệp văn bản (YAML): công văn, "
    "phụ lục, báo cáo, quyết định, thông báo kết luận, công văn kết quả của đơn vị.",
    no_args_is_help=True,
)

OUT = typer.Option(..., "--out", help="Tệp .docx ghi ra (tệp .xlsx cùng tên nếu có, bên cạnh).")
SPEC = typer.Option(
    None,
    "--spec",
    help="Tệp văn bản YAML (trích yếu, căn cứ, nơi nhận, nhận xét…); xem `chiso report spec`.",
)
AGENCY = typer.Option(
    None, "--agency", help="Mã hồ sơ cơ quan ban hành (thay khóa agency của tệp)."
)
PERIOD = typer.Option(
    None, "--period", help="Kỳ số liệu, ví dụ 2023-H1 hoặc 2023-07 (thay khóa period)."
)
VALUES = typer.Option(
    None, help="Tệp số liệu (như `chiso evaluate`); không có thì lấy từ cơ sở dữ liệu."
)
UNITS = typer.Option(None, help="Tệp đơn vị để chia nhóm và gọi tên đơn vị.")
FRAMEWORK = typer.Option(None, help="Bộ chỉ số chứa các chỉ số nêu (thay khóa framework).")
WORDING = typer.Option(None, help="Tệp lời văn YAML thay cho lời văn mặc định.")
PDF = typer.Option(False, "--pdf", help="Tạo thêm bản PDF (cần LibreOffice).")
INDICATOR = typer.Option(
    [], "--indicator", help="Mã chỉ số để nêu khi tệp văn bản không ghi findings (lặp lại được)."
)


def _spec(
    path: Path | None,
    kind: str,
    agency: str | None,
    period: str | None,
    framework: str | None,
    indicators: list[str] | None = None,
) -> spec_mod.DocumentSpec:
    spec = drafts.read_spec(path, kind)
    spec.agency = agency or spec.agency
    spec.period = period or spec.period
    spec.framework = framework or spec.framework
    if indicators and not spec.findings:
        spec.findings = [spec_mod.Finding(code) for code in indicators]
    if indicators and not spec.indicators:
        spec.indicators = list(indicators)
    return spec


def _source(
    spec: spec_mod.DocumentSpec, values: Path | None, units: Path | None
) -> dataset.DataSource:
    return dataset.DataSource(spec.framework, values, units)


def done_paths(rt: Runtime, paths: list[Path], pdf: bool, kind: str) -> None:
    """The files a document command made, each noted in the access log as the web's are."""
    made: list[Path] = []
    note = ""
    if pdf:
        made, note = letters.to_pdfs(rt, [p for p in paths if p.suffix == ".docx"])
    for path in [*paths, *made]:
        audited(rt, access_log.DOCUMENT, "document", path.name, kind=kind, format=path.suffix[1:])
        console.print(f"Đã tạo {path}")
    if note:
        console.print(note)


@app.command()
def letter(
    ctx: typer.Context,
    out: Path = OUT,
    spec: Path | None = SPEC,
    agency: str | None = AGENCY,
    period: str | None = PERIOD,
    indicator: list[str] = INDICATOR,
    values: Path | None = VALUES,
    units: Path | None = UNITS,
    framework: str | None = FRAMEWORK,
    wording: Path | None = WORDING,
    pdf: bool = PDF,
) -> None:
    """Công văn đôn đốc: đơn vị tiến bộ, đơn vị đạt 100%, đơn vị chưa triển khai, dưới ngưỡng."""
    rt = runtime(ctx)
    chosen = _spec(spec, "letter", agency, period, framework, indicator)
    request = letters.LetterRequest(chosen, _source(chosen, values, units), wording)
    done_paths(rt, letters.letter(rt, request, out), pdf, "letter")


@app.command()
def appendix(
    ctx: typer.Context,
    out: Path = OUT,
    spec: Path | None = SPEC,
    agency: str | None = AGENCY,
    period: str | None = PERIOD,
    indicator: list[str] = INDICATOR,
    values: Path | None = VALUES,
    units: Path | None = UNITS,
    framework: str | None = FRAMEWORK,
    pdf: bool = PDF,
) -> None:
    """Phụ lục số liệu của mọi đơn vị: tử số, mẫu số, tỷ lệ, đạt chỉ tiêu, xếp hạng (DOCX và XLSX)."""
    rt = runtime(ctx)
    chosen = _spec(spec, "appendix", agency, period, framework, indicator)
    request = letters.LetterRequest(chosen, _source(chosen, values, units))
    done_paths(rt, letters.appendix(rt, request, out), pdf, "appendix")


@app.command()
def summary(
    ctx: typer.Context,
    out: Path = OUT,
    spec: Path | None = SPEC,
    agency: str | None = AGENCY,
    period: str | None = PERIOD,
    indicator: list[str] = typer.Option(
        [], "--indicator", help="Chỉ số nêu trong báo cáo (mặc định: mọi chỉ số có số liệu)."
    ),
    values: Path | None = VALUES,
    units: Path | None = UNITS,
    framework: str | None = FRAMEWORK,
    wording: Path | None = WORDING,
    pdf: bool = PDF,
) -> None:
    """Báo cáo Ban Chỉ đạo tháng/quý: số liệu chung so với chỉ tiêu, xếp hạng, tiến bộ, chưa đạt."""
    rt = runtime(ctx)
    chosen = _spec(spec, "summary", agency, period, framework)
    chosen.indicators = indicator or chosen.indicators
    request = reports.SummaryRequest(chosen, _source(chosen, values, units), wording)
    done_paths(rt, reports.summary(rt, request, out), pdf, "summary")


@app.command()
def ranking(
    ctx: typer.Context,
    out: Path = OUT,
    spec: Path | None = SPEC,
    agency: str | None = AGENCY,
    period: str | None = PERIOD,
    values: Path | None = VALUES,
    units: Path | None = UNITS,
    framework: str | None = FRAMEWORK,
    wording: Path | None = WORDING,
    pdf: bool = PDF,
    all_groups: bool = typer.Option(
        False,
        "--all-groups",
        help='Ghi cả nhóm "Ngoài các nhóm xếp hạng" (mặc định: các nhóm có xếp hạng và các nhóm '
        "bộ chỉ số quy định không xếp hạng, ghi không hạng kèm lý do).",
    ),
) -> None:
    """Quyết định công bố kết quả xếp hạng, kèm bảng xếp hạng từng nhóm (DOCX) và tệp XLSX."""
    rt = runtime(ctx)
    chosen = _spec(spec, "ranking", agency, period, framework)
    request = decisions.RankingRequest(chosen, _source(chosen, values, units), wording, all_groups)
    done_paths(rt, decisions.ranking(rt, request, out), pdf, "ranking")


@app.command()
def notice(
    ctx: typer.Context,
    out: Path = OUT,
    spec: Path = typer.Option(..., "--spec", help="Tệp thông báo kết luận (YAML)."),
    agency: str | None = AGENCY,
    track: bool = typer.Option(
        True, "--track/--no-track", help="Đưa các nội dung giao việc vào theo dõi nhiệm vụ."
    ),
    wording: Path | None = WORDING,
    pdf: bool = PDF,
) -> None:
    """Thông báo kết luận cuộc họp; các nội dung giao việc thành nhiệm vụ được theo dõi."""
    rt = runtime(ctx)
    chosen = _spec(spec, "notice", agency, None, None)
    made = notices.notice(rt, notices.NoticeRequest(chosen, track, wording), out)
    done_paths(rt, made.paths, pdf, "notice")
    if made.tasks is not None:
        t = made.tasks
        console.print(
            f"Nhiệm vụ theo dõi ({t.source}): thêm {t.created}, sửa {t.updated}, giữ nguyên {t.unchanged}."
        )
    for line in made.untracked:
        console.print(f"Không theo dõi: {line}")


@app.command()
def result(
    ctx: typer.Context,
    out: Path = OUT,
    spec: Path = typer.Option(..., "--spec", help="Tệp công văn kết quả của đơn vị (YAML)."),
    agency: str | None = AGENCY,
    period: str | None = PERIOD,
    values: Path | None = VALUES,
    units: Path | None = UNITS,
    framework: str | None = FRAMEWORK,
    other_index: list[str] = typer.Option(
        [],
        "--other-index",
        help="Bộ chỉ số khác có kết quả của cùng đơn vị, nêu cạnh kết quả chính (thêm vào khóa other_indices).",
    ),
    wording: Path | None = WORDING,
    pdf: bool = PDF,
) -> None:
    """Công văn về kết quả chỉ số của chính đơn vị: điểm, hạng, thay đổi, chỉ số yếu, đơn vị cấp dưới."""
    rt = runtime(ctx)
    chosen = _spec(spec, "result", agency, period, framework)
    chosen.other_indices = [*chosen.other_indices, *other_index]
    request = results.ResultRequest(chosen, _source(chosen, values, units), units, wording)
    done_paths(rt, results.result(rt, request, out), pdf, "result")


@app.command("spec")
def starter(
    kind: str = typer.Argument(..., help="letter, summary, ranking, notice hoặc result."),
    out: Path = typer.Option(..., "--out", help="Tệp YAML ghi ra."),
) -> None:
    """Ghi một tệp văn bản mẫu để sửa rồi dùng bằng --spec (mỗi tháng chỉ sửa kỳ và ngày)."""
    if kind not in ("letter", "summary", "ranking", "notice", "result", "appendix"):
        raise UsageError(f"Không có loại văn bản '{kind}'.", "bad kind")
    out.write_text(drafts.starter(kind), encoding="utf-8")
    console.print(f"Đã tạo {out}")
