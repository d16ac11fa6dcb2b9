"""The user's files: read as UTF-8 text, written so an interrupted run never leaves half a file.

Every failure is a `UserFileError` naming the user's own path (never the temporary file beside
it) and what is wrong, so the command line prints one line instead of a traceback.
"""

from __future__ import annotations

import codecs
import os
import tempfile
from pathlib import Path

from chainwatch.errors import ChainwatchError

_UTF16_MARKS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


class UserFileError(ChainwatchError):
    """A file the user named that cannot be read or written as asked."""


def read_text(path: Path, what: str, error: type[ChainwatchError] = UserFileError) -> str:
    """The text of a UTF-8 file (a byte order mark is accepted and dropped); `what` names the
    kind of file in the message, e.g. "wallets file", and `error` is the exception raised."""
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise error(f"{path}: {what} not found") from None
    except IsADirectoryError:
        raise error(f"{path}: is a directory, not a {what}") from None
    except OSError as exc:
        raise error(f"{path}: cannot read the {what} ({exc.strerror or exc})") from None
    if data.startswith(_UTF16_MARKS):
        raise error(f"{path}: the {what} is UTF-16 text; save it as UTF-8")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise error(f"{path}:{line}: the {what} is not UTF-8 text; save it as UTF-8") from None


def check_writable(path: Path) -> Path:
    """`path` if a file can be written there; otherwise a one-line reason. Checked before any
    work is done, so a long read is not lost to a typo in the output path."""
    path = Path(path)
    if path.is_dir():
        raise UserFileError(f"{path}: is a directory; give a file name")
    parent = path.parent
    if not parent.is_dir():
        raise UserFileError(f"{path}: the folder {parent} does not exist")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UserFileError(f"{path}: the folder {parent} is not writable")
    if path.exists() and not os.access(path, os.W_OK):
        raise UserFileError(f"{path}: the file is not writable")
    return path


def writable_folder(path: Path) -> Path:
    """`path` as a folder files can be written into, created if missing; else a one-line reason."""
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise UserFileError(f"{path}: is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UserFileError(f"{path}: cannot create the folder ({exc.strerror or exc})") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise UserFileError(f"{path}: the folder is not writable")
    return path


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write `data` to a temporary file beside `path`, flush it to disk, then rename it into
    place: readers (and a run killed halfway) see either the old file or the whole new one."""
    path = check_writable(Path(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError as exc:
        raise UserFileError(f"{path}: cannot write there ({exc.strerror or exc})") from None
    try:
        os.chmod(tmp, _mode_for(path))  # mkstemp makes 0600; the file should look as any other
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise UserFileError(f"{path}: cannot write there ({exc.strerror or exc})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """The replaced file's mode, or what a plain open() would give a new file (0666 & ~umask)."""
    try:
        return path.stat().st_mode & 0o777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
