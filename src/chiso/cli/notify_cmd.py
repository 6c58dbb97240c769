"""`chiso notify`: the e-mail digest (run it daily from cron or a systemd timer)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from chiso.cli.assess_cmd import parse_date
from chiso.cli.context import runtime
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console

if TYPE_CHECKING:
    from chiso.services.accounts import notifications
else:
    notifications = lazy_import("chiso.services.accounts.notifications")


def notify(
    ctx: typer.Context,
    on: str | None = typer.Option(None, "--on", help="Tính đến ngày (mặc định hôm nay)."),
    dry_run: bool = typer.Option(False, "--dry-run", help="In thư sẽ gửi, không gửi."),
) -> None:
    """Gửi thư tổng hợp cho từng người: đợt tự đánh giá, hồ sơ bị trả lại, nhiệm vụ sắp/quá hạn.
    Mỗi việc chỉ báo một lần; không có gì mới thì không gửi."""
    rt = runtime(ctx)
    sent = notifications.send(rt, parse_date(on, "--on") if on else None, dry_run)
    if dry_run:
        for digest in sent:
            console.print(
                f"[bold]Đến: {digest.recipient}[/]\n{digest.body(rt.settings.public_url)}\n"
            )
    verb = "Sẽ gửi" if dry_run else "Đã gửi"
    events = sum(len(d.events) for d in sent)
    console.print(
        f"{verb} {len(sent)} thư ({events} thông báo)." if sent else "Không có thông báo mới."
    )
