"""Near-optimal alternatives: the quite different plans that cost almost the same (modelling to
generate alternatives, MGA).

The optimum is solved first (net present cost C*). Then the same compiled model gets one more row,

    alternative_cost_upper:   cost · x + offset ≤ C* + slack · |C*|

(the full objective vector: asset annuities and every operating cost, so "within the slack" is
exact), and a new objective in place of the cost. Two schemes (``method``):

- ``hsj`` (Hop-Skip-Jump, Brill et al. 1982): minimise how much of what earlier plans used is used
  again. Each decision group of the space (below) weighs its members that any earlier plan used,
  scaled so that the optimum's use of the group counts 1:

      min  Σ_{s used}  Σ_y shell_new_mw[s, y] / max_it_mw[s]  / campuses built(optimum)
         + Σ_{k used}  Σ_y cap_mw[·, k, y] (grid: grid_mw)     / Σ_y MW(optimum)
         + Σ_{g used}  Σ_y gpu_new_units[·, g, y] · h100e[g]   / h100e bought(optimum)

  so the next plan moves to other campuses, other power sources and other GPU products, as far as
  the slack allows. Each plan depends on the ones before: they are found one after another.
- ``random``: the same groups weighted by independent random numbers in [−1, 1] (seeded), a random
  direction in the decision space (minimised): alternatives independent of each other.

The decision space (``space``): ``sites`` (which campuses open), ``power`` (MW by source: each tech
and the grid), ``gpus`` (h100e bought by product); regions follow from sites.

Distance between two plans, each part in [0, 1], averaged over the parts of the space:
``sites`` the Jaccard distance of the sets of campuses opened; ``power`` half the L1 distance of
their shares by source of MW in service summed over the periods; ``gpus`` half the L1 distance of
their shares of h100e bought by product. A plan closer than ``threshold`` to an earlier one is a
repeat: ``hsj`` stops there (the slack holds no further different plan in that direction),
``random`` skips it. The search stops after ``count`` alternatives.
"""

from __future__ import annotations

import dataclasses
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

from optimizer.handoff import StandardForm

SPACES = ("sites", "power", "gpus")
USED = 1e-6          # a value above this counts as used


@dataclass(frozen=True)
class CostRow:
    """The cost-slack row's label in a StandardForm (rows past the model's own)."""

    name: str = "alternative_cost_upper"
    index: tuple = (None,)

    def __len__(self) -> int:
        return 1


@dataclass
class DecisionSpace:
    """Columns of the compiled model grouped by what planners compare: ``groups[part][item]`` is an
    array of (column, coefficient) giving that item's quantity (a site opened, MW of a source over
    the periods, h100e bought of a product)."""

    groups: dict[str, dict[str, tuple[np.ndarray, np.ndarray]]]

    def quantities(self, x: np.ndarray) -> dict[str, dict[str, float]]:
        return {part: {item: float(coef @ x[cols]) for item, (cols, coef) in items.items()}
                for part, items in self.groups.items()}


def decision_space(form: StandardForm, h100e_per_unit: dict[str, float], campus_mw: dict[str, float],
                   space: tuple[str, ...] = SPACES) -> DecisionSpace:
    """The decision groups of ``space`` among ``form``'s columns (by variable name and index). A
    campus's quantity is the share of it built, Σ_y shell_new_mw[s, y] / max_it_mw[s] (a campus
    counts as chosen when it holds data halls)."""
    found: dict[str, dict[str, list[tuple[int, float]]]] = {part: {} for part in space}
    for i, var in enumerate(form.columns):
        name, index = var.parent_component().name, var.index()
        if name == "shell_new_mw" and "sites" in found:
            found["sites"].setdefault(index[0], []).append((i, 1.0 / max(campus_mw.get(index[0], 1.0), 1e-9)))
        elif name == "cap_mw" and "power" in found:
            found["power"].setdefault(index[1], []).append((i, 1.0))
        elif name == "grid_mw" and "power" in found:
            found["power"].setdefault("grid", []).append((i, 1.0))
        elif name == "gpu_new_units" and "gpus" in found:
            found["gpus"].setdefault(index[1], []).append((i, float(h100e_per_unit.get(index[1], 1.0))))
    return DecisionSpace({part: {item: (np.array([c for c, _ in pairs], dtype=np.int64),
                                        np.array([w for _, w in pairs]))
                                 for item, pairs in items.items()} for part, items in found.items()})


