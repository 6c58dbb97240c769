"""Static assets (the package's static/ folder: styles and the small form script): served
gzip-compressed when the browser accepts it, under a URL carrying a hash of their content so a
browser keeps them for a year (`Cache-Control: immutable`) and fetches them again only when they
change. A request names an asset from a fixed list, never a file path."""

from __future__ import annotations

import gzip
import hashlib
import mimetypes
import threading
from dataclasses import dataclass
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chiso.web.deps import Route

STATIC = Path(__file__).parent / "static"
YEAR = 365 * 86400
IMMUTABLE = f"public, max-age={YEAR}, immutable"
REVALIDATE = "public, max-age=0, must-revalidate"
"""An asset asked for without its hash (an old bookmark, a script): kept, but checked each time."""

router = APIRouter(route_class=Route, include_in_schema=False)


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass(frozen=True)
class Asset:
    name: str
    body: bytes
    gzipped: bytes
    media_type: str
    digest: str

    @classmethod
    def of(cls, name: str, body: bytes) -> Asset:
        media = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if media.startswith("text/") or media.endswith("javascript"):
            media += "; charset=utf-8"
        gzipped = gzip.compress(body, compresslevel=9, mtime=0)
        return cls(name, body, gzipped, media, _hash(body))


_files: dict[str, Asset] = {}
_lock = threading.Lock()


def _load() -> dict[str, Asset]:
    if not _files:
        with _lock:
            if not _files:
                for path in sorted(STATIC.iterdir()):
                    if path.is_file():
                        _files[path.name] = Asset.of(path.name, path.read_bytes())
    return _files


def get(name: str) -> Asset | None:
    return _load().get(name)


def url(name: str) -> str:
    """The URL a template writes for an asset: its content hash in the query string."""
    asset = get(name)
    if asset is None:
        raise KeyError(f"no static asset {name!r}")
    return f"/static/{name}?v={asset.digest}"


@router.get("/favicon.ico")
def favicon(request: Request) -> Response:
    """What a browser asks for by itself on a page with no icon (an error body, a file): the
    same SVG icon the pages link, so no first visit logs a 404."""
    return serve(request, "favicon.svg")


@router.get("/static/{name}")
def serve(request: Request, name: str, v: str | None = None) -> Response:
    asset = get(name)
    if asset is None:
        return Response("Không có tệp này.", status_code=404, media_type="text/plain")
    etag = f'"{asset.digest}"'
    headers = {
        "ETag": etag,
        "Vary": "Accept-Encoding",
        "Cache-Control": IMMUTABLE if v == asset.digest else REVALIDATE,
    }
    if request.headers.get("if-none-match") == etag:
        return Response(status_code=304, headers=headers)
    if "gzip" in request.headers.get("accept-encoding", ""):
        headers["Content-Encoding"] = "gzip"
        return Response(asset.gzipped, media_type=asset.media_type, headers=headers)
    return Response(asset.body, media_type=asset.media_type, headers=headers)
