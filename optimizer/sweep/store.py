"""The run store: one embedded DuckDB file (default ``runs/runs.duckdb``) that the sweep client alone
writes (DuckDB has one writer; workers hand their results to the client).

Tables:

- ``results``: one row per resolved config, keyed by its hash (``config_hash``): status, message,
  objective, bound, gap, cash capex, MW by source (JSON), peak MW, GPUs, h100e, sites chosen,
  emissions, on-site gas share, solve and run seconds, the run folder, the worker, attempts and the
  whole summary (JSON). Two scenarios with the same resolved config share one result.
- ``sweep_scenarios``: which scenarios a sweep holds (sweep, scenario, config hash, axis values and
  their labels as JSON, role), replaced each time the sweep file is run; ``sweeps``: one row per sweep.
- ``scenarios`` (a view): each scenario of each sweep with its result (status ``pending`` before).
- ``result_tables``: (config_hash, family, path, rows) naming a Parquet file per result table,
  written next to the store (``runs.tables/<hash>/<family>.parquet``); :meth:`RunStore.table`
  reads one family across scenarios.

A result is written in one transaction after its Parquet files are in place, so a stopped sweep
leaves every finished scenario stored once and nothing half-stored. Connections are short, so
``siting runs list`` can read the store while a sweep runs.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterable

import pandas as pd

DEFAULT_STORE = Path("runs") / "runs.duckdb"
DONE = ("optimal", "time_limit", "feasible", "infeasible", "infeasible_or_unbounded", "unbounded", "input_error",
        "no_solution")   # a rerun skips these; error and interrupted scenarios run again
RESULT_COLUMNS = {
    "config_hash": "VARCHAR PRIMARY KEY", "status": "VARCHAR", "message": "VARCHAR", "objective_usd": "DOUBLE",
    "bound_usd": "DOUBLE", "gap": "DOUBLE", "capex_cash_usd": "DOUBLE", "mw_by_source": "VARCHAR",
    "peak_mw": "DOUBLE", "gpus": "DOUBLE", "h100e": "DOUBLE", "sites": "VARCHAR", "n_sites": "INTEGER",
    "emissions_t": "DOUBLE", "onsite_gas_share": "DOUBLE", "solve_seconds": "DOUBLE", "run_seconds": "DOUBLE",
    "run_dir": "VARCHAR", "worker": "VARCHAR", "attempts": "INTEGER", "finished_at": "TIMESTAMP",
    "summary": "VARCHAR",
}
SCHEMA = [
    "CREATE TABLE IF NOT EXISTS results (" + ", ".join(f"{k} {v}" for k, v in RESULT_COLUMNS.items()) + ")",
    "CREATE TABLE IF NOT EXISTS sweeps (sweep VARCHAR PRIMARY KEY, file VARCHAR, config VARCHAR, design VARCHAR, "
    "axes VARCHAR, scenarios INTEGER, folder VARCHAR, spec VARCHAR, updated_at TIMESTAMP)",
    "CREATE TABLE IF NOT EXISTS sweep_scenarios (sweep VARCHAR, scenario VARCHAR, position INTEGER, "
    "config_hash VARCHAR, axis_values VARCHAR, labels VARCHAR, role VARCHAR, PRIMARY KEY (sweep, scenario))",
    "CREATE TABLE IF NOT EXISTS result_tables (config_hash VARCHAR, family VARCHAR, path VARCHAR, rows BIGINT, "
    "PRIMARY KEY (config_hash, family))",
    "CREATE OR REPLACE VIEW scenarios AS SELECT s.sweep, s.scenario, s.position, s.config_hash, s.axis_values, "
    "s.labels, s.role, coalesce(r.status, 'pending') AS status, r.* EXCLUDE (config_hash, status) "
    "FROM sweep_scenarios s LEFT JOIN results r USING (config_hash)",
]
LOCK_WAIT_S = 30.0


def config_hash(raw: dict, digests: dict[str, str]) -> str:
    """SHA-256 of a resolved config with its data files named by content (``digests``: data key ->
    digest); ``name`` and ``description`` do not count, so equal models share one hash."""
    body = {k: v for k, v in raw.items() if k not in ("name", "description")}
    body["data"] = {k: digests.get(k, v) for k, v in (raw.get("data") or {}).items()}
    text = json.dumps(plain_keys(body), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def plain_keys(value: Any) -> Any:
    """Keys as text (year keys are numbers in YAML), so that the JSON is canonical."""
    if isinstance(value, dict):
        return {str(k): plain_keys(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain_keys(v) for v in value]
    return value


def data_files(raw: dict) -> dict[str, str]:
    """The data files a resolved config reads: data key -> path."""
    return {key: value for key, value in (raw.get("data") or {}).items()
            if isinstance(value, str) and Path(value).is_file()}


def file_digest(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


class RunStore:
    """The run store at ``path`` (created on first write)."""

    def __init__(self, path: str | Path = DEFAULT_STORE):
        self.path = Path(path)
        self.tables_dir = self.path.with_suffix(".tables")

    # ---- connections -----------------------------------------------------------------------------

    @contextmanager
    def connect(self, read_only: bool = False):
        """A short connection; waits while another process holds the file (up to LOCK_WAIT_S)."""
        import duckdb

        if read_only and not self.path.exists():
            from optimizer.errors import InputError, Problem, display_path

            raise InputError([Problem(display_path(self.path), None, "", "no run store here",
                                      "a sweep ('siting sweep') or 'siting run --record' creates it; "
                                      "name another with --store")])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only)
                break
            except duckdb.IOException as exc:
                if "lock" not in str(exc).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        try:
            if not read_only:
                for statement in SCHEMA:
                    con.execute(statement)
            yield con
        finally:
            con.close()

    # ---- writing (the sweep client only) -----------------------------------------------------------

    def register_sweep(self, name: str, file: str, config: str, design: str, axes: list[str], spec: dict,
                       folder: str, members: list[dict]) -> None:
        """Record a sweep and the scenarios it holds now (replacing the list of an earlier run of it)."""
        with self.connect() as con:
            con.execute("BEGIN")
            con.execute("INSERT OR REPLACE INTO sweeps VALUES (?, ?, ?, ?, ?, ?, ?, ?, now())",
                        [name, file, config, design, json.dumps(axes), len(members), folder,
                         json.dumps(spec, default=str)])
            con.execute("DELETE FROM sweep_scenarios WHERE sweep = ?", [name])
            con.executemany("INSERT INTO sweep_scenarios VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [[name, m["scenario"], i, m["config_hash"], json.dumps(m["values"], default=str),
                              json.dumps(m["labels"]), m.get("role", "")] for i, m in enumerate(members)])
            con.execute("COMMIT")

    def done_hashes(self, hashes: Iterable[str]) -> set[str]:
        """The hashes among ``hashes`` that already have a result a rerun keeps."""
        wanted = list(set(hashes))
        if not wanted or not self.path.exists():
            return set()
        with self.connect() as con:
            rows = con.execute("SELECT config_hash FROM results WHERE status IN (SELECT unnest(?)) "
                               "AND config_hash IN (SELECT unnest(?))", [list(DONE), wanted]).fetchall()
        return {r[0] for r in rows}

    def record(self, result: dict, run_dir: str | None, attempts: int = 1) -> None:
        """Store one scenario's result (and its tables) under its config hash, replacing an earlier
        result of the same hash (an error retried)."""
        h = result["config_hash"]
        written = self._write_tables(h, result.get("tables") or {})
        m = dict(result.get("metrics") or {})
        row = {"config_hash": h, "status": result["status"], "message": result.get("message") or "",
               "objective_usd": m.get("objective_usd"), "bound_usd": m.get("bound_usd"), "gap": m.get("gap"),
               "capex_cash_usd": m.get("capex_cash_usd"),
               "mw_by_source": json.dumps(m.get("mw_by_source") or {}), "peak_mw": m.get("peak_mw"),
               "gpus": m.get("gpus"), "h100e": m.get("h100e"), "sites": m.get("sites"), "n_sites": m.get("n_sites"),
               "emissions_t": m.get("emissions_t"), "onsite_gas_share": m.get("onsite_gas_share"),
               "solve_seconds": m.get("solve_seconds"), "run_seconds": result.get("run_seconds"),
               "run_dir": run_dir, "worker": result.get("worker"), "attempts": attempts, "finished_at": None,
               "summary": json.dumps(result.get("summary") or {}, default=str)}
        columns = [c for c in RESULT_COLUMNS if c != "finished_at"]
        with self.connect() as con:
            con.execute("BEGIN")
            con.execute("DELETE FROM results WHERE config_hash = ?", [h])
            con.execute(f"INSERT INTO results ({', '.join(columns)}, finished_at) VALUES "
                        f"({', '.join('?' for _ in columns)}, now())", [row[c] for c in columns])
            con.execute("DELETE FROM result_tables WHERE config_hash = ?", [h])
            if written:
                con.executemany("INSERT INTO result_tables VALUES (?, ?, ?, ?)",
                                [[h, family, str(path), rows] for family, (path, rows) in written.items()])
            con.execute("COMMIT")

    def _write_tables(self, h: str, tables: dict[str, pd.DataFrame]) -> dict[str, tuple[Path, int]]:
        folder = self.tables_dir / h[:2] / h
        folder.mkdir(parents=True, exist_ok=True)
        out = {}
        for family, frame in tables.items():
            path = folder / f"{family}.parquet"
            part = path.with_suffix(f".{os.getpid()}.part")
            _parquet_ready(frame).to_parquet(part, index=False)
            os.replace(part, path)
            out[family] = (path, len(frame))
        return out

    # ---- reading ---------------------------------------------------------------------------------

    def scenarios(self, sweep: str | None = None) -> pd.DataFrame:
        """Every scenario (of one sweep) with its result; axis values and MW by source as dicts."""
        where, args = ("WHERE sweep = ?", [sweep]) if sweep is not None else ("", [])
        with self.connect(read_only=True) as con:
            frame = con.execute(f"SELECT * FROM scenarios {where} ORDER BY sweep, position", args).df()
        for column in ("axis_values", "labels", "mw_by_source"):
            frame[column] = [json.loads(v) if isinstance(v, str) else {} for v in frame[column]]
        return frame

    def sweeps(self) -> pd.DataFrame:
        with self.connect(read_only=True) as con:
            return con.execute("SELECT s.sweep, s.design, s.scenarios, s.file, s.folder, s.updated_at, "
                               "count(r.config_hash) FILTER (WHERE r.status IN (SELECT unnest(?))) AS done "
                               "FROM sweeps s LEFT JOIN sweep_scenarios m USING (sweep) "
                               "LEFT JOIN results r USING (config_hash) GROUP BY ALL ORDER BY s.updated_at",
                               [list(DONE)]).df()

    def table(self, family: str, sweep: str | None = None) -> pd.DataFrame:
        """One result table (capacity, gpus, binding, ...) across the scenarios of a sweep (or of every
        stored result), with columns ``sweep``, ``scenario`` and ``config_hash`` in front."""
        with self.connect(read_only=True) as con:
            where, args = ("AND m.sweep = ?", [family, sweep]) if sweep is not None else ("", [family])
            rows = con.execute("SELECT DISTINCT m.sweep, m.scenario, t.config_hash, t.path FROM result_tables t "
                               "JOIN sweep_scenarios m USING (config_hash) WHERE t.family = ? " + where +
                               " ORDER BY m.sweep, m.scenario", args).fetchall()
        frames = []
        for sweep_name, scenario, h, path in rows:
            if Path(path).exists():
                frame = pd.read_parquet(path)
                frame.insert(0, "config_hash", h)
                frame.insert(0, "scenario", scenario)
                frame.insert(0, "sweep", sweep_name)
                frames.append(frame)
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def find(self, ident: str) -> pd.DataFrame:
        """Scenarios whose id, ``sweep/scenario`` or config hash (a prefix of 6+ characters) is ``ident``."""
        frame = self.scenarios()
        if frame.empty:
            return frame
        full = frame["sweep"] + "/" + frame["scenario"]
        hit = (full == ident) | (frame["scenario"] == ident)
        if len(ident) >= 6:
            hit |= frame["config_hash"].str.startswith(ident)
        return frame[hit]


def _parquet_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns Parquet can type: mixed object columns (period keys: years or labels) as text."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object:
            kinds = {type(v) for v in out[column].dropna()}
            if len(kinds) > 1 or (kinds and not kinds <= {str, bool}):
                out[column] = out[column].map(lambda v: None if v is None or v != v else str(v))
    return out


SINGLE_RUNS = "runs"   # the store's name for single runs recorded with 'siting run --record'


def record_run(store: RunStore, outcome, config: str | Path, overrides: Iterable[str] = ()) -> str:
    """Record one ``siting run`` (``--record``) under the sweep ``runs``, its id the run folder's
    name; returns the config hash."""
    from optimizer.config.load import compose
    from optimizer.sweep.task import STORED_TABLES, metrics

    raw, _, _ = compose(config, list(overrides))
    digests = {key: file_digest(path) for key, path in data_files(raw).items()}
    h = config_hash(raw, digests)
    tables = {name: frame for name, frame in outcome.results.tables().items()
              if name in STORED_TABLES} if outcome.results is not None else {}
    if outcome.prices is not None:
        tables["binding"] = outcome.prices.table
    result = {"config_hash": h, "status": outcome.solution.status, "message": outcome.summary.get("message") or "",
              "summary": outcome.summary, "metrics": metrics(outcome), "tables": tables,
              "run_seconds": None, "worker": "siting run"}
    store.record(result, str(Path(outcome.out_dir).resolve()))
    with store.connect() as con:
        position = con.execute("SELECT count(*) FROM sweep_scenarios WHERE sweep = ?", [SINGLE_RUNS]).fetchone()[0]
        con.execute("INSERT OR REPLACE INTO sweep_scenarios VALUES (?, ?, ?, ?, '{}', '{}', '')",
                    [SINGLE_RUNS, Path(outcome.out_dir).name, position, h])
        con.execute("INSERT OR IGNORE INTO sweeps VALUES (?, '', '', 'single runs', '[]', 0, '', '{}', now())",
                    [SINGLE_RUNS])
        con.execute("UPDATE sweeps SET scenarios = (SELECT count(*) FROM sweep_scenarios WHERE sweep = ?), "
                    "updated_at = now() WHERE sweep = ?", [SINGLE_RUNS, SINGLE_RUNS])
    return h
