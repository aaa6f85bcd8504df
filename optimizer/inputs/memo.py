"""Reuse within one process what reading the same unchanged files gives: typed tables and time
slices. A sweep's worker runs many scenarios of one config; those that differ only in config
values or data-cell edits read the same tables and find the same typical days, so the second
scenario on a worker skips tsam and the table parsing.

A file is known by its path and a digest of its bytes (:func:`file_key`; hashing a megabyte takes
about a millisecond, and unlike modification times it cannot miss a rewrite within one clock
tick): a file changed in between is read again. Entries are handed out as deep copies (tables) or shared read-only
(time slices, which nothing changes after they are made); at most :data:`SIZE` of each are kept.
"""

from __future__ import annotations

import copy
import hashlib
import os
from collections import OrderedDict
from pathlib import Path
from typing import Any, Callable, Hashable

SIZE = 8


MAX_KEYED_BYTES = 256 * 2**20   # larger files are not memoised


def file_key(path: str | Path | None) -> tuple | None:
    """``(path, size, BLAKE2b digest)`` of a file, or None when there is none, it cannot be read or it
    is larger than :data:`MAX_KEYED_BYTES`."""
    if path is None:
        return None
    try:
        if not os.path.isfile(path) or os.path.getsize(path) > MAX_KEYED_BYTES:
            return None
        digest = hashlib.blake2b(digest_size=20)
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return str(Path(path).resolve()), os.path.getsize(path), digest.hexdigest()


class Memo:
    """A small least-recently-used memo; ``copy`` says whether hits are handed out as deep copies."""

    def __init__(self, size: int = SIZE, copy_hits: bool = False):
        self.size, self.copy_hits = size, copy_hits
        self.entries: OrderedDict[Hashable, Any] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: Hashable | None, make: Callable[[], tuple[Any, list]]) -> tuple[Any, list]:
        """``make()`` returns (value, problems); only problem-free values are kept. A None key
        (a file that cannot be identified) is never memoised."""
        if key is not None and key in self.entries:
            self.hits += 1
            self.entries.move_to_end(key)
            value = self.entries[key]
            return (copy.deepcopy(value) if self.copy_hits else value), []
        self.misses += 1
        value, problems = make()
        if key is not None and value is not None and not problems:
            self.entries[key] = copy.deepcopy(value) if self.copy_hits else value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value, problems

    def clear(self) -> None:
        self.entries.clear()
        self.hits = self.misses = 0


TABLES = Memo(size=32, copy_hits=True)
SLICES = Memo()
