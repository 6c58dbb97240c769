"""Frameworks shipped with chiso or written by a province, from YAML or the Excel table."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache, partial
from importlib.resources import files
from pathlib import Path

from chiso.domain.frameworks import Framework
from chiso.errors import NotFound, UsageError
from chiso.io import yaml_text
from chiso.io.bounded import run as run_bounded
from chiso.io.framework_yaml import dump_framework, framework_from_data, load_framework
from chiso.services import stamps
from chiso.services.runtime import Runtime
from chiso.store import audit_repo, frameworks_repo


def _shipped_dir() -> Path:
    return Path(str(files("chiso.data").joinpath("frameworks")))


def shipped_ids() -> list[str]:
    return list(_shipped_ids())


@cache
def _shipped_ids() -> tuple[str, ...]:
    return tuple(sorted(p.stem for p in _shipped_dir().glob("*.yaml")))


def shipped(framework_id: str) -> Framework:
    """A framework shipped with chiso, by id (package files: parsed once per process; a page
    view parsed every shipped framework's YAML again, 94% of a cached ranking page)."""
    if framework_id in _shipped_ids():
        return _load_shipped(framework_id)
    raise unknown(framework_id)


@cache
def _load_shipped(framework_id: str) -> Framework:
    return load_framework(_shipped_dir() / f"{framework_id}.yaml")


@lru_cache(maxsize=32)
def _registered(framework_id: str, text: str) -> Framework:
    """A registered framework from its stored YAML, parsed once per text."""
    return framework_from_data(yaml_text.safe_load(text), framework_id)


def read_file(path: Path) -> Framework:
    """A framework file (.yaml, .yml, .xlsx) named on the command line or uploaded by an
    administrator; never a name taken from a web request."""
    if not path.is_file():
        raise NotFound(f"Không có tệp bộ chỉ số {path}.", f"no framework file {path}")
    if path.suffix.lower() != ".xlsx":
        return load_framework(path)
    from chiso.io.framework_xlsx import import_xlsx  # openpyxl: only for the Excel table

    return import_xlsx(path)


def read_upload(rt: Runtime, path: Path) -> Framework:
    """An administrator's upload, read in a child process within CHISO_WORK_SECONDS and
    CHISO_WORK_MEMORY_MB like every other upload: a hostile YAML or XLSX cannot hold the server."""
    limits = rt.settings.work_seconds, rt.settings.work_memory_mb
    return run_bounded(partial(read_file, path), f"Tệp {path.name}", *limits)


def load_local(ref: str) -> Framework:
    """For commands that work on files without a database: a shipped id or a file path."""
    if ref in shipped_ids():
        return shipped(ref)
    path = Path(ref)
    if path.suffix.lower() in {".yaml", ".yml", ".xlsx"} or path.exists():
        return read_file(path)
    raise unknown(ref)


def unknown(ref: str) -> NotFound:
    """The refusal of a framework id that is neither shipped nor registered."""
    return NotFound(
        f"Không có bộ chỉ số '{ref}'. Các bộ có sẵn: {', '.join(shipped_ids())}.",
        f"unknown framework {ref!r}",
        hint_vi="ghi mã bộ chỉ số có sẵn hoặc đã đăng ký (chiso framework register TỆP).",
    )


@dataclass(frozen=True)
class FrameworkSummary:
    id: str
    name: str
    issued_by: str
    max_points: float
    main_indices: int
    leaves: int
    example: bool


def available(rt: Runtime | None = None) -> list[Framework]:
    """The shipped frameworks and, with a database, those registered in it (a registered
    framework with a shipped id replaces the shipped one), ordered by id."""
    if rt is None:
        return [shipped(i) for i in sorted(shipped_ids())]
    return list(stamps.cached(rt, ("frameworks",), lambda: _available(rt)))


def _available(rt: Runtime) -> tuple[Framework, ...]:
    found = {i: shipped(i) for i in shipped_ids()}
    with rt.db.transaction() as session:
        registered = frameworks_repo.registered(session)
    for framework_id, text in registered:
        found[framework_id] = _registered(framework_id, text)
    return tuple(found[i] for i in sorted(found))


def list_frameworks(rt: Runtime | None = None) -> list[FrameworkSummary]:
    return [
        FrameworkSummary(
            f.id,
            f.name,
            f.issued_by,
            f.root.max_points,
            len(f.main_indices()),
            len(f.leaves()),
            f.example,
        )
        for f in available(rt)
    ]


def available_ids(rt: Runtime) -> list[str]:
    """Ids a page may offer and a request may name."""
    return [f.id for f in available(rt)]


def export(ref: str, fmt: str, out: Path | None) -> str | None:
    """YAML text (returned when `out` is None) or an Excel table written to `out`."""
    framework = load_local(ref)
    if fmt == "yaml":
        text = dump_framework(framework)
        if out is None:
            return text
        out.write_text(text, encoding="utf-8")
        return None
    if fmt == "xlsx":
        if out is None:
            raise UsageError("Xuất Excel cần --out TỆP.xlsx.", "xlsx export needs --out")
        from chiso.io.framework_xlsx import export_xlsx

        export_xlsx(framework, out)
        return None
    raise UsageError(
        f"Định dạng '{fmt}' không hợp lệ.", f"bad format {fmt!r}", hint_vi="dùng yaml hoặc xlsx."
    )


def import_table(path: Path, framework_id: str | None, out: Path | None) -> tuple[Framework, str]:
    """Reads the Excel table, validates it and returns it with its YAML text."""
    from chiso.io.framework_xlsx import import_xlsx

    framework = import_xlsx(path, framework_id)
    text = dump_framework(framework)
    if out is not None:
        out.write_text(text, encoding="utf-8")
    return framework, text


def get(rt: Runtime, framework_id: str) -> Framework:
    """A framework registered in the database or shipped, by id only: a reference that comes
    from a request is never read as a path, and reading never writes. Read once per data
    stamp (registering one is audited under it)."""
    return stamps.cached(rt, ("framework", framework_id), lambda: _get(rt, framework_id))


def _get(rt: Runtime, framework_id: str) -> Framework:
    with rt.db.transaction() as session:
        text = frameworks_repo.source_of(session, framework_id)
    if text is not None:
        return _registered(framework_id, text)
    return shipped(framework_id)


def register_file(rt: Runtime, path: Path) -> tuple[Framework, bool]:
    """An administrator's action: reads a framework file and stores it under its id."""
    framework = read_file(path)
    return framework, register(rt, framework)


def register(rt: Runtime, framework: Framework) -> bool:
    """Stores (or updates) a province's framework; returns True when something changed."""
    text = dump_framework(framework)
    with rt.db.transaction() as session:
        if frameworks_repo.source_of(session, framework.id) == text:
            return False
        name = frameworks_repo.save(session, framework.id, framework.name, text, rt.actor)
        before = None if name is None else {"name": name}
        action = "framework.register" if before is None else "framework.update"
        after = {"name": framework.name}
        audit_repo.record(session, rt.actor, action, "framework", framework.id, before, after)
    return True
