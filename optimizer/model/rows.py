"""Row blocks: the large, regular constraint families kept as coefficient arrays.

Pyomo builds an expression object per row and the standard-form compiler walks each one again;
for the hourly families (one row per site, year and slice, hundreds of thousands of rows) that is
most of the build and handoff time. A :class:`RowBlock` holds such a family as plain lists: row
labels, bounds, and per variable component the (row, key, coefficient) triples. It is attached to
the Pyomo model (``m.row_blocks[name]``), refers to the model's own Pyomo variables, and is
stacked with the compiled Pyomo constraints into one matrix at handoff (:mod:`optimizer.handoff`).

A block reads like its algebra::

    block = add_block(m, "dispatch_gen_upper", keys, upper=0.0)
    block.term(m.gen_mw, rows, keys, 1.0)
    block.term(m.cap_mw, rows, cap_keys, [-f for f in factors])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

import numpy as np
import pyomo.environ as pyo

INF = float("inf")


@dataclass
class Term:
    var: Any                      # an indexed Pyomo Var
    rows: list[int]
    keys: list[Any]
    coefs: np.ndarray


@dataclass
class RowBlock:
    """Rows ``lower ≤ Σ coef · var ≤ upper``, one per entry of ``index``."""

    name: str
    index: list[Any]
    lower: np.ndarray
    upper: np.ndarray
    terms: list[Term] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.index)

    @property
    def nnz(self) -> int:
        return sum(len(t.rows) for t in self.terms)

    def term(self, var, rows: Iterable[int], keys: Sequence[Any], coefs) -> "RowBlock":
        """Add ``coef · var[key]`` to row ``rows[i]`` for every i (coefs: a number or one per entry)."""
        rows = list(rows)
        keys = list(keys)
        coefs = np.broadcast_to(np.asarray(coefs, dtype=float), (len(rows),)).copy()
        if rows:
            self.terms.append(Term(var, rows, keys, coefs))
        return self


def add_block(m: pyo.ConcreteModel, name: str, index: Sequence[Any], lower=None, upper=None) -> RowBlock:
    """Declare a block of rows on ``m``; bounds are a number, one per row, or None (unbounded)."""
    n = len(index)
    block = RowBlock(name, list(index), _bounds(lower, -INF, n), _bounds(upper, INF, n))
    m.row_blocks[name] = block
    return block


def _bounds(value, default: float, n: int) -> np.ndarray:
    if value is None:
        return np.full(n, default)
    return np.broadcast_to(np.asarray(value, dtype=float), (n,)).copy()