def with_cost_row(form: StandardForm, optimum: float, slack: float) -> StandardForm:
    """``form`` with the row cost·x + offset ≤ optimum + slack·|optimum| appended (same columns)."""
    limit = optimum + slack * abs(optimum) - form.offset
    A = sp.vstack([form.A, sp.csr_matrix(form.cost.reshape(1, -1))]).tocsc()
    blocks = list(form.blocks) + [(CostRow(), form.A.shape[0])]
    return dataclasses.replace(form, A=A, row_lower=np.append(form.row_lower, -np.inf),
                               row_upper=np.append(form.row_upper, limit), blocks=blocks)


def hsj_weights(form: StandardForm, space: DecisionSpace, plans: list["Plan"]) -> np.ndarray:
    """Hop-Skip-Jump: weight 1 / (the optimum's total of the group) on every member an earlier plan used."""
    used = {(part, item) for plan in plans for part, items in plan.quantities.items()
            for item, q in items.items() if q > USED}
    return _weights(form, space, plans[0], lambda part, item: 1.0 if (part, item) in used else 0.0)


def random_weights(form: StandardForm, space: DecisionSpace, plans: list["Plan"], rng: np.random.Generator
                   ) -> np.ndarray:
    """A random direction: each item of the space weighted by a number in [−1, 1], scaled as in HSJ."""
    return _weights(form, space, plans[0], lambda part, item: rng.uniform(-1.0, 1.0))


def _weights(form: StandardForm, space: DecisionSpace, optimum: "Plan", weight_of) -> np.ndarray:
    """Objective coefficients: each item's columns times ``weight_of(part, item)`` (asked in a fixed
    order: parts as in the space, items by name) over the optimum's total of its part."""
    weights = np.zeros(form.A.shape[1])
    for part, items in space.groups.items():
        scale = sum(optimum.quantities.get(part, {}).values()) or 1.0
        for item in sorted(items):
            w = weight_of(part, item)
            if w:
                cols, coef = items[item]
                np.add.at(weights, cols, w * coef / scale)
    return weights


@dataclass
class Plan:
    """One plan found: the optimum (number 0) or an alternative."""

    number: int
    cost_musd: float                                    # its own net present cost (the objective's value)
    quantities: dict[str, dict[str, float]]             # part -> item -> quantity (see DecisionSpace)
    x: np.ndarray = field(repr=False, default=None)
    nearest: float | None = None                        # distance to the nearest earlier plan
    seconds: float = 0.0

    def shares(self, part: str) -> dict[str, float]:
        q = {k: max(v, 0.0) for k, v in self.quantities.get(part, {}).items()}
        total = sum(q.values())
        return {k: v / total for k, v in q.items() if v > USED} if total > USED else {}

    def sites(self) -> set[str]:
        return {s for s, v in self.quantities.get("sites", {}).items() if v > USED}


def distance(a: Plan, b: Plan, space: tuple[str, ...]) -> float:
    """The mean over the parts of the space of: Jaccard distance of campuses; half the L1 distance of
    MW shares by source; half the L1 distance of h100e shares by product (each in [0, 1])."""
    parts = []
    for part in space:
        if part == "sites":
            sa, sb = a.sites(), b.sites()
            parts.append(1.0 - len(sa & sb) / len(sa | sb) if sa | sb else 0.0)
        else:
            pa, pb = a.shares(part), b.shares(part)
            parts.append(0.5 * sum(abs(pa.get(k, 0.0) - pb.get(k, 0.0)) for k in set(pa) | set(pb)))
    return float(np.mean(parts)) if parts else 0.0


@dataclass
class Search:
    """The outcome of a search: the plans kept (the optimum first), repeats seen, why it stopped."""

    plans: list[Plan]
    repeats: int = 0
    stopped: str = ""
    statuses: list[str] = field(default_factory=list)


