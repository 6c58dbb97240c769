"""Work on a hostile file with a time and memory limit: the work runs in a forked child process
whose address space is capped (RLIMIT_AS) and which is killed when its time is up; the parent
gets the result, or a clear refusal naming the limit. A PDF of deeply nested arrays, a file that
unpacks to gigabytes or a signature check that would take minutes never reaches the server's own
memory, stack or time."""

from __future__ import annotations

import os
import pickle
import resource
import select
import signal
import sys
import time
from collections.abc import Callable
from typing import TypeVar

from chiso.errors import ChisoError, RejectedInput, TooLarge

T = TypeVar("T")
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def _address_space() -> int:
    """The bytes of address space this process already maps (the child starts with as much)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            return int(statm.read().split()[0]) * PAGE
    except OSError:
        return 0


def run(work: Callable[[], T], what: str, seconds: float, memory_mb: int) -> T:
    """`work()` in a child process: at most `seconds` of wall time and `memory_mb` more memory
    than the server already maps. `what` names the file in the refusal ("Tệp hồ-sơ.pdf")."""
    if not hasattr(os, "fork"):
        return work()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        os.close(read_end)
        _child(work, write_end, memory_mb)
    os.close(write_end)
    try:
        data = _collect(read_end, pid, seconds)
    finally:
        os.close(read_end)
    if data is None:
        raise RejectedInput(
            f"{what}: xử lý quá {seconds_vi(seconds)} giây nên bị dừng.",
            f"{what}: work stopped after {seconds:g} s",
            hint_vi="tệp quá phức tạp; hãy xuất lại tệp gọn hơn hoặc tách nhỏ rồi gửi lại.",
        )
    if not data:
        raise _too_large(what, memory_mb)
    outcome = pickle.loads(data)
    kind = outcome[0]
    if kind == "ok":
        result: T = outcome[1]
        return result
    if kind == "refused":
        _, cls, vi, en, hint, problems = outcome
        error = cls.__new__(cls)
        ChisoError.__init__(error, vi, en, hint_vi=hint, problems=problems)
        raise error
    if kind == "memory":
        raise _too_large(what, memory_mb)
    if kind == "recursion":
        raise RejectedInput(
            f"{what}: cấu trúc tệp vượt giới hạn độ sâu lồng nhau nên bị từ chối.",
            f"{what}: {kind} limit reached",
            hint_vi="tệp có cấu trúc bất thường; hãy xuất lại tệp bằng phần mềm gốc.",
        )
    raise RuntimeError(f"bounded work on {what} failed: {outcome[1]}")


def seconds_vi(seconds: float) -> str:
    """A duration as the refusal shows it: 60 · 0,5."""
    return f"{seconds:g}".replace(".", ",")


def _too_large(what: str, memory_mb: int) -> TooLarge:
    return TooLarge(
        f"{what}: xử lý vượt giới hạn bộ nhớ ({memory_mb} MB) nên bị dừng.",
        f"{what}: work exceeded {memory_mb} MB and was stopped",
        hint_vi="tệp quá lớn hoặc có cấu trúc bất thường; hãy tách nhỏ hoặc xuất lại tệp rồi "
        "gửi lại (người quản trị có thể tăng CHISO_WORK_MEMORY_MB).",
    )


def _child(work: Callable[[], object], write_end: int, memory_mb: int) -> None:
    code = 0
    try:
        limit = _address_space() + memory_mb * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        sys.setrecursionlimit(4000)
        try:
            outcome: tuple[object, ...] = ("ok", work())
        except ChisoError as exc:
            refused = (type(exc), exc.message_vi, exc.message_en, exc.hint_vi, exc.problems)
            outcome = ("refused", *refused)
        except MemoryError:
            outcome = ("memory",)
        except RecursionError:
            outcome = ("recursion",)
        except BaseException as exc:
            outcome = ("error", repr(exc)[:2000])
        data = pickle.dumps(outcome)
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view) :]
    except BaseException:
        code = 1
    finally:
        os._exit(code)


def _collect(read_end: int, pid: int, seconds: float) -> bytes | None:
    """The child's answer (b"" if it died without one), or None when its time ran out."""
    deadline = time.monotonic() + seconds
    chunks: list[bytes] = []
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            return None
        ready, _, _ = select.select([read_end], [], [], left)
        if not ready:
            continue
        chunk = os.read(read_end, 1 << 20)
        if not chunk:
            break
        chunks.append(chunk)
    os.waitpid(pid, 0)
    return b"".join(chunks)
