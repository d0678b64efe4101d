"""Safe file input and output: atomic writes that never overwrite an input, bounded reads.

Every file premium_alloc writes goes through :func:`atomic_write`: the content is written to a
temporary file in the target's folder and renamed onto the target only once complete, so a
full disk, an error or a signal never leaves a partial file under the final name, and an
output that resolves to one of the declared inputs (symlinks and hard links included) is
refused before anything is written. Every scenario or worker file is read through
:func:`read_bounded`: only a regular file, at most :func:`max_input_bytes` bytes, within
:data:`READ_TIMEOUT` seconds; a FIFO, a device or a directory is refused without blocking.
"""

from __future__ import annotations

import errno
import os
import stat
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from .errors import OutputError, Problem, ScenarioError

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "MAX_INPUT_BYTES",
    "READ_TIMEOUT",
    "atomic_write",
    "check_outputs",
    "max_input_bytes",
    "open_atomic",
    "read_bounded",
    "remove_temporaries",
    "same_file",
    "size_text",
    "text_safe",
    "text_safe_frame",
]

#: Default size limit of a scenario (JSON) or worker file (bytes); ``PREMIUM_ALLOC_MAX_INPUT_MB`` changes it.
MAX_INPUT_BYTES = 256 * 1024 * 1024
#: Default size limit of a YAML scenario (YAML reads ~10x slower than JSON: write large ones as JSON).
MAX_YAML_BYTES = 32 * 1024 * 1024
#: Seconds a scenario or worker file may take to read before the read is given up.
READ_TIMEOUT = 60.0
_CHUNK = 1 << 20
_TMP_MARK = ".premium-alloc-tmp"

#: Temporary files being written now (removed by :func:`remove_temporaries` on a signal).
_LIVE: set[Path] = set()


def max_input_bytes(*, yaml: bool = False) -> int:
    """The size limit of input files: ``PREMIUM_ALLOC_MAX_INPUT_MB`` (megabytes) when set, else
    256 MB (32 MB for a YAML scenario)."""
    raw = os.environ.get("PREMIUM_ALLOC_MAX_INPUT_MB")
    if raw is None or not raw.strip():
        return MAX_YAML_BYTES if yaml else MAX_INPUT_BYTES
    try:
        mb = float(raw)
    except ValueError:
        mb = float("nan")
    if not (mb > 0 and mb < 1e9):
        raise ScenarioError([Problem("PREMIUM_ALLOC_MAX_INPUT_MB", f"{raw!r} is not a positive number of megabytes")])
    return int(mb * 1024 * 1024)


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_bounded(path: str | Path, *, where: str = "", limit: int | None = None, timeout: float = READ_TIMEOUT) -> bytes:
    """The bytes of a regular file, refusing what could hang or exhaust memory.

    Raises :class:`ScenarioError` (at ``where``, default the file name) when the file is
    missing, not a regular file (a FIFO or a device is never opened for a blocking read), larger
    than ``limit`` (default :func:`max_input_bytes`), or not read within ``timeout`` seconds.
    """
    path = Path(path)
    at = where or path.name
    limit = max_input_bytes() if limit is None else limit
    try:
        # O_NONBLOCK: opening a FIFO without a writer returns at once instead of waiting for ever
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise ScenarioError([Problem(at, f"{path.name!r}: no such file")]) from None
    except IsADirectoryError:
        raise ScenarioError([Problem(at, f"{path.name!r} is a directory, not a file")]) from None
    except PermissionError:
        raise ScenarioError([Problem(at, f"{path.name!r} cannot be read: permission denied")]) from None
    except OSError as err:
        raise ScenarioError([Problem(at, f"{path.name!r} cannot be opened: {os.strerror(err.errno or 0) or err.__class__.__name__}")]) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ScenarioError([Problem(at, f"{path.name!r} is {_kind(st.st_mode)}, not a regular file")])
        if st.st_size > limit:
            raise ScenarioError([Problem(at, _too_big(path.name, st.st_size, limit))])
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        deadline = time.monotonic() + timeout
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, _CHUNK)
            if not chunk:
                break
            total += len(chunk)
            if total > limit:  # the file grew while it was read
                raise ScenarioError([Problem(at, _too_big(path.name, total, limit))])
            chunks.append(chunk)
            if time.monotonic() > deadline:
                raise ScenarioError([Problem(at, f"{path.name!r} was not read within {timeout:g} s")])
        return b"".join(chunks)
    except OSError as err:
        raise ScenarioError([Problem(at, f"{path.name!r} cannot be read: {os.strerror(err.errno or 0) or err.__class__.__name__}")]) from None
    finally:
        os.close(fd)


def size_text(n: int) -> str:
    """``100 bytes``, ``32 MB``."""
    return f"{n:,} bytes" if n < 1024 * 1024 else f"{n / 1024 / 1024:,.0f} MB"


