"""The deterministic equivalent: every scenario's model in one, first-stage decisions shared.

Scenario s (probability p_s) has its compiled model ``min c_s·x_s + o_s  s.t.  A_s x_s ∈ [l_s, u_s]``.
The equivalent keeps one column per first-stage decision (the union over scenarios; a decision a
scenario cannot take is held at 0, since its shared value is that scenario's too) and each scenario's
recourse columns of its own; its rows are every scenario's rows::

    min  (1 − λ) · Σ_s p_s (c_s·x_s + o_s)  +  λ · (η + 1/(1 − α) · Σ_s p_s u_s)
    s.t. A_s x_s ∈ [l_s, u_s]                                   every scenario s
         stochastic_cvar_excess:  c_s·x_s + o_s − η − u_s ≤ 0   every s (only with λ > 0)
         x_s[d] = x[d]                                          every first-stage decision d (by construction:
                                                                one column)
         u_s ≥ 0, η free

η + 1/(1 − α) Σ p_s u_s at its minimum over η is CVaR_α of the cost (Rockafellar and Uryasev).
Sharing a column rather than writing non-anticipativity rows x_s[d] = x[d] gives the same plans with
fewer rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from optimizer.handoff import StandardForm
from optimizer.stochastic.stages import Key


@dataclass
class Member:
    """One scenario of the equivalent: its name, probability, compiled model and first-stage columns."""

    name: str
    probability: float
    form: StandardForm
    stage: dict[Key, int]
    own: tuple | None = None          # its own optimum, once solved: (status, cost or None, first stage or None)


@dataclass
class Equivalent:
    form: StandardForm                 # the deterministic equivalent (no links to any Pyomo model)
    decisions: list[Key]               # the shared columns 0 .. len(decisions) − 1
    columns_of: list[np.ndarray]       # per scenario: its columns' positions in the equivalent
    eta: int | None = None             # CVaR's η column, with λ > 0

    def split(self, x: np.ndarray) -> list[np.ndarray]:
        """Each scenario's column values in a solution of the equivalent."""
        return [np.asarray(x)[cols] for cols in self.columns_of]

    def plan(self, x: np.ndarray) -> dict[Key, float]:
        """The shared first-stage plan in a solution of the equivalent."""
        return {key: float(x[j]) for j, key in enumerate(self.decisions)}


def decisions_of(members: list[Member]) -> list[Key]:
    """Every first-stage decision of any scenario, in a fixed order (first seen first)."""
    seen: dict[Key, None] = {}
    for m in members:
        for key in m.stage:
            seen.setdefault(key, None)
    return list(seen)


def build_equivalent(members: list[Member], alpha: float = 0.9, weight: float = 0.0) -> Equivalent:
    """The deterministic equivalent of ``members`` (cost-minimising scenario models)."""
    if any(m.form.maximise for m in members):
        raise ValueError("the deterministic equivalent is built from cost-minimising scenario models")
    decisions = decisions_of(members)
    shared = {key: i for i, key in enumerate(decisions)}
    n_shared = len(decisions)
    lower, upper = np.full(n_shared, -np.inf), np.full(n_shared, np.inf)
    integer = np.zeros(n_shared, dtype=bool)
    cost = np.zeros(n_shared)
    parts_lower, parts_upper, parts_int, parts_cost = [lower], [upper], [integer], [cost]
    columns_of, blocks = [], []
    offset, next_col, n_rows = 0.0, n_shared, 0
    expected = 1.0 - weight
    for m in members:
        f = m.form
        n = f.A.shape[1]
        cols = np.empty(n, dtype=np.int64)
        own = np.ones(n, dtype=bool)
        for key, j in m.stage.items():
            i = shared[key]
            cols[j] = i
            own[j] = False
            lower[i] = max(lower[i], f.col_lower[j])
            upper[i] = min(upper[i], f.col_upper[j])
            integer[i] |= bool(f.integer[j])
            cost[i] += expected * m.probability * f.cost[j]
        for key in decisions:
            if key not in m.stage:                    # this scenario cannot take it: shared value 0
                i = shared[key]
                lower[i], upper[i] = max(lower[i], 0.0), min(upper[i], 0.0)
        k = int(own.sum())
        cols[own] = np.arange(next_col, next_col + k)
        next_col += k
        parts_lower.append(f.col_lower[own])
        parts_upper.append(f.col_upper[own])
        parts_int.append(f.integer[own])
        parts_cost.append(expected * m.probability * f.cost[own])
        offset += expected * m.probability * f.offset
        columns_of.append(cols)
        blocks.append((f, cols, n_rows))
        n_rows += f.A.shape[0]
    rows, cols_all, vals = [], [], []
    row_lower, row_upper = [], []
    for f, cols, first in blocks:
        a = f.A.tocoo()
        rows.append(a.row.astype(np.int64) + first)
        cols_all.append(cols[a.col])
        vals.append(a.data)
        row_lower.append(f.row_lower)
        row_upper.append(f.row_upper)
    eta = None
    if weight > 0:
        eta = next_col
        u0 = next_col + 1
        next_col += 1 + len(members)
        parts_lower.append(np.r_[-np.inf, np.zeros(len(members))])
        parts_upper.append(np.full(1 + len(members), np.inf))
        parts_int.append(np.zeros(1 + len(members), dtype=bool))
        parts_cost.append(np.r_[weight, [weight * m.probability / (1.0 - alpha) for m in members]])
        for s, (m, cols) in enumerate(zip(members, columns_of)):
            nz = np.flatnonzero(m.form.cost)   # stochastic_cvar_excess: c_s·x_s − η − u_s ≤ −o_s
            r = n_rows + s
            rows.append(np.full(len(nz) + 2, r, dtype=np.int64))
            cols_all.append(np.r_[cols[nz], eta, u0 + s])
            vals.append(np.r_[m.form.cost[nz], -1.0, -1.0])
            row_lower.append(np.array([-np.inf]))
            row_upper.append(np.array([-m.form.offset]))
        n_rows += len(members)
    A = sp.csc_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols_all))),
                      shape=(n_rows, next_col))
    A.sum_duplicates()
    form = StandardForm(A, np.concatenate(parts_cost), offset, np.concatenate(parts_lower),
                        np.concatenate(parts_upper), np.concatenate(parts_int), np.concatenate(row_lower),
                        np.concatenate(row_upper), [], [], [], False)
    return Equivalent(form, decisions, columns_of, eta)


def scenario_costs(members: list[Member], xs: list[np.ndarray]) -> np.ndarray:
    """Each scenario's cost c_s·x_s + o_s (MUSD)."""
    return np.array([float(m.form.cost @ x + m.form.offset) for m, x in zip(members, xs)])


def cvar(costs, probabilities, alpha: float) -> float:
    """CVaR_α of a discrete cost distribution: min over η of η + 1/(1 − α) Σ p_s max(0, z_s − η); the
    minimum lies at one of the costs."""
    z, p = np.asarray(costs, dtype=float), np.asarray(probabilities, dtype=float)
    return float(min(eta + np.sum(p * np.maximum(0.0, z - eta)) / (1.0 - alpha) for eta in z))


def risk_objective(costs, probabilities, alpha: float, weight: float) -> float:
    """(1 − λ) · E[cost] + λ · CVaR_α(cost)."""
    expected = float(np.dot(probabilities, costs))
    return expected if weight == 0 else (1 - weight) * expected + weight * cvar(costs, probabilities, alpha)
