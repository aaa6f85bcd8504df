"""Run folders that are complete or clearly incomplete, never half-written, never shared.

``--out FOLDER`` names a new folder, or an existing empty one. Before anything is solved the
folder is **claimed**: a lock file ``FOLDER.lock`` beside it is created with ``O_EXCL`` (one run
wins a race; the lock holds its process id), and the results are written into ``FOLDER.incomplete``
beside it. At the end that folder is renamed to ``FOLDER`` and the lock removed. So:

* two runs that pick the same ``--out`` at the same moment cannot both write into it;
* a run stopped hard (SIGKILL, power loss) leaves ``FOLDER.incomplete`` and ``FOLDER.lock``, both
  named for what they are; a lock whose process is gone is stale and is taken over;
* an unwritable place or an ``--out`` that names a file is found before the solve (exit 2);
* when writing fails after a solve, the results go to a rescue folder in the system's temporary
  folder, and the run says where.

Without ``--out`` a run gets ``runs/<name>-<yyyymmdd-hhmmss>`` (``-2``, ``-3``, ... when taken).
"""

from __future__ import annotations

import errno
import os
import re
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from optimizer.errors import InputError, Problem, display_path

INCOMPLETE_SUFFIX = ".incomplete"
LOCK_SUFFIX = ".lock"


@dataclass
class RunFolder:
    """A claimed run folder: ``final`` once finished; meanwhile the work is in ``partial``."""

    final: Path
    partial: Path
    lock: Path
    rescued: Path | None = None

    @property
    def where(self) -> Path:
        """Where the results are right now (the partial folder until :meth:`finish`)."""
        return self.rescued or self.partial

    def finish(self) -> Path:
        """Move the finished run into place and release the claim; return its final folder."""
        if self.rescued is not None:
            self.abandon()        # what could be written here is incomplete: the rescue folder has it all
            return self.rescued
        try:
            os.rename(self.partial, self.final)   # an empty ``final`` (the user's) is replaced
        except OSError as exc:
            raise OSError(f"could not move {self.partial} to {self.final}: {exc}") from exc
        self.release()
        return self.final

    def abandon(self) -> None:
        """Remove the partial folder (nothing worth keeping in it) and release the claim."""
        shutil.rmtree(self.partial, ignore_errors=True)
        self.release()

    def release(self) -> None:
        try:
            self.lock.unlink()
        except FileNotFoundError:
            pass

    def rescue(self) -> Path:
        """A fresh folder in the system's temporary folder for results that could not be written here."""
        self.rescued = Path(tempfile.mkdtemp(prefix=f"siting-rescue-{self.final.name}-"))
        return self.rescued


def claim(out: Path | None, root: Path, name: str) -> RunFolder:
    """Claim ``out`` (or a new folder under ``root`` named after ``name`` and the time)."""
    if out is not None:
        return _claim_exact(Path(out), "--out")
    stem = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip(".-") or "run"
    stem += "-" + datetime.now().strftime("%Y%m%d-%H%M%S")
    for n in range(1, 1000):
        candidate = root / (stem if n == 1 else f"{stem}-{n}")
        if candidate.exists() or _lock_of(candidate).exists():
            continue
        try:
            return _claim_exact(candidate, "runs folder")
        except _Taken:
            continue
    raise InputError([Problem(None, None, "--out", f"no free run folder name under {display_path(root)}",
                              "give a folder with --out")])


class _Taken(InputError):
    """Another live run holds the folder."""


def _claim_exact(final: Path, key: str) -> RunFolder:
    shown = display_path(final)
    if final.exists() and not final.is_dir():
        raise InputError([Problem(None, None, key, f"{shown} is a file, not a folder",
                                  "give --out a folder name (new, or an existing empty folder)")])
    if final.is_dir() and any(final.iterdir()):
        raise InputError([Problem(None, None, key, f"folder {shown} exists and is not empty",
                                  "choose a new folder; earlier runs are never overwritten")])
    parent = final.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _unwritable(key, parent, exc) from None
    if not parent.is_dir():
        raise InputError([Problem(None, None, key, f"{display_path(parent)} is not a folder",
                                  "give --out a path inside an existing folder")])
    lock = _lock_of(final)
    _take_lock(lock, key, shown)
    partial = final.with_name(final.name + INCOMPLETE_SUFFIX)
    try:
        if partial.exists():    # left by a run stopped hard; its lock was stale
            shutil.rmtree(partial)
        partial.mkdir()
    except OSError as exc:
        lock.unlink(missing_ok=True)
        raise _unwritable(key, parent, exc) from None
    return RunFolder(final, partial, lock)


def _lock_of(final: Path) -> Path:
    return final.with_name(final.name + LOCK_SUFFIX)


def _take_lock(lock: Path, key: str, shown: str) -> None:
    """Create ``lock`` exclusively; take over a lock whose process has ended."""
    for _ in range(2):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            pid = _lock_pid(lock)
            if pid is not None and not _alive(pid):
                lock.unlink(missing_ok=True)
                continue
            raise _Taken([Problem(None, None, key, f"another run is writing {shown} (lock file "
                                  f"{display_path(lock)}, process {pid})",
                                  "choose another folder, or wait; delete the lock file only if no run is writing")])
        except OSError as exc:
            raise _unwritable(key, lock.parent, exc) from None
        with os.fdopen(fd, "w") as handle:
            handle.write(f"{os.getpid()}\n")
        return
    raise _Taken([Problem(None, None, key, f"could not claim {shown}", "choose another folder")])


def _lock_pid(lock: Path) -> int | None:
    try:
        return int(lock.read_text().strip() or "x")
    except (OSError, ValueError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _unwritable(key: str, folder: Path, exc: OSError) -> InputError:
    reason = "permission denied" if exc.errno in (errno.EACCES, errno.EPERM) else \
        "read-only file system" if exc.errno == errno.EROFS else exc.strerror or str(exc)
    return InputError([Problem(None, None, key, f"cannot write in {display_path(folder)}: {reason}",
                               "choose a folder you can write to with --out")])


def fill_claimed(out: Path | None, root: Path, name: str, work):
    """Claim a folder (as :func:`claim`), let ``work(folder)`` fill ``folder.partial`` (or a rescue folder,
    :meth:`RunFolder.rescue`) and move it into place; if ``work`` fails or is interrupted the partial
    folder is removed. Returns (work's result, the final folder)."""
    from optimizer.interrupts import deferred

    folder = claim(out, root, name)
    try:
        result = work(folder)
    except BaseException:
        folder.abandon()
        raise
    with deferred():
        return result, folder.finish()


def write_json(path: Path, data: dict) -> None:
    """``data`` as indented, strict JSON (numpy numbers as floats; an infinite or NaN number as null,
    which JSON has no other way to say), its folder made if needed."""
    import json

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(_finite(data), indent=2, default=float, allow_nan=False) + "\n")


def _finite(value):
    """``value`` with every non-finite float (at any depth of dicts, lists and tuples) made None."""
    import math

    import numpy as np

    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    return value
