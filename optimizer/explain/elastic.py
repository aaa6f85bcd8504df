"""Why is a plan infeasible? An elastic version of the model with named, penalised slacks.

Every row of a family a planner sets gets a slack column that relaxes its bound; the slacks are
weighted so that one unit of relaxation costs 1 / (the limit's level), i.e. relaxations are
compared as shares of the limits they move. Timing (lead times, ``earliest_year``, a product's or
tech's first year, a grid queue year) is made elastic too: the model is built with every asset
allowed from the first year (:func:`optimizer.model.index.build_index` with ``relax_timing``) and
rows ``timing_early_upper`` hold the early additions at zero, elastically, weighted by the years
early.

Three solves answer three questions:

1. **shortfall** — requirements (compute and single-cluster targets, clean-energy floors, user
   minimums and forced sites) are elastic, every limit is hard: by how much is each target missed?
2. **relaxation** — requirements are hard, limits (GPU supply, grid headroom, budgets, gas permits,
   carbon caps, user maximums, timing) are elastic: the smallest relaxation, in shares of the
   limits, that makes the plan feasible.
3. **alternatives** — when the smallest relaxation moves limits of several families, each of
   those families alone is made elastic: could it make the plan feasible on its own, and by how much?

Each solve uses the config's solver settings (time limit, gap); with a MIP gap the relaxation is
the best found within that gap.

Where the LP relaxation of the original model is infeasible, HiGHS's irreducible infeasible set
(``getIis`` with ``iis_strategy`` 2; the default strategy 0 only catches conflicting bounds)
lists a minimal set of conflicting rows, named in the planner's words.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp

from optimizer.explain.labels import KILO, Limit, describe, row_text, site_name
from optimizer.handoff import compile_model
from optimizer.inputs.periods import label, months_text
from optimizer.model.build import build_model
from optimizer.model.index import Index
from optimizer.solve import run_highs, to_highs, use_objective

SLACK_TOLERANCE = 1e-6
REQUIREMENTS = {"compute_target_lower", "compute_cluster_lower", "compute_committed_lower", "emissions_clean_share_lower",
                "user_force_site"}
LIMITS = {"compute_supply_upper", "power_supply_upper", "power_fleet_upper", "grid_headroom_upper", "grid_energised_upper",
          "budget_capex_upper", "budget_total_upper",
          "power_gas_permit_upper", "emissions_cap_upper", "timing_early_upper"}
FAMILY_NAMES = {"supply": "GPU and equipment supply", "grid": "grid headroom and energisation", "budget": "capex budget", "permits": "gas permits",
                "emissions": "carbon cap", "timing": "lead times and first years", "user": "user constraints",
                "targets": "targets"}


@dataclass
class Relaxation:
    """One limit moved by an elastic solve, in planner units."""

    family: str
    what: str
    amount: float
    unit: str
    level: float | None
    relax_up: bool
    weight: float          # its share of the elastic objective (what ranks it)
    text: str = ""

    @property
    def share(self) -> float | None:
        return self.amount / abs(self.level) if self.level not in (None, 0) and math.isfinite(self.level) else None


@dataclass
class Explanation:
    # explained: a relaxation of the planner's limits was found; feasible: nothing to explain;
    # unexplained: no planner limit helps (see notes and the IIS)
    status: str
    shortfalls: list[Relaxation] = field(default_factory=list)
    relaxations: list[Relaxation] = field(default_factory=list)
    alternatives: dict[str, list[Relaxation]] = field(default_factory=dict)
    iis: list[str] = field(default_factory=list)
    iis_status: str = ""
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        """The explanation as sentences, most important first."""
        out = []
        if self.status == "feasible":
            return ["the plan is feasible: nothing to explain"]
        for r in self.shortfalls:
            out.append(r.text)
        if self.relaxations:
            out.append("the smallest change of limits that makes the plan feasible:")
            out += [f"  {r.text}" for r in self.relaxations]
        for family, items in self.alternatives.items():
            out.append(f"or, changing only the {FAMILY_NAMES.get(family, family)}:")
            out += [f"  {r.text}" for r in items]
        if self.iis:
            out.append("conflicting constraints (an irreducible infeasible set of the LP relaxation):")
            out += [f"  {line}" for line in self.iis]
        elif self.iis_status:
            out.append(self.iis_status)
        out += self.notes
        return out

    def as_dict(self) -> dict:
        def items(rs):
            return [{"family": r.family, "limit": r.what, "amount": r.amount, "unit": r.unit, "level": r.level,
                     "text": r.text} for r in rs]

        return {"status": self.status, "shortfalls": items(self.shortfalls), "relaxations": items(self.relaxations),
                "alternatives": {f: items(rs) for f, rs in self.alternatives.items()}, "iis": self.iis,
                "lines": self.lines()}


def explain_infeasible(inputs, options=None) -> Explanation:
    """Explain why the config's plan is infeasible (or say that it is feasible)."""
    options = options or inputs.config.solver
    model = build_model(inputs, relax_timing=True)
    _add_timing_rows(model)
    use_objective(model, "objective_cost")
    form = compile_model(model)
    ix = model.ix
    rows = _elastic_rows(form, ix)
    requirement = [r for r in rows if r.group == "requirement"]
    limit = [r for r in rows if r.group == "limit"]
    out = Explanation("unexplained")

    shortfall = _solve_elastic(form, requirement, options)
    if shortfall is None:
        out.notes.append("even with every target and floor relaxed there is no plan: a physical limit of the data "
                         "(campus size, grid connection, land, water) or a user maximum conflicts with the rest")
    elif not shortfall:
        out.status = "feasible"
        return out
    else:
        out.shortfalls = shortfall
    relaxed = _solve_elastic(form, limit, options)
    if relaxed:
        out.relaxations = relaxed
        out.status = "explained"
        used = {r.family for r in relaxed}
        for family in sorted(used, key=lambda f: list(FAMILY_NAMES).index(f) if f in FAMILY_NAMES else 99):
            if len(used) > 1:
                alone = _solve_elastic(form, [r for r in limit if r.family == family], options)
                if alone:
                    out.alternatives[family] = alone
    elif relaxed is None:
        out.notes.append("no relaxation of the planner's limits (supply, headroom, budgets, permits, carbon caps, "
                         "timing, user maximums) makes the plan feasible: a physical limit of the data (campus "
                         "size, grid connection, land, water) stands in the way")
    out.iis, out.iis_status = _iis(inputs, options)
    return out


