"""`chiso users`: accounts from the command line (the web's admin page does the same)."""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

import typer

from chiso.cli.context import runtime
from chiso.cli.lazy import lazy_import
from chiso.cli.output import console, emit

if TYPE_CHECKING:
    from chiso.services.accounts import users
else:
    users = lazy_import("chiso.services.accounts.users")

app = typer.Typer(help="Tài khoản người dùng.", no_args_is_help=True)


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
    role: str = typer.Option(..., "--role", help="admin, evaluator, reporter hoặc viewer."),
    unit: str | None = typer.Option(None, "--unit", help="Đơn vị (bắt buộc với reporter)."),
    email: str | None = typer.Option(None, "--email", help="Địa chỉ nhận thông báo."),
) -> None:
    """Tạo tài khoản với mật khẩu ngẫu nhiên (in ra một lần)."""
    password = secrets.token_urlsafe(9)
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
