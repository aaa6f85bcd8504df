"""Sites: which campuses come online when, and how much data-hall (shell) capacity they hold.

Variables
    site_build[s, y] ∈ {0, 1}   campus s comes online in year y (after its construction lead time)
    shell_new_mw[s, y] ≥ 0       IT MW of data halls completed at s in y

Expressions
    site_open[s, y]  = Σ_{b ≤ y} site_build[s, b]           (once open, a campus stays open)
    shell_mw[s, y]   = Σ_{b ≤ y} shell_new_mw[s, b]
"""

from __future__ import annotations

import pyomo.environ as pyo

from optimizer.model.index import Index


def add(m: pyo.ConcreteModel, ix: Index) -> None:
    build = [(s, y) for s in ix.sites for y in ix.site_build_years[s]]
    m.site_build = pyo.Var(build, domain=pyo.Binary)
    m.shell_new_mw = pyo.Var(ix.site_years, domain=pyo.NonNegativeReals)
    m.site_open = pyo.Expression(ix.site_years, rule=lambda m, s, y: pyo.quicksum(
        m.site_build[s, b] for b in ix.site_build_years[s] if b <= y))
    m.shell_mw = pyo.Expression(ix.site_years, rule=lambda m, s, y: pyo.quicksum(
        m.shell_new_mw[s, b] for b in ix.site_build_years[s] if b <= y))
    sites_build_once_upper(m, ix)
    sites_shell_upper(m, ix)


def sites_build_once_upper(m, ix: Index) -> None:
    """A campus is built at most once: Σ_y site_build[s, y] ≤ 1."""
    m.sites_build_once_upper = pyo.Constraint(ix.sites, rule=lambda m, s: pyo.quicksum(
        m.site_build[s, y] for y in ix.site_build_years[s]) <= 1)


def sites_shell_upper(m, ix: Index) -> None:
    """Halls only on an open campus, within its size: shell_mw[s, y] ≤ max_it_mw[s] · site_open[s, y]."""
    m.sites_shell_upper = pyo.Constraint(ix.site_years, rule=lambda m, s, y: (
        m.shell_mw[s, y] - ix.S[s]["max_it_mw"] * m.site_open[s, y] <= 0))
