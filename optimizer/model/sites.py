"""Sites: which campuses come online when, and how much data-hall (shell) capacity they hold.

Variables
    site_build[s, y] ∈ {0, 1}   campus s comes online in year y (after its construction lead time)
    shell_new_mw[s, y] ≥ 0       IT MW of data halls completed at s in y

Expressions
    site_open[s, y]  = Σ_{b ≤ y} site_build[s, b]           (once open, a campus stays open)
    shell_mw[s, y]   = Σ_{b ≤ y} shell_new_mw[s, b]

Campuses that no input tells apart (:func:`alike`) are interchangeable: any plan stays a plan, at the
same cost, with two of them swapped. ``sites_order_lower`` keeps one plan of each such set (the one
that opens them in the order the sites table lists them), so that branch and bound does not search
the same plan once per ordering.
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.model.index import Index


def add(m: pyo.ConcreteModel, ix: Index, order_alike: bool = True) -> None:
    """The variables, expressions and rows of this module (``sites_order_lower`` when ``order_alike``)."""
    build = [(s, y) for s in ix.sites for y in ix.site_build_years[s]]
    m.site_build = pyo.Var(build, domain=pyo.Binary)
    m.shell_new_mw = pyo.Var(ix.site_years, domain=pyo.NonNegativeReals)
    m.site_open = pyo.Expression(ix.site_years, rule=lambda m, s, y: pyo.quicksum(
        m.site_build[s, b] for b in ix.site_build_years[s] if b <= y))
    m.shell_mw = pyo.Expression(ix.site_years, rule=lambda m, s, y: pyo.quicksum(
        m.shell_new_mw[s, b] for b in ix.site_build_years[s] if b <= y))
    sites_build_once_upper(m, ix)
    sites_shell_upper(m, ix)
    if order_alike:
        sites_order_lower(m, ix)


def sites_build_once_upper(m, ix: Index) -> None:
    """A campus is built at most once: Σ_y site_build[s, y] ≤ 1."""
    m.sites_build_once_upper = pyo.Constraint(ix.sites, rule=lambda m, s: pyo.quicksum(
        m.site_build[s, y] for y in ix.site_build_years[s]) <= 1)


def sites_shell_upper(m, ix: Index) -> None:
    """Halls only on an open campus, within its size: shell_mw[s, y] ≤ max_it_mw[s] · site_open[s, y]."""
    m.sites_shell_upper = pyo.Constraint(ix.site_years, rule=lambda m, s, y: (
        m.shell_mw[s, y] - ix.S[s]["max_it_mw"] * m.site_open[s, y] <= 0))


def sites_order_lower(m, ix: Index) -> None:
    """Of two alike campuses s, t (t the next one the sites table lists after s, :func:`alike`), s opens
    no later: site_open[s, y] ≥ site_open[t, y] for every year y. Valid because swapping s and t maps
    every plan onto a plan of the same cost, so one of the two orders is always among the optima."""
    pairs = [(s, t) for group in alike(ix) for s, t in zip(group, group[1:])]
    following = dict(pairs)
    m.sites_order_lower = pyo.Constraint([(s, y) for s, y in ix.site_years if s in following],
                                         rule=lambda m, s, y: m.site_open[s, y] - m.site_open[following[s], y] >= 0)


IGNORED_COLUMNS = {"site_id", "name", "lat", "lon"}   # the id, and what reports and maps alone read


def alike(ix: Index) -> list[list[str]]:
    """Sets (two or more, in the sites table's order) of campuses that no input tells apart: the same
    value in every column of the sites table but name, lat and lon; the same fixed loads and energised
    grid MW in every period; and never named in the config (its constraints, overrides and options):
    a campus named there anywhere is left out, as the config may treat it apart."""
    inputs = ix.inputs
    named = _strings(inputs.config.model_dump(mode="json"))
    columns = [c for c in inputs.sites.columns if c not in IGNORED_COLUMNS]
    open_years: dict[str, list] = {}
    for s, y in ix.site_years:
        open_years.setdefault(s, []).append(y)
    groups: dict[tuple, list[str]] = {}
    for s in ix.sites:
        if s in named:
            continue
        row = tuple(_key(v) for v in inputs.sites.loc[s, columns])
        loads = tuple(_key(inputs.fixed_load_mw.get((s, y))) for y in ix.periods)
        energised = tuple(_key(inputs.energised_mw.get((s, y))) for y in ix.periods)
        years = (tuple(ix.site_build_years[s]), tuple(open_years.get(s, ())))
        groups.setdefault((row, loads, energised, years), []).append(s)
    return [group for group in groups.values() if len(group) > 1]


def _key(value):
    """A value that compares equal for equal cells (NaN and None alike)."""
    return None if value is None or (isinstance(value, float) and value != value) else value


def _strings(tree) -> set[str]:
    """Every string in a JSON-like tree, keys included."""
    if isinstance(tree, dict):
        return set(map(str, tree)) | set().union(*map(_strings, tree.values())) if tree else set()
    if isinstance(tree, (list, tuple)):
        return set().union(*map(_strings, tree)) if tree else set()
    return {tree} if isinstance(tree, str) else set()
