"""`chiso evidence`: check the digital signatures of a PDF as the council would see them."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from chiso.cli.assess_cmd import USER
from chiso.cli.context import audited, invocation, runtime
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console, emit
from chiso.domain.formatting import local_time
from chiso.errors import UsageError

if TYPE_CHECKING:
    from chiso.services.accounts import access_log
    from chiso.services.assessments import evidence
else:
    access_log = lazy_import("chiso.services.accounts.access_log")
    evidence = lazy_import("chiso.services.assessments.evidence")

app = typer.Typer(help="Minh chứng và chữ ký số.", no_args_is_help=True)


@app.command()
def verify(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="TỆP.pdf", help="Văn bản PDF đã ký số."),
    trust: Path | None = typer.Option(
        None,
        "--trust",
        help="Thư mục chứng thư gốc tin cậy (mặc định CHISO_TRUST_DIR hoặc <dữ liệu>/trust).",
    ),
) -> None:
    """Kiểm tra chữ ký số: toàn vẹn, người ký, cơ quan, thời điểm ký, chuỗi tin cậy và ký khép kín.
    Mã thoát 0 chỉ khi có đủ chữ ký cá nhân và chữ ký cơ quan hợp lệ."""
    if not file.is_file():
        raise UsageError(f"Không thấy tệp {file}.", f"no file {file}")
    settings = invocation(ctx).settings()
    folder = trust or settings.effective_trust_dir
    if trust is not None and not trust.is_dir():
        raise UsageError(f"Không thấy thư mục tin cậy {trust}.", f"no trust folder {trust}")
    verdict = evidence.verdict_for(settings, file.read_bytes(), folder)
    rows = [
        [
            s.field,
            s.signer,
            s.organisation or "",
            s.kind.label_vi,
            local_time(s.signed_at),
            "còn nguyên" if s.intact and s.valid else "HỎNG",
            "tin cậy" if s.trusted else "KHÔNG tin cậy",
        ]
        for s in verdict.signatures
    ]
    if rows:
        emit(
            "table",
            f"Chữ ký số trong {file.name}",
            [
                "Trường ký",
                "Người/cơ quan ký",
                "Tổ chức",
                "Loại",
                "Thời điểm ký",
                "Toàn vẹn",
                "Chuỗi chứng thư",
            ],
            rows,
        )
    console.print(f"Kết luận: {verdict.summary_vi()} (gốc tin cậy: {folder}).")
    if not verdict.closed_loop:
        raise typer.Exit(1)


@app.command()
def get(
    ctx: typer.Context,
    evidence_id: int = typer.Argument(
        ..., metavar="SỐ", help="Số minh chứng (`chiso assess show`)."
    ),
    out: Path = typer.Option(..., "--out", help="Tệp ghi ra."),
    user: str | None = USER,
) -> None:
    """Lấy một tệp minh chứng đã nộp (ghi vào nhật ký truy cập như khi tải trên trang web)."""
    rt = runtime(ctx, user)
    found, data = evidence.content(rt, evidence_id)
    out.write_bytes(data)
    details = {"file": found.filename, "sha256": found.sha256}
    audited(rt, access_log.EVIDENCE, "evidence", str(evidence_id), **details)
    console.print(f"Đã ghi minh chứng số {evidence_id} ({found.filename}) vào {out}.")