# --- elastic rows ---------------------------------------------------------------------------

@dataclass
class _Row:
    row: int
    name: str
    index: object
    limit: Limit
    group: str          # requirement or limit
    family: str
    sign: float         # +1: slack raises the row's activity (relaxes a lower bound); −1: lowers it
    bound: float        # the bound relaxed, in row units
    weight: float       # objective weight of one row unit of slack


def _elastic_rows(form, ix: Index) -> list[_Row]:
    """Rows of the elastic families; all are Pyomo constraints, the first rows of the form (the
    row blocks after them are dispatch and accounting rows)."""
    out = []
    for i in range(len(form.pyomo_rows)):
        name, index = form.row_label(i)
        group = "requirement" if name in REQUIREMENTS or (name.startswith("user_") and name.endswith("_lower")) \
            else "limit" if name in LIMITS or (name.startswith("user_") and name.endswith("_upper")) else None
        if group is None:
            continue
        limit = _timing_limit(ix, index) if name == "timing_early_upper" else describe(ix, name, index)
        if limit is None:
            continue
        lower, upper = form.row_lower[i], form.row_upper[i]
        relax_lower = group == "requirement" if lower == upper else math.isfinite(lower)
        bound = lower if relax_lower else upper
        if name == "timing_early_upper":
            weight = _timing_weight(ix, index)
        else:
            scale = abs(limit.level) / limit.per_row_unit if limit.level not in (None, 0) and \
                math.isfinite(limit.level) else max(abs(bound), 1.0)
            weight = 1.0 / max(scale, 1e-9)
        family = "timing" if name == "timing_early_upper" else limit.family
        out.append(_Row(i, name, index, limit, group, family, 1.0 if relax_lower else -1.0, bound, weight))
    return out


