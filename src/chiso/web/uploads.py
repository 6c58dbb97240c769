"""Files posted from a form, saved into a working folder within the size limit of importers."""

from __future__ import annotations

import re
from pathlib import Path

from starlette.datastructures import UploadFile

from chiso.errors import RejectedInput
from chiso.io.tables import MAX_FILE_BYTES


def safe_name(filename: str | None, default_name: str) -> str:
    """The uploaded file's name as shown in messages, made harmless as a name inside a private
    working folder: no folders, no control characters, never '.' or '..', at most 150 chars."""
    name = re.sub(r"[\x00-\x1f/\\]", "_", Path(filename or "").name).strip()[:150]
    return name if name.strip(".") else default_name


async def save_upload(value: object, folder: Path, default_name: str) -> Path | None:
    """The saved file, or None when the form carried no file."""
    if not isinstance(value, UploadFile) or not value.filename:
        return None
    name = safe_name(value.filename, default_name)
    data = await value.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise RejectedInput(
            f"Tệp {name} lớn hơn giới hạn {MAX_FILE_BYTES // 2**20} MB.", "upload too large"
        )
    path = folder / name
    path.write_bytes(data)
    return path


async def evidence_upload(value: object, max_mb: int) -> tuple[tuple[str, bytes], ...]:
    """An evidence file from a form as (name, bytes), read one byte past the limit so the
    evidence service can refuse an oversized file by name; empty when none was chosen."""
    if not isinstance(value, UploadFile) or not value.filename:
        return ()
    return ((value.filename, await value.read(max_mb * 2**20 + 1)),)


_TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")


def keep_preview(path: Path, previews: Path, owner: str) -> str:
    """Keeps a previewed file so that "Lưu" can store it without choosing it again; the token
    names it, and only its owner can use it."""
    import secrets
    import shutil

    token = secrets.token_urlsafe(18)
    folder = previews / safe_name(owner, "user") / token
    folder.mkdir(parents=True)
    shutil.copyfile(path, folder / path.name)
    return token


def kept_preview(token: str, previews: Path, owner: str) -> Path | None:
    """The file kept by `keep_preview` under this token for this owner, or None."""
    if not _TOKEN.match(token):
        return None
    folder = previews / safe_name(owner, "user") / token
    found = sorted(folder.glob("*")) if folder.is_dir() else []
    return found[0] if found else None
