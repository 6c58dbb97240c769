"""The four record sources and their columns (documented in docs/data-formats.md)."""

from __future__ import annotations

from dataclasses import dataclass

from chiso.errors import UsageError


@dataclass(frozen=True)
class Source:
    name: str
    label_vi: str
    id_sql: str
    """DuckDB expression giving the record id (idempotent ingestion)."""
    month_sql: str
    """DuckDB expression giving the month (YYYY-MM) of a record from its typed columns."""
    columns: dict[str, str]
    """column → DuckDB type; every column is required."""

    @property
    def booleans(self) -> list[str]:
        return [c for c, t in self.columns.items() if t == "BOOLEAN"]


SOURCES = {
    s.name: s
    for s in (
        Source(
            "documents", "văn bản phát hành (Hệ thống Quản lý văn bản)", "doc_id", "strftime(issued_at, '%Y-%m')",
            {"doc_id": "VARCHAR", "unit_code": "VARCHAR", "issued_at": "TIMESTAMP", "classified": "BOOLEAN",
             "sent_online": "BOOLEAN", "signed_personal": "BOOLEAN", "signed_org": "BOOLEAN"},
        ),
        Source(
            "meetings", "cuộc họp (phần mềm họp không giấy)", "meeting_id", "strftime(held_on, '%Y-%m')",
            {"meeting_id": "VARCHAR", "unit_code": "VARCHAR", "held_on": "DATE", "paperless": "BOOLEAN"},
        ),
        Source(
            "email", "tài khoản thư điện tử công vụ theo tháng", "account || '@' || period", "period",
            {"account": "VARCHAR", "unit_code": "VARCHAR", "period": "VARCHAR", "active": "BOOLEAN"},
        ),
        Source(
            "applications", "hồ sơ thủ tục hành chính (Cổng dịch vụ công)", "application_id",
            "strftime(received_at, '%Y-%m')",
            {"application_id": "VARCHAR", "unit_code": "VARCHAR", "received_at": "TIMESTAMP",
             "procedure_code": "VARCHAR",
             "online": "BOOLEAN", "result_digitised": "BOOLEAN", "on_time": "BOOLEAN"},
        ),
    )
}  # fmt: skip


def source(name: str) -> Source:
    if name not in SOURCES:
        raise UsageError(
            f"Nguồn '{name}' không hợp lệ.",
            f"unknown source {name!r}",
            hint_vi="dùng: " + ", ".join(SOURCES),
        )
    return SOURCES[name]
