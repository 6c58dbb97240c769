"""Click's usage errors and help screens in Vietnamese, for every command at once: what is
wrong, where, how to fix it, exit code 2; Click's English only in the log."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from chiso.cli.main import run

ENGLISH = (
    "Usage:",
    "Try '",
    "Error:",
    "Invalid value",
    "Missing option",
    "Missing argument",
    "No such",
    "Did you mean",
    "Possible options",
    "requires an argument",
    "unexpected extra",
    "Input should",
    "Options",
    "Commands",
    "[required]",
    "[default:",
    "Show this message",
)


def chiso(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    capsys.readouterr()
    code = run(list(args))
    out, err = capsys.readouterr()
    return code, out + err


def no_english(text: str) -> None:
    found = [word for word in ENGLISH if word in text]
    assert not found, (found, text)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (
            ("evaluate", "--framework", "x", "--values", "v.csv", "--weight-spread", "2"),
            [
                "Giá trị '2' của --weight-spread không hợp lệ: phải nhỏ hơn hoặc bằng 0,99.",
                "xem «chiso evaluate --help»",
            ],
        ),
        (
            ("evaluate", "--framework", "x", "--values", "v.csv", "--uncertainty=nhiều"),
            ["Giá trị 'nhiều' của --uncertainty không hợp lệ: phải là số nguyên"],
        ),
        (
            ("evaluate", "--framework", "x", "--values", "v.csv", "--noise", "1,5"),
            ["Giá trị '1,5' của --noise không hợp lệ: phải là một số"],
        ),
        (
            ("evaluate", "--framework", "x", "--values"),
            ["Tùy chọn --values cần một giá trị.", "«chiso evaluate --help»"],
        ),
        (
            ("evalute",),
            ["Lệnh «chiso» không có lệnh con 'evalute'.", "có phải ý bạn là evaluate?"],
        ),
        (
            ("db", "--bogus"),
            ["Lệnh «chiso db» không có tùy chọn --bogus.", "xem «chiso db --help»"],
        ),
        (("units", "import"), ["Thiếu tham số FILE của lệnh «chiso units import»."]),
        (("period", "2023", "thừa"), ["Lệnh «chiso period» không nhận thêm tham số: thừa."]),
    ],
)
def test_usage_errors_are_vietnamese(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...], expected: list[str]
) -> None:
    code, text = chiso(capsys, *args)
    assert code == 2, text
    assert text.startswith("Lỗi: "), text
    assert "Cách khắc phục: " in text
    for part in expected:
        assert part in text, (part, text)
    no_english(text)


def test_missing_required_option_names_command_and_fix(capsys: pytest.CaptureFixture[str]) -> None:
    code, text = chiso(capsys, "evaluate", "--values", "v.csv")
    assert code == 2, text
    assert "Thiếu tùy chọn bắt buộc --framework của lệnh «chiso evaluate»." in text, text
    assert "thêm --framework GIÁ_TRỊ" in text
    no_english(text)


@pytest.mark.parametrize("args", [("--help",), ("evaluate", "--help"), ("db", "--help")])
def test_help_headings_are_vietnamese(
    capsys: pytest.CaptureFixture[str], args: tuple[str, ...]
) -> None:
    code, drawn = chiso(capsys, *args)
    assert code == 0
    text = re.sub(r"[\s│]+", " ", drawn)  # words a panel wrapped over two lines
    assert "Cách dùng: chiso" in text
    assert "[TÙY CHỌN]" in text
    assert "Tùy chọn" in text
    assert "Hiện hướng dẫn này rồi thoát." in text
    if args[0] != "evaluate":
        assert "LỆNH [THAM SỐ]..." in text and "Lệnh" in text
    else:
        assert "[bắt buộc]" in text and "[mặc định: 0.25]" in text
    no_english(text)


def test_the_installed_command_answers_in_vietnamese_and_logs_english(tmp_path: Path) -> None:
    """The real entry point, in a fresh process: Vietnamese on stderr, exit code 2, and Click's
    English kept in the log file."""
    env = {
        **os.environ,
        "CHISO_DATA_DIR": str(tmp_path),
        "CHISO_DATABASE_URL": f"sqlite:///{tmp_path / 'chiso.db'}",
        "CHISO_LOG_FILE": str(tmp_path / "chiso.log"),
    }
    done = subprocess.run(
        [sys.executable, "-c", "from chiso.cli.main import main; main()", "evaluate", "--top-k"],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr
    assert "Lỗi: Tùy chọn --top-k cần một giá trị." in done.stderr
    no_english(done.stderr + done.stdout)
    logs = "".join(p.read_text(encoding="utf-8") for p in tmp_path.rglob("*.log"))
    assert "requires an argument" in logs, logs


def test_every_help_screen_names_types_in_vietnamese(capsys: pytest.CaptureFixture[str]) -> None:
    """No Typer type label (<str>, <path>, <bool>) on any command's help; flags show none."""
    from chiso.docs_gen import commands

    shown = 0
    for name, _command in commands():
        code, drawn = chiso(capsys, *name.split()[1:], "--help")
        assert code == 0, name
        labels = re.findall(r"<[a-z][a-z\[\]|, ]*>", drawn)
        assert not labels, (name, labels)
        shown += "CHỮ" in drawn or "SỐ" in drawn or "TỆP" in drawn
    assert shown > 20
