"""Logging for administrators, in English, one line per event; configured once per command-line
invocation and once per server. The command line writes to CHISO_LOG_FILE only (its stderr is
for the Vietnamese messages people read); the server writes to CHISO_LOG_FILE, or to stderr
without one. Lines carry the request id of the server request they belong to."""

from __future__ import annotations

import logging
import sys
from contextvars import ContextVar

from chiso.settings import Settings

FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
REQUEST_ID: ContextVar[str] = ContextVar("chiso_request_id", default="-")


class _RequestId(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get()
        return True


def configure(settings: Settings, server: bool = False) -> None:
    logger = logging.getLogger("chiso")
    for old in [h for h in logger.handlers if getattr(h, "chiso", False)]:
        logger.removeHandler(old)
        old.close()
    handler: logging.Handler | None = None
    if settings.log_file is not None:
        settings.log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(settings.log_file, encoding="utf-8")
    elif server:
        handler = logging.StreamHandler(sys.stderr)
    logger.setLevel(settings.log_level.upper())
    if handler is not None:
        handler.chiso = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter(FORMAT))
        handler.addFilter(_RequestId())
        logger.addHandler(handler)
