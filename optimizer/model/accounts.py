"""Linear accounts evaluated from variable values: sums Σ coef · var[key] kept as coefficient lists.

The operating costs and the emissions touch every dispatch variable. Written as equality rows they
would be a few dense rows of ~10⁵ nonzeros each, which slow simplex and interior-point solvers
alike; instead their coefficients go straight into the objective vector (``m.objective_terms``) and
the totals are evaluated from the solution for results (``Account``). Rows are still written where
a constraint needs the total (an emission cap, a clean-energy share).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Callable


class Terms:
    """Σ coef · var[key], collected per variable component."""

    def __init__(self) -> None:
        self.by_var: dict[int, tuple[Any, list, list]] = {}

    def add(self, var, key, coef: float) -> None:
        if coef:
            entry = self.by_var.setdefault(id(var), (var, [], []))
            entry[1].append(key)
            entry[2].append(coef)

    def items(self):
        return self.by_var.values()

    def value(self) -> float:
        return sum(c * (var[k].value or 0.0) for var, keys, coefs in self.by_var.values() for k, c in zip(keys, coefs))


class Account(Mapping):
    """A read-only mapping whose values are computed when read (works with ``pyo.value``)."""

    def __init__(self, keys, compute: Callable[[Any], float]):
        self._keys = list(keys)
        self._compute = compute

    def __getitem__(self, key) -> float:
        if key not in self._keys:
            raise KeyError(key)
        return self._compute(key)

    def __iter__(self):
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)
