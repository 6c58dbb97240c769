"""What a command that never touches the application database does not pay for: SQLAlchemy loads
with the first use of the database, YAML goes through libyaml's parser."""

from __future__ import annotations

import subprocess
import sys

from chiso.io import yaml_text

HEAVY = ("sqlalchemy", "sqlalchemy.orm", "chiso.store.models", "alembic")


def _loaded_after(code: str) -> list[str]:
    probe = f"import sys\n{code}\nprint(' '.join(m for m in {HEAVY!r} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    return out.stdout.split()


def test_a_runtime_loads_sqlalchemy_when_its_database_is_first_used() -> None:
    code = "from chiso.services.runtime import open_runtime\nrt = open_runtime()"
    assert _loaded_after(code) == []


def test_yaml_goes_through_libyaml_when_pyyaml_has_it() -> None:
    import yaml

    assert yaml_text.LOADER is getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    assert yaml_text.safe_load("a: [1, 2]\nb: ồ\n") == {"a": [1, 2], "b": "ồ"}
