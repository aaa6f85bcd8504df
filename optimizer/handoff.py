"""Hand a built model to a solver as one sparse matrix.

The Pyomo constraints and the active objective go through Pyomo's linear standard-form compiler;
the row blocks (:mod:`optimizer.model.rows`) are already coefficient arrays and are appended as
they are. Objective coefficients kept as lists (``m.objective_terms[objective name]``, see
:mod:`optimizer.model.accounts`) are added to the cost vector of that objective. Columns are every
Pyomo variable of the model in declaration order, so that a column
index maps back to its variable, and a row index to a constraint name and index (:meth:`row_label`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyomo.environ as pyo
import scipy.sparse as sp
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

INF = float("inf")


@dataclass
class StandardForm:
    """min/max cost·x + offset  s.t.  row_lower ≤ A x ≤ row_upper,  col_lower ≤ x ≤ col_upper."""

    A: sp.csc_matrix
    cost: np.ndarray
    offset: float
    col_lower: np.ndarray
    col_upper: np.ndarray
    integer: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    columns: list[Any]
    pyomo_rows: list[Any]                       # (ConstraintData, sense) for the first rows
    blocks: list[tuple[Any, int]] = field(default_factory=list)   # (RowBlock, first row)
    maximise: bool = False

    @property
    def size(self) -> dict[str, int]:
        return {"rows": int(self.A.shape[0]), "columns": int(self.A.shape[1]), "nonzeros": int(self.A.nnz),
                "integer_columns": int(self.integer.sum())}

    def row_label(self, row: int) -> tuple[str, Any]:
        """(constraint name, index) of a row."""
        if row < len(self.pyomo_rows):
            con = self.pyomo_rows[row][0]
            return con.parent_component().name, con.index()
        for block, start in self.blocks:
            if start <= row < start + len(block):
                return block.name, block.index[row - start]
        raise IndexError(row)


def compile_model(m: pyo.ConcreteModel) -> StandardForm:
    """The whole model (Pyomo constraints, row blocks, active objective) as a StandardForm."""
    columns, colmap = _columns(m)
    n = len(columns)
    id_col = {id(v): i for i, v in enumerate(columns)}
    repn, empty = _compile_pyomo(m)
    pcols = np.fromiter((id_col[id(v)] for v in repn.columns), dtype=np.int64, count=len(repn.columns))
    a_py = repn.A.tocoo()
    rows, cols, vals = [a_py.row.astype(np.int64)], [pcols[a_py.col]], [a_py.data]
    rhs = np.asarray(repn.rhs, dtype=float)
    sense = np.fromiter((r.bound_type for r in repn.rows), dtype=np.int64, count=len(repn.rows))
    lower = [np.where(sense <= 0, rhs, -INF), np.array([lo for _, lo, _ in empty], dtype=float)]
    upper = [np.where(sense >= 0, rhs, INF), np.array([up for _, _, up in empty], dtype=float)]
    pyomo_rows = list(repn.rows) + [(con, 0) for con, _, _ in empty]
    start = len(pyomo_rows)
    blocks = []
    for block in m.row_blocks.values():
        if not len(block):
            continue
        for t in block.terms:
            cm = colmap[id(t.var)]
            rows.append(np.asarray(t.rows, dtype=np.int64) + start)
            cols.append(np.fromiter((cm[k] for k in t.keys), dtype=np.int64, count=len(t.keys)))
            vals.append(t.coefs)
        lower.append(block.lower)
        upper.append(block.upper)
        blocks.append((block, start))
        start += len(block)
    A = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(start, n)).tocsc()
    A.sum_duplicates()
    A.eliminate_zeros()
    cost = np.zeros(n)
    offset = 0.0
    objectives = list(repn.objectives)
    maximise = bool(objectives) and objectives[0].sense == pyo.maximize
    if repn.c.shape[0]:
        c = repn.c.tocsr()[0].tocoo()
        cost[pcols[c.col]] = c.data
        offset = float(repn.c_offset[0])
    terms = getattr(m, "objective_terms", {}).get(objectives[0].name if objectives else None, [])
    for var, keys, coefs in terms:
        cm = colmap[id(var)]
        np.add.at(cost, np.fromiter((cm[k] for k in keys), dtype=np.int64, count=len(keys)), coefs)
    col_lower, col_upper, integer = _bounds(columns)
    return StandardForm(A, cost, offset, col_lower, col_upper, integer, np.concatenate(lower), np.concatenate(upper),
                        columns, pyomo_rows, blocks, maximise)


def _compile_pyomo(m) -> tuple[Any, list[tuple[Any, float, float]]]:
    """Pyomo's standard form of ``m`` and the constraints without variables it cannot hold.

    A constraint whose terms all vanished (a compute target when every site is forbidden:
    ``0 ≥ 200,000``) is infeasible as written; the compiler refuses it. Such constraints are
    deactivated for the compiler and returned as (constraint, lower, upper) so that they become
    rows with no coefficients: HiGHS then reports the model infeasible and the elastic
    explanation can relax them like any other row."""
    empty: list[tuple[Any, float, float]] = []
    try:
        while True:
            try:
                return LinearStandardFormCompiler().write(m, mixed_form=True, set_sense=None), empty
            except InfeasibleConstraintException as exc:
                found = re.search(r"constraint, '(.+)'$", str(exc))
                con = m.find_component(found.group(1)) if found else None
                if con is None or not con.active:
                    raise
                lb, body, ub = con.to_bounded_expression()
                constant = pyo.value(body)
                empty.append((con, -INF if lb is None else pyo.value(lb) - constant,
                              INF if ub is None else pyo.value(ub) - constant))
                con.deactivate()
    finally:
        for con, _, _ in empty:
            con.activate()


def _columns(m) -> tuple[list[Any], dict[int, dict]]:
    columns: list[Any] = []
    colmap: dict[int, dict] = {}
    for comp in m.component_objects(pyo.Var, active=True, descend_into=True):
        keys = list(comp.keys())
        colmap[id(comp)] = dict(zip(keys, range(len(columns), len(columns) + len(keys))))
        columns.extend(comp.values())
    return columns, colmap


def _bounds(columns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    lb = np.array([-INF if v.lb is None else v.lb for v in columns], dtype=float)
    ub = np.array([INF if v.ub is None else v.ub for v in columns], dtype=float)
    fixed = [i for i, v in enumerate(columns) if v.fixed]
    for i in fixed:
        lb[i] = ub[i] = columns[i].value
    integer = np.array([v.is_integer() for v in columns], dtype=bool)
    return lb, ub, integer


def load_values(form: StandardForm, values, round_integers: bool = True) -> None:
    """Write a solution vector back into the Pyomo variables (integers rounded unless relaxed)."""
    values = np.asarray(values, dtype=float)
    if round_integers:
        values = np.where(form.integer, np.round(values), values)
    for var, x in zip(form.columns, values.tolist()):
        var.set_value(x, skip_validation=True)
