"""Settings come from the environment (CHISO_*), so no secret or path is written in code. Each
field's description is the one the README's settings table shows (generated from here); a
default computed when chiso starts is shown as its `shown_default`."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def local_location(text: str) -> Path:
    """A folder named by a path or a `file://` URI (`file:///srv/chiso/facts`,
    `file://localhost/…`, percent-encoded like `Path.as_uri()` writes it)."""
    from urllib.parse import unquote, urlsplit

    from chiso.errors import UsageError

    if "://" not in text:
        return Path(text)
    parts = urlsplit(text)
    if parts.scheme.lower() == "file" and parts.netloc in ("", "localhost") and parts.path:
        return Path(unquote(parts.path))
    scheme = parts.scheme.lower() or "?"
    raise UsageError(
        f"CHISO_FACTS_LOCATION '{text}': chưa hỗ trợ địa chỉ '{scheme}://'"
        + (" trên máy khác" if scheme == "file" else "")
        + ".",
        f"unsupported CHISO_FACTS_LOCATION scheme {scheme!r}",
        hint_vi="dùng một thư mục hoặc file:///đường/dẫn; kho đối tượng (s3://…) hoặc HDFS thì "
        "gắn vào máy như một thư mục (xem docs/facts.md, mục Lưu trữ).",
    )


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHISO_", env_file=".env", extra="ignore")

    data_dir: Path = Field(
        default_factory=lambda: Path.cwd() / "chiso-data",
        description="thư mục dữ liệu (Parquet, tệp minh chứng, SQLite mặc định)",
        json_schema_extra={"shown_default": "./chiso-data"},
    )
    database_url: str | None = Field(
        default=None,
        description="cơ sở dữ liệu, ví dụ `postgresql+psycopg://user@host/chiso`",
        json_schema_extra={"shown_default": "sqlite:///$CHISO_DATA_DIR/chiso.sqlite3"},
    )
    db_lock_timeout: float = Field(
        default=30.0,
        gt=0,
        description="số giây một lần ghi chờ lần ghi khác đang giữ khóa trước khi bị từ chối",
    )
    log_file: Path | None = Field(
        default=None,
        description="nhật ký tiếng Anh cho quản trị viên (máy chủ web ghi ra stderr nếu không đặt)",
    )
    log_level: str = Field(default="INFO", description="mức nhật ký: DEBUG, INFO, WARNING, ERROR")

    font_dir: Path | None = Field(
        default=None,
        description="thư mục phông Times New Roman có bản quyền của cơ quan cho bản PDF "
        "(không đặt: Liberation Serif, cùng kích thước chữ)",
    )

    trust_dir: Path | None = Field(
        default=None,
        description="thư mục chứng thư gốc tin cậy để kiểm tra chữ ký số",
        json_schema_extra={"shown_default": "$CHISO_DATA_DIR/trust"},
    )
    evidence_max_mb: int = Field(
        default=20, description="dung lượng tối đa một tệp minh chứng (MB)"
    )
    max_body_mb: int = Field(
        default=50,
        description="dung lượng tối đa phần thân một yêu cầu gửi lên máy chủ web (MB); lớn hơn: 413",
    )
    work_seconds: float = Field(
        default=60,
        description="thời gian tối đa kiểm tra chữ ký một tệp PDF, đọc một tệp tải lên trang Số "
        "liệu hoặc chuyển một tệp DOCX sang PDF bằng LibreOffice (giây)",
    )
    work_memory_mb: int = Field(
        default=1024,
        description="bộ nhớ tối đa thêm cho việc kiểm tra chữ ký một tệp PDF hoặc đọc một tệp "
        "tải lên trang Số liệu; không gian địa chỉ tối đa của LibreOffice khi chuyển sang PDF (MB)",
    )

    session_idle_minutes: int = Field(
        default=60, ge=1, description="phiên đăng nhập hết hạn sau bao nhiêu phút không dùng"
    )
    session_max_hours: int = Field(
        default=12, ge=1, description="thời hạn tối đa một phiên đăng nhập (giờ), dù vẫn đang dùng"
    )
    cookie_secure: bool = Field(
        default=True,
        description="cookie phiên chỉ gửi qua HTTPS (cờ Secure); đặt `false` chỉ khi chạy thử "
        "qua http trên máy khác 127.0.0.1/localhost",
    )

    smtp_host: str | None = Field(default=None, description="máy chủ thư gửi thông báo")
    smtp_port: int = Field(default=25, description="cổng máy chủ thư")
    smtp_user: str | None = Field(default=None, description="tài khoản máy chủ thư")
    smtp_password: str | None = Field(default=None, description="mật khẩu máy chủ thư")
    smtp_starttls: bool = Field(default=False, description="dùng STARTTLS với máy chủ thư")
    mail_from: str = Field(default="chiso@localhost", description="địa chỉ người gửi thư")
    public_url: str = Field(
        default="http://127.0.0.1:8000", description="địa chỉ trang web ghi trong thư"
    )
    reminder_days: int = Field(default=7, description="báo trước hạn nộp hồ sơ bao nhiêu ngày")
    report_due_day: int = Field(
        default=5,
        ge=1,
        le=28,
        description="hạn báo cáo số liệu hằng tháng: ngày này của tháng sau kỳ báo cáo",
    )

    facts_engine: str = Field(
        default="duckdb",
        description="máy tính chỉ số từ bản ghi thô: `duckdb` (một máy) hoặc `spark` (cụm, cần `chiso[spark]`)",
    )
    facts_spark_remote: str | None = Field(
        default=None,
        description="máy chủ Spark Connect, ví dụ `sc://spark.tinh.gov.vn:15002` (không đặt: Spark cục bộ)",
    )
    facts_spark_master: str = Field(
        default="local[1]",
        description="master của phiên Spark cục bộ khi không đặt máy chủ Spark Connect",
    )
    facts_location: str | None = Field(
        default=None,
        description="nơi lưu bản ghi thô (Parquet theo nguồn và tháng): một thư mục hoặc địa chỉ `file:///…`",
        json_schema_extra={"shown_default": "$CHISO_DATA_DIR/facts"},
    )

    @property
    def effective_facts_location(self) -> Path:
        """The store root: a folder, or a `file://` URI (percent-encoded). Other schemes are
        refused: ingestion needs a file system with atomic rename and locks (docs/facts.md)."""
        if not self.facts_location:
            return self.data_dir / "facts"
        return local_location(self.facts_location)

    web_workers: int = Field(
        default_factory=lambda: max(1, min(os.cpu_count() or 1, 8)),
        ge=1,
        description="số tiến trình máy chủ web của `chiso serve` (cùng một cơ sở dữ liệu)",
        json_schema_extra={"shown_default": "số lõi CPU (tối đa 8)"},
    )
    web_keepalive_seconds: int = Field(
        default=75,
        ge=1,
        description="số giây máy chủ web giữ một kết nối đang rảnh chờ yêu cầu tiếp theo (keep-alive)",
    )
    precompute_periods: int = Field(
        default=12,
        ge=0,
        description=(
            "số kỳ của mỗi bộ chỉ số mà máy chủ web tính sẵn đánh giá khi số liệu thay đổi "
            "(kỳ mới nhất, quý, 6 tháng, năm chứa nó, rồi các kỳ trước); 0: không tính sẵn"
        ),
    )
    precompute_interval: float = Field(
        default=1.0,
        gt=0,
        description="số giây giữa hai lần máy chủ web kiểm tra số liệu có thay đổi để tính sẵn",
    )
    password_hash_cost: Literal["standard", "fast"] = Field(
        default="standard",
        description="độ tốn của băm mật khẩu argon2: `standard`; `fast` chỉ dành cho kiểm thử",
    )

    @property
    def effective_trust_dir(self) -> Path:
        return self.trust_dir or self.data_dir / "trust"

    @property
    def effective_database_url(self) -> str:
        """The SQLite file in the data directory unless CHISO_DATABASE_URL says otherwise."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.data_dir / 'chiso.sqlite3'}"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