def _too_big(name: str, size: int, limit: int) -> str:
    return f"{name!r} is larger than the limit of {size_text(limit)} ({size:,} bytes); set PREMIUM_ALLOC_MAX_INPUT_MB to raise it"


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether two paths name the same file (after symlinks; hard links too, when both exist)."""
    try:
        if os.path.realpath(a) == os.path.realpath(b):
            return True
        return os.path.samefile(a, b)
    except OSError:
        return False


def check_outputs(outputs: Iterable[tuple[str, str | Path | None]], inputs: Iterable[str | Path | None]) -> None:
    """Refuse (:class:`OutputError`) an output that is one of the inputs, or two outputs that are one file.

    ``outputs`` pairs an option name (``--out``) with its path (``None`` when not given).
    """
    ins = [Path(p) for p in inputs if p is not None]
    seen: list[tuple[str, Path]] = []
    for opt, p in outputs:
        if p is None:
            continue
        path = Path(p)
        for src in ins:
            if same_file(path, src):
                raise OutputError(f"{opt}: {str(path)!r} is an input of this run ({src.name}); it is never overwritten: choose another file")
        for other, q in seen:
            if same_file(path, q):
                raise OutputError(f"{opt}: {str(path)!r} is also the file of {other}: choose two different files")
        seen.append((opt, path))


def _target(path: Path) -> Path:
    """The file to replace: a symlink's target, checked to be a writable place for a regular file."""
    real = Path(os.path.realpath(path))
    try:
        st = real.stat()
    except FileNotFoundError:
        st = None
    except OSError as err:
        raise OutputError(f"cannot write {str(path)!r}: {os.strerror(err.errno or 0)}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"cannot write {str(path)!r}: it is a directory")
    if st is not None and not stat.S_ISREG(st.st_mode):
        raise OutputError(f"cannot write {str(path)!r}: it is {_kind(st.st_mode)}, not a regular file")
    parent = real.parent
    if not parent.is_dir():
        raise OutputError(f"cannot write {str(path)!r}: the folder {str(path.parent)!r} does not exist")
    return real


def _reason(err: OSError) -> str:
    if err.errno in (errno.ENOSPC, errno.EDQUOT):
        return "the disk is full"
    if err.errno in (errno.EACCES, errno.EPERM):
        return "permission denied (is the folder read-only?)"
    if err.errno == errno.EROFS:
        return "the file system is read-only"
    return os.strerror(err.errno or 0) or err.__class__.__name__


def _remove(tmp: Path) -> None:
    try:
        tmp.unlink()
    except OSError:
        pass
    _LIVE.discard(tmp)


@contextmanager
def _beside(path: Path, inputs: Iterable[str | Path | None]) -> Iterator[Path]:
    """A new temporary file beside ``path``: renamed onto it when the block ends without error, removed otherwise."""
    check_outputs([("output", path)], inputs)
    real = _target(path)
    tmp = real.parent / f".{real.name}.{os.getpid()}-{time.monotonic_ns() % 10**9}{_TMP_MARK}{real.suffix}"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError as err:
        raise OutputError(f"cannot write {str(path)!r}: {_reason(err)}") from None
    os.close(fd)
    _LIVE.add(tmp)
    try:
        yield tmp
        os.replace(tmp, real)
    except OSError as err:
        _remove(tmp)
        raise OutputError(f"cannot write {str(path)!r}: {_reason(err)}") from None
    except BaseException:
        _remove(tmp)
        raise
    _LIVE.discard(tmp)


def atomic_write(path: str | Path, write: Callable[[Path], Any], *, inputs: Iterable[str | Path | None] = ()) -> Path:
    """Write a file atomically: ``write(tmp)`` fills a temporary file beside ``path``, then it is renamed onto it.

    ``write`` receives the temporary path (with the target's suffix). On any failure (including
    a disk full or an interrupt) the temporary file is removed and ``path`` is left as it was.
    Raises :class:`OutputError` for a missing or read-only folder, a directory or a device as
    target, a full disk, or a ``path`` that is one of ``inputs``.
    """
    path = Path(path)
    with _beside(path, inputs) as tmp:
        write(tmp)
        with open(tmp, "rb+") as fh:  # on disk before the rename: a crash never shows a half file
            os.fsync(fh.fileno())
    return path


@contextmanager
def open_atomic(path: str | Path, mode: str = "w", *, encoding: str | None = "utf-8", inputs: Iterable[str | Path | None] = ()) -> Iterator[IO[Any]]:
    """A file object whose content replaces ``path`` only when the block ends without error (see :func:`atomic_write`)."""
    with _beside(Path(path), inputs) as tmp:
        with open(tmp, mode.replace("x", ""), encoding=None if "b" in mode else encoding) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())


def remove_temporaries() -> None:
    """Remove every temporary file still being written (called when a signal stops the run)."""
    for tmp in list(_LIVE):
        _remove(tmp)


#: First characters that make a spreadsheet read a cell as a formula (the OWASP CSV-injection rule).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _suspect(values: list[Any], starts: tuple[str, ...]) -> bool:
    """Whether some text in ``values`` may start with one of ``starts`` (one C-level scan of the joined text)."""
    try:
        joined = "\n" + "\n".join(values)
    except TypeError:  # not all text: join the text ones
        joined = "\n" + "\n".join(v for v in values if isinstance(v, str))
    return any(("\n" + ch) in joined for ch in starts)


def text_safe(values: Iterable[Any], starts: tuple[str, ...] = FORMULA_START) -> list[Any]:
    """``values`` with every text that starts like a formula prefixed by ``'`` (shown as text, never run)."""
    vals = list(values)
    if not _suspect(vals, starts):
        return vals
    return ["'" + v if isinstance(v, str) and v.startswith(starts) else v for v in vals]


def text_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """``df`` (a copy when anything changed) with formula-like text cells and index labels neutralised for CSV."""
    out = df
    for c in df.columns:
        col = df[c]
        if col.dtype.kind in "biufcmM":  # numbers and dates never start like a formula
            continue
        vals = col.tolist()
        if _suspect(vals, FORMULA_START):
            if out is df:
                out = df.copy()
            out[c] = text_safe(vals)
    if df.index.dtype.kind not in "biufcmM" and _suspect(df.index.tolist(), FORMULA_START):
        if out is df:
            out = df.copy()
        out.index = text_safe(df.index.tolist())
    return out