def search(form: StandardForm, optimum: Plan, space: DecisionSpace, solve_many, slack: float, count: int,
           threshold: float, method: str = "hsj", seed: int = 0, on_plan=None, batch: int = 1) -> Search:
    """Find up to ``count`` alternatives to ``optimum`` within ``slack``.

    ``solve_many([(form, start), ...])`` solves compiled models, each from a feasible start (the
    earlier plan best for its objective), and returns one (status, has_solution, x, seconds) each:
    one after another, or at once on Dask workers. ``hsj`` asks for one direction at a time (each
    depends on the plans before); ``random`` for up to ``batch`` at once (drawn in the same order
    whatever the batch, so the directions depend on the seed alone). ``on_plan(plan)`` is called
    for every plan kept, in order."""
    parts = tuple(space.groups)
    alt = with_cost_row(form, optimum.cost_musd, slack)
    rng = np.random.default_rng(seed)
    found = Search([optimum])
    left = count if method == "hsj" else 3 * count     # random directions may repeat: try more
    while left > 0 and len(found.plans) <= count and not found.stopped:
        n = 1 if method == "hsj" else min(batch, left, count + 1 - len(found.plans))
        left -= n
        directions = [hsj_weights(alt, space, found.plans) if method == "hsj" else
                      random_weights(alt, space, found.plans, rng) for _ in range(n)]
        problems = [(dataclasses.replace(alt, cost=w, offset=0.0, maximise=False),
                     min((p.x for p in found.plans), key=lambda x, w=w: float(w @ x)))   # within the slack
                    for w in directions]
        for status, ok, x, seconds in solve_many(problems):
            found.statuses.append(status)
            if not ok:
                found.stopped = f"no plan for direction {len(found.statuses)} ({status})"
                break
            if len(found.plans) > count:
                break
            plan = Plan(len(found.plans), float(form.cost @ x + form.offset), space.quantities(x), x,
                        seconds=seconds)
            plan.nearest = min(distance(plan, p, parts) for p in found.plans)
            if plan.nearest < threshold:
                found.repeats += 1
                if method == "hsj":
                    found.stopped = (f"alternative {len(found.plans)} repeats an earlier plan (distance "
                                     f"{plan.nearest:.3f} < {threshold}): no other plan this far apart within the "
                                     f"slack")
                    break
                continue
            found.plans.append(plan)
            if on_plan is not None:
                on_plan(plan)
    if not found.stopped:
        found.stopped = f"{count} alternatives found" if len(found.plans) > count else \
            f"{len(found.plans) - 1} alternatives in {len(found.statuses)} random directions ({found.repeats} repeats)"
    return found


def light(form: StandardForm) -> StandardForm:
    """``form`` without its links to the Pyomo model (columns, row labels): what a worker needs to solve it."""
    return dataclasses.replace(form, columns=[], pyomo_rows=[], blocks=[])


def solve_direction(form: StandardForm, options, start) -> tuple[str, bool, np.ndarray | None, float]:
    """Solve one alternative's model on a worker (no Pyomo model there): status, plan found, x, seconds."""
    from optimizer.solve import solve_form

    t0 = time.perf_counter()
    solution = solve_form(form, options, start=start)
    x = solution.x if solution.has_solution else None
    return solution.status, solution.has_solution, x, time.perf_counter() - t0


def describe_difference(plan: Plan, optimum: Plan, names: dict[str, str] | None = None) -> str:
    """One sentence on what distinguishes ``plan`` from the optimum: campuses in and out, the source
    and GPU product whose share moves most."""
    names = names or {}
    if plan.number == 0:
        return "the least-cost plan"
    parts = []
    added, dropped = sorted(plan.sites() - optimum.sites()), sorted(optimum.sites() - plan.sites())
    if added or dropped:
        bits = ([f"adds {_listing([names.get(s, s) for s in added])}"] if added else []) + \
               ([f"drops {_listing([names.get(s, s) for s in dropped])}"] if dropped else [])
        parts.append(" and ".join(bits))
    for part, noun in (("power", "of MW"), ("gpus", "of h100e")):
        a, b = plan.shares(part), optimum.shares(part)
        moves = sorted(((a.get(k, 0.0) - b.get(k, 0.0), k) for k in set(a) | set(b)),
                       key=lambda t: (-round(abs(t[0]), 9), -t[0], t[1]))   # ties: the one that grows, by name
        if moves and abs(moves[0][0]) >= 0.05:
            d, k = moves[0]
            parts.append(f"{'more' if d > 0 else 'less'} {k} ({b.get(k, 0.0):.0%} → {a.get(k, 0.0):.0%} {noun})")
    text = "; ".join(parts) if parts else "the same campuses and mix, with different timing or sizes"
    return text[0].upper() + text[1:]


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def plans_table(found: Search, space: tuple[str, ...]) -> pd.DataFrame:
    """One row per plan: number, cost, gap to the optimum, distance to the nearest earlier plan."""
    best = found.plans[0].cost_musd
    rows: list[dict[str, Any]] = []
    for p in found.plans:
        rows.append({"alternative": p.number, "cost_usd": p.cost_musd * 1e6,
                     "gap_to_optimum": (p.cost_musd - best) / abs(best) if best else 0.0,
                     "nearest_distance": p.nearest, "sites": ",".join(sorted(p.sites())),
                     **{f"mw_{k}": v for k, v in sorted(p.quantities.get("power", {}).items()) if v > USED}})
    return pd.DataFrame(rows)
