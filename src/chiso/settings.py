"""Settings come from the environment (CHISO_*), so no secret or path is written in code."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHISO_", env_file=".env", extra="ignore")

    data_dir: Path = Field(default_factory=lambda: Path.cwd() / "chiso-data")
    database_url: str | None = None
    log_file: Path | None = None

    agency_superior: str = Field(
        default="", description="Cơ quan chủ quản (để trống nếu là UBND tỉnh)"
    )
    agency_name: str = "ỦY BAN NHÂN DÂN TỈNH ĐỒNG NAI"
    agency_symbol: str = "UBND-KGVX"
    agency_place: str = "Đồng Nai"
    signer_authority: str = "KT. CHỦ TỊCH"
    signer_title: str = "PHÓ CHỦ TỊCH"
    signer_name: str = ""
    office_code: str = Field(
        default="KGVX", description="Ký hiệu phòng soạn thảo trong 'Lưu: VT, …'"
    )

    trust_dir: Path | None = Field(
        default=None, description="Thư mục chứng thư gốc tin cậy (mặc định: <data_dir>/trust)"
    )
    evidence_max_mb: int = 20

    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    mail_from: str = "chiso@localhost"
    public_url: str = "http://127.0.0.1:8000"
    reminder_days: int = Field(default=7, description="Báo trước hạn bao nhiêu ngày")

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
