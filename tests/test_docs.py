"""The documentation made from the code matches it: the command reference and the settings
table are regenerated and compared, and every command, option and setting is described."""

from __future__ import annotations

from chiso import docs_gen
from chiso.settings import Settings


def test_generated_docs_are_up_to_date() -> None:
    stale = [str(p.relative_to(docs_gen.ROOT)) for p in docs_gen.outdated()]
    assert not stale, f"{', '.join(stale)} differ from the code: run `{docs_gen.COMMAND}`"


def test_every_command_and_option_is_described() -> None:
    reference = docs_gen.CLI_DOC.read_text("utf-8")
    names = []
    for name, command in docs_gen.commands():
        names.append(name)
        assert (command.help or "").strip(), f"`{name}` has no help text"
        assert f"`{name}`" in reference, f"`{name}` is missing from docs/cli.md"
        for p in command.params:
            assert p.name == "help" or (p.help or "").strip(), f"`{name}` {p.name} has no help"
    assert len(names) > 60 and "chiso assess submit" in names and "chiso tasks remind" in names


def test_every_setting_is_described_in_the_readme() -> None:
    readme = docs_gen.README.read_text("utf-8")
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no description"
        assert f"`CHISO_{name.upper()}`" in readme, f"CHISO_{name.upper()} is missing"
