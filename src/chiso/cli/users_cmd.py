"""`chiso users`: accounts from the command line (the web's admin page does the same)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import typer

from chiso.cli.context import runtime
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console, emit

if TYPE_CHECKING:
    from chiso.services.accounts import sessions, users
else:
    users = lazy_import("chiso.services.accounts.users")
    sessions = lazy_import("chiso.services.accounts.sessions")

app = typer.Typer(help="Tài khoản người dùng.", no_args_is_help=True)
token_app = typer.Typer(help="Mã truy cập API cho hệ thống tích hợp.", no_args_is_help=True)
app.add_typer(token_app, name="token")


@app.command("list")
def list_users(ctx: typer.Context) -> None:
    """Các tài khoản, vai trò, đơn vị và địa chỉ nhận thông báo."""
    found = users.accounts(runtime(ctx))
    rows = [
        [
            a.username,
            a.full_name,
            a.role.label_vi,
            a.unit_name or "",
            a.email or "",
            "đang dùng" if a.active else "đã khóa",
        ]
        for a in found
    ]
    emit(
        "table",
        "Tài khoản",
        ["Tên đăng nhập", "Họ tên", "Vai trò", "Đơn vị", "Thư điện tử", "Trạng thái"],
        rows,
    )


@app.command()
def add(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="Tên đăng nhập."),
    full_name: str = typer.Option(..., "--name", help="Họ tên."),
    role: str = typer.Option(
        "viewer", "--role", help="admin, evaluator, reporter hoặc viewer (mặc định: viewer)."
    ),
    unit: str | None = typer.Option(None, "--unit", help="Đơn vị (bắt buộc với reporter)."),
    email: str | None = typer.Option(None, "--email", help="Địa chỉ nhận thông báo."),
) -> None:
    """Tạo tài khoản với mật khẩu ngẫu nhiên (in ra một lần)."""
    password = secrets.token_urlsafe(12)
    users.create_user(runtime(ctx), username, full_name, password, role, unit, email)
    console.print(f"Đã tạo tài khoản {username} / mật khẩu {password}")


@app.command()
def email(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="Tên đăng nhập."),
    address: str = typer.Argument("", help="Địa chỉ thư (để trống: thôi nhận thông báo)."),
) -> None:
    """Đặt địa chỉ nhận thư thông báo của một tài khoản."""
    users.set_email(runtime(ctx), username, address or None)
    console.print(
        f"{username}: {'nhận thông báo tại ' + address if address else 'thôi nhận thông báo'}."
    )


@app.command()
def role(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="Tên đăng nhập."),
    new_role: str = typer.Argument(..., help="admin, evaluator, reporter hoặc viewer."),
    unit: str | None = typer.Option(None, "--unit", help="Đơn vị (bắt buộc với reporter)."),
) -> None:
    """Đổi vai trò của một tài khoản."""
    account = users.set_role(runtime(ctx), username, new_role, unit)
    console.print(f"{username}: vai trò {account.role.label_vi}.")


@app.command()
def deactivate(
    ctx: typer.Context, username: str = typer.Argument(..., help="Tên đăng nhập.")
) -> None:
    """Khóa tài khoản: không đăng nhập được, mọi phiên và mã truy cập ngừng hiệu lực."""
    users.set_active(runtime(ctx), username, False)
    console.print(f"Đã khóa tài khoản {username}.")


@app.command()
def activate(
    ctx: typer.Context, username: str = typer.Argument(..., help="Tên đăng nhập.")
) -> None:
    """Mở lại một tài khoản đã khóa."""
    users.set_active(runtime(ctx), username, True)
    console.print(f"Đã mở lại tài khoản {username}.")


@app.command("reset-password")
def reset_password(
    ctx: typer.Context, username: str = typer.Argument(..., help="Tên đăng nhập.")
) -> None:
    """Đặt lại mật khẩu ngẫu nhiên (in ra một lần); mọi phiên đăng nhập của tài khoản kết thúc."""
    password = secrets.token_urlsafe(12)
    ended = users.set_password(runtime(ctx), username, password)
    console.print(f"Mật khẩu mới của {username}: {password} (đã đăng xuất {ended} phiên)")


@token_app.command("create")
def token_create(
    ctx: typer.Context,
    username: str = typer.Argument(..., help="Tài khoản mà mã truy cập thay mặt."),
    name: str = typer.Option(..., "--name", help="Hệ thống nào dùng mã này, ví dụ QLVB."),
    days: int = typer.Option(90, "--days", help="Số ngày hiệu lực (0: đến khi thu hồi)."),
) -> None:
    """Tạo mã truy cập API; mã chỉ in ra một lần, chỉ bản băm được lưu."""
    token = sessions.create_token(runtime(ctx), username, name, days or None)
    console.print(f"Mã truy cập cho {username} ({name}) — chỉ hiện một lần, hãy lưu lại:")
    console.print(token, markup=False, highlight=False, soft_wrap=True)


@token_app.command("list")
def token_list(
    ctx: typer.Context,
    username: str | None = typer.Argument(None, help="Chỉ mã của tài khoản này."),
) -> None:
    """Các mã truy cập: số, tài khoản, tên, ngày tạo, hết hạn, lần dùng cuối, trạng thái."""
    from datetime import UTC, datetime

    now = datetime.now(UTC)
    rows = [
        [
            t.id,
            t.username,
            t.name,
            t.created_at.strftime("%d/%m/%Y %H:%M"),
            t.expires_at.strftime("%d/%m/%Y") if t.expires_at else "không hết hạn",
            t.last_used_at.strftime("%d/%m/%Y %H:%M") if t.last_used_at else "chưa dùng",
            "đã thu hồi" if t.revoked else "còn hiệu lực" if t.live(now) else "hết hạn",
        ]
        for t in sessions.tokens(runtime(ctx), username)
    ]
    header = ["Số", "Tài khoản", "Tên", "Tạo lúc", "Hết hạn", "Dùng lần cuối", "Trạng thái"]
    emit("table", "Mã truy cập", header, rows)


@token_app.command("revoke")
def token_revoke(
    ctx: typer.Context, token_id: int = typer.Argument(..., help="Số của mã (xem token list).")
) -> None:
    """Thu hồi một mã truy cập: từ lúc này mọi yêu cầu dùng nó bị từ chối."""
    found = sessions.revoke_token(runtime(ctx), token_id)
    console.print(f"Đã thu hồi mã số {found.id} ({found.name}) của {found.username}.")
