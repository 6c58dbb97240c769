"""Frameworks shipped with chiso or written by a province, from YAML or the Excel table."""

from __future__ import annotations

from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import yaml

from chiso.domain.frameworks import Framework
from chiso.errors import NotFound, UsageError
from chiso.io.framework_xlsx import export_xlsx, import_xlsx
from chiso.io.framework_yaml import dump_framework, framework_from_data, load_framework
from chiso.services.runtime import Runtime
from chiso.store import units_repo, values_repo
from chiso.store.models import StoredFramework


def _shipped_dir() -> Path:
    return Path(str(files("chiso.data").joinpath("frameworks")))


def shipped_ids() -> list[str]:
    return sorted(p.stem for p in _shipped_dir().glob("*.yaml"))


def load(ref: str) -> Framework:
    """A shipped framework by id, or a framework file (.yaml, .yml, .xlsx) by path."""
    path = Path(ref)
    if path.suffix.lower() in {".yaml", ".yml", ".xlsx"} or path.exists():
        if not path.is_file():
            raise NotFound(f"Không có tệp bộ chỉ số {ref}.", f"no framework file {ref}")
        return import_xlsx(path) if path.suffix.lower() == ".xlsx" else load_framework(path)
    if ref in shipped_ids():
        return load_framework(_shipped_dir() / f"{ref}.yaml")
    raise NotFound(
        f"Không có bộ chỉ số '{ref}'. Các bộ có sẵn: {', '.join(shipped_ids())}.",
        f"unknown framework {ref!r}",
        hint_vi="ghi mã bộ chỉ số có sẵn hoặc đường dẫn tệp .yaml/.xlsx.",
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


def list_frameworks() -> list[FrameworkSummary]:
    out = []
    for framework_id in shipped_ids():
        f = load(framework_id)
        out.append(
            FrameworkSummary(
                f.id,
                f.name,
                f.issued_by,
                f.root.max_points,
                len(f.main_indices()),
                len(f.leaves()),
                f.example,
            )
        )
    return out


def export(ref: str, fmt: str, out: Path | None) -> str | None:
    """YAML text (returned when `out` is None) or an Excel table written to `out`."""
    framework = load(ref)
    if fmt == "yaml":
        text = dump_framework(framework)
        if out is None:
            return text
        out.write_text(text, encoding="utf-8")
        return None
    if fmt == "xlsx":
        if out is None:
            raise UsageError("Xuất Excel cần --out TỆP.xlsx.", "xlsx export needs --out")
        export_xlsx(framework, out)
        return None
    raise UsageError(
        f"Định dạng '{fmt}' không hợp lệ.", f"bad format {fmt!r}", hint_vi="dùng yaml hoặc xlsx."
    )


def import_table(path: Path, framework_id: str | None, out: Path | None) -> tuple[Framework, str]:
    """Reads the Excel table, validates it and returns it with its YAML text."""
    framework = import_xlsx(path, framework_id)
    text = dump_framework(framework)
    if out is not None:
        out.write_text(text, encoding="utf-8")
    return framework, text


def resolve(rt: Runtime, ref: str) -> Framework:
    """A framework registered in the database, shipped, or read from a file (then registered,
    so that values stored under its id can be scored again later)."""
    with rt.db.transaction() as session:
        stored = values_repo.stored_framework(session, ref)
        if stored is not None:
            return framework_from_data(yaml.safe_load(stored.source_yaml), stored.id)
    framework = load(ref)
    if ref not in shipped_ids():
        register(rt, framework)
    return framework


def register(rt: Runtime, framework: Framework) -> bool:
    """Stores (or updates) a province's framework; returns True when something changed."""
    text = dump_framework(framework)
    with rt.db.transaction() as session:
        stored = values_repo.stored_framework(session, framework.id)
        if stored is not None and stored.source_yaml == text:
            return False
        before = {"name": stored.name} if stored else None
        if stored is None:
            session.add(
                StoredFramework(
                    id=framework.id, name=framework.name, source_yaml=text, registered_by=rt.actor
                )
            )
        else:
            stored.name, stored.source_yaml = framework.name, text
        action = "framework.update" if before else "framework.register"
        units_repo.audit(
            session, rt.actor, action, "framework", framework.id, before, {"name": framework.name}
        )
    return True