def _solve_elastic(form, rows: list[_Row], options) -> list[Relaxation] | None:
    """Minimise the weighted slack of ``rows``; None if no plan exists even so, else the
    relaxations used (an empty list: feasible without any)."""
    n, k = form.A.shape[1], len(rows)
    slack = sp.csc_matrix((np.array([r.sign for r in rows]), ([r.row for r in rows], range(k))),
                          shape=(form.A.shape[0], k))
    elastic = dataclasses.replace(
        form, A=sp.hstack([form.A, slack], format="csc"),
        cost=np.concatenate([np.zeros(n), [r.weight for r in rows]]), offset=0.0,
        col_lower=np.concatenate([form.col_lower, np.zeros(k)]),
        col_upper=np.concatenate([form.col_upper, np.full(k, np.inf)]),
        integer=np.concatenate([form.integer, np.zeros(k, dtype=bool)]), maximise=False)
    h = to_highs(elastic, options)
    run_highs(h)
    if h.getInfo().primal_solution_status != 2:
        return None
    values = np.asarray(h.getSolution().col_value, dtype=float)[n:]
    used = [(r, v) for r, v in zip(rows, values) if v * r.weight > SLACK_TOLERANCE]
    relaxations = sorted((_relaxation(r, v) for r, v in used), key=lambda r: -r.weight)
    # with a MIP gap, slacks smaller than the gap (as a share of their limit) are the solver's
    # leftovers beside the relaxation that matters: keep them only when nothing else is needed
    noise = max(options.mip_gap, 1e-6)
    kept = [r for r in relaxations if r.weight > noise]
    return kept if kept else relaxations


def _relaxation(row: _Row, slack: float) -> Relaxation:
    limit = row.limit
    amount = slack * limit.per_row_unit
    r = Relaxation(row.family, limit.what, amount, limit.unit, limit.level, limit.relax_up, slack * row.weight)
    r.text = _sentence(row, r)
    return r


def _sentence(row: _Row, r: Relaxation) -> str:
    if row.name == "timing_early_upper":
        return r.what.format(amount=_number(r.amount))
    of = f" (of {_number(r.level)})" if r.level is not None and math.isfinite(r.level) else ""
    if row.group == "requirement":
        return f"the {r.what} is {_number(r.amount)} {r.unit} short{of}"
    verb = "rise" if r.relax_up else "fall"
    share = f", {_percent(r.share)}" if r.share is not None and r.relax_up else ""
    start = f" from {_number(r.level)}" if r.level is not None and math.isfinite(r.level) else ""
    return f"{r.what} would have to {verb} by {_number(r.amount)} {r.unit}{start}{share}"


def _percent(share: float) -> str:
    if abs(share) >= 0.1:
        return f"{share:+.0%}"
    return f"{share:+.1%}" if abs(share) >= 0.001 else "+<0.1%"


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.2f}".rstrip("0").rstrip(".")


# --- timing ---------------------------------------------------------------------------------

def _add_timing_rows(m) -> None:
    """timing_early_upper[kind, id, id2, y]: what comes online in y before its first year stays 0
    (id2 is the tech of a ("tech", site, tech) group, "" otherwise)."""
    ix = m.ix
    first = ix.timing_first

    def early(key, y) -> bool:
        return key in first and ix.P[y].start_month < first[key] - 1e-9

    terms: dict[tuple, list] = {}
    for (s, y) in m.site_build.keys():
        if early(("site", s), y):
            terms[("site", s, "", y)] = [m.site_build[s, y]]
    for (s, k, y) in ix.tech_build:
        if early(("tech", s, k), y):
            terms[("tech", s, k, y)] = [m.cap_added_mw[s, k, y]]
    for (s, g, y) in ix.gpu_build:
        if early(("gpu", g), y):
            terms.setdefault(("gpu", g, "", y), []).append(m.gpu_new_units[s, g, y] * ix.G[g]["gpus_per_unit"] / KILO)
    for (s, y) in ix.grid_upgrade:
        if early(("grid", s), y):
            terms[("grid", s, "", y)] = [m.grid_upgrade_mw[s, y]]
    m.timing_early_upper = pyo.Constraint(list(terms), rule=lambda m, *key: pyo.quicksum(terms[key]) <= 0)


def _ids(index) -> tuple[str, tuple, int]:
    kind, a, b, y = index
    return kind, ((a,) if b == "" else (a, b)), y


def _timing_limit(ix: Index, index) -> Limit:
    kind, ids, y = _ids(index)
    if kind == "site":
        s = ids[0]
        return Limit("timing", f"{site_name(ix, s)} would have to open in {y}, {_early(ix, ('site', s), y)} "
                     f"before its lead time allows ({_first(ix, ('site', s))})", "campus", 1.0, None, True)
    if kind == "tech":
        s, k = ids
        return Limit("timing", f"{{amount}} MW of {k} would have to come online at {site_name(ix, s)} in {y}, "
                     f"{_early(ix, ('tech', s, k), y)} before its lead time or first year allows "
                     f"({_first(ix, ('tech', s, k))})", "MW", 1.0, None, True)
    if kind == "gpu":
        g = ids[0]
        return Limit("timing", f"{{amount}} {g} GPUs would have to be installed in {y}, "
                     f"{_early(ix, ('gpu', g), y)} before the product's first year ({_first(ix, ('gpu', g))})",
                     "GPU", KILO, None, True)
    s = ids[0]
    return Limit("timing", f"{{amount}} MW of grid upgrade would have to be energised at {site_name(ix, s)} in {y}, "
                 f"{_early(ix, ('grid', s), y)} before its queue year ({_first(ix, ('grid', s))})", "MW", 1.0,
                 None, True)


def _early(ix: Index, key: tuple, y) -> str:
    return months_text(math.ceil(ix.timing_first[key] - ix.P[y].start_month - 1e-9))


def _first(ix: Index, key: tuple) -> str:
    """When an asset group may first come online, as a period label or calendar year."""
    month = math.ceil(ix.timing_first[key] - 1e-9)
    return label(month, 12 if month % 12 == 0 else 1)


def _timing_weight(ix: Index, index) -> float:
    """Years early / the natural size of one unit of the row (a campus; a site's facility MW; a
    year's GPU supply; the largest upgrade)."""
    kind, ids, y = _ids(index)
    years = (ix.timing_first[(kind, *ids)] - ix.P[y].start_month) / 12
    if kind == "site":
        size = 1.0
    elif kind == "tech":
        size = max(ix.S[ids[0]]["max_it_mw"] * 1.5, 1.0)
    elif kind == "gpu":
        supply = ix.inputs.supply_gpus_per_year.get((ids[0], y), math.inf)
        size = supply / KILO if math.isfinite(supply) else 100.0
    else:
        size = max(ix.S[ids[0]]["grid_upgrade_max_mw"], 1.0)
    return years / max(size, 1e-9)


# --- irreducible infeasible set ---------------------------------------------------------------

def _iis(inputs, options) -> tuple[list[str], str]:
    """Rows of an IIS of the original model's LP relaxation, in the planner's words."""
    from pyomo.common.errors import InfeasibleConstraintException

    from optimizer.errors import InputError

    try:
        model = build_model(inputs)
        use_objective(model, "objective_cost")
        form = compile_model(model)
    except (InputError, InfeasibleConstraintException) as exc:
        return [], f"no IIS: the model cannot be built as stated ({exc})"
    h = to_highs(form, options.model_copy(update={"relax_integrality": True}))
    h.setOptionValue("iis_strategy", 2)
    run_highs(h)
    if h.getModelStatus().name != "kInfeasible":
        return [], "the LP relaxation is feasible: the conflict involves whole units or campuses (no IIS)"
    status, iis = h.getIis()
    if not iis.valid_ or not len(iis.row_index_):
        return [], "HiGHS found no irreducible infeasible set"
    return [row_text(model.ix, *form.row_label(int(row))) for row in iis.row_index_], ""
