"""The ``siting`` command: parses arguments and calls the pipeline; no logic of its own.

Exit codes: 0 success, 2 bad input (config, data, or an output folder that cannot be used),
3 no solution (infeasible, or none found within the time limit) or the solver failed,
130 stopped by Ctrl-C and 143 by SIGTERM (the best plan found so far is written, status
``interrupted``). Every text that comes from the user (paths, ids, names, messages quoting them)
is printed without Rich markup, so ``[red]`` or ``[/]`` in a file name is shown as written.
"""

from __future__ import annotations

import functools
import sys
from importlib.metadata import PackageNotFoundError, version as package_version
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from optimizer.errors import InputError, SitingError

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None,
                  help="Energy and datacenter siting optimizer: sites, power and GPUs as one MILP.")
console = Console()
err_console = Console(stderr=True)

EXIT_OK, EXIT_INPUT, EXIT_NO_SOLUTION = 0, 2, 3

ConfigArgument = typer.Argument(..., metavar="CONFIG", show_default=False, help="config YAML file")
SetOption = typer.Option(None, "--set", metavar="KEY=VALUE",
                         help="override a config key or a data cell, e.g. --set solver.time_limit_s=60, --set "
                              "data.techs.gas_recip.capex_usd_per_kw=1500, --set 'data.regions.*.headroom_mw*=0.5' "
                              "(repeatable)")
QuietOption = typer.Option(False, "--quiet", "-q", help="no progress; print only the outcome line")
VerboseOption = typer.Option(False, "--verbose", "-v", help="show HiGHS's log on the terminal as it solves")


def stoppable(command):
    """Ctrl-C or SIGTERM outside a solve (loading, building, explaining): say so and exit 130 / 143.
    (A stop during a solve is handled by the solve itself, which keeps the best plan.)"""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from optimizer.interrupts import STOP, signal_of

        try:
            return command(*args, **kwargs)
        except KeyboardInterrupt as exc:
            STOP.record(signal_of(exc))
            err_console.print(f"stopped by {STOP.signal_name} before a plan was found: nothing was written",
                              markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(STOP.exit_code) from None

    return wrapper


def _version() -> str:
    try:
        return package_version("datacenter-siting")
    except PackageNotFoundError:   # running from a source tree that is not installed
        return "unknown"


def _show_version(value: bool) -> None:
    if value:
        console.print(f"siting {_version()}", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(EXIT_OK)


@app.callback()
def _main(version: bool = typer.Option(False, "--version", is_eager=True, callback=_show_version,
                                       help="print the version and exit")) -> None:
    """Energy and datacenter siting optimizer: sites, power and GPUs as one MILP."""


@app.command()
@stoppable
def validate(config: Path = ConfigArgument, set_: Optional[List[str]] = SetOption) -> None:
    """Check a config and its data (no clustering, no solve); print what it describes."""
    from optimizer.inputs.load import load_all

    _, inputs = load_all(config, set_ or [], cluster=False)
    table = Table(title=escape(f"{config} is valid"), show_header=False)
    for key, value in inputs.summary().items():
        table.add_row(escape(key), escape(str(value)))
    if inputs.config.uncertainty is not None:      # every future composes and loads too
        from optimizer.stochastic.run import check_block, load_futures

        check_block(inputs)

        found = load_futures(config, set_ or [], inputs, inputs.config.uncertainty, cluster=False)
        table.add_row("futures", escape(", ".join(f"{f.name} ({f.probability:.0%})" for f, _, _ in found)))
    console.print(table)
    for note in inputs.notes:
        console.print(f"note: {note}" if not note.startswith("warning:") else note, markup=False, highlight=False,
                      soft_wrap=True)


@app.command()
@stoppable
def run(config: Path = ConfigArgument,
        out: Optional[Path] = typer.Option(None, "--out", metavar="FOLDER",
                                           help="output folder: new, or existing and empty "
                                                "(default: a new folder under runs/)"),
        set_: Optional[List[str]] = SetOption, quiet: bool = QuietOption, verbose: bool = VerboseOption,
        no_explain: bool = typer.Option(False, "--no-explain", help="skip the shadow prices of a plan (what binds) "
                                                                     "and the explanation of an infeasible one"),
        record: bool = typer.Option(False, "--record", help="also record the run in the run store (see 'siting "
                                                            "runs list --sweep runs')"),
        store: Optional[Path] = typer.Option(None, "--store", metavar="FILE",
                                             help="the run store --record writes (default: runs/runs.duckdb)")) -> None:
    """Build and solve the model; write summary.json, result tables and the report. A config with an
    uncertainty block gives its two-stage stochastic plan (as 'siting stochastic')."""
    from optimizer.interrupts import STOP
    from optimizer.pipeline import run_config
    from optimizer.progress import PlainProgress, for_console
    from optimizer.stochastic.run import is_stochastic
    from optimizer.terminal import print_outcome_line, print_run

    if is_stochastic(config, set_ or []):
        return _stochastic(config, set_ or [], out, quiet)
    progress = PlainProgress(err_console) if verbose and not quiet else for_console(err_console, quiet)
    try:
        outcome = run_config(config, set_ or [], out, progress=progress, verbose=verbose, explain=not no_explain)
    finally:
        progress.close()
    if quiet:
        print_outcome_line(console, outcome)
    else:
        print_run(console, outcome)
        for note in outcome.inputs.notes:
            err_console.print(note if note.startswith("warning:") else f"note: {note}", markup=False,
                              highlight=False, soft_wrap=True)
    if record and str(outcome.out_dir) not in ("", "."):
        from optimizer.sweep.store import DEFAULT_STORE, RunStore, record_run

        record_run(RunStore(store or DEFAULT_STORE), outcome, config, set_ or [])
    if outcome.summary.get("rescued_from"):
        err_console.print(f"could not write {outcome.summary['rescued_from']}: the results are in {outcome.out_dir}",
                          markup=False, highlight=False, soft_wrap=True)
    if STOP.requested:
        err_console.print(f"stopped by {STOP.signal_name}: the best plan found so far is written "
                          f"(status {outcome.solution.status})", markup=False, highlight=False, soft_wrap=True)
        raise typer.Exit(STOP.exit_code)
    if not outcome.solution.has_solution:
        raise typer.Exit(EXIT_NO_SOLUTION)


@app.command()
@stoppable
def explain(config: Path = ConfigArgument, set_: Optional[List[str]] = SetOption) -> None:
    """Explain why a config has no plan: shortfalls, the smallest relaxation of limits, conflicting rows."""
    from optimizer.explain.elastic import explain_infeasible
    from optimizer.inputs.load import load_all
    from optimizer.terminal import print_explanation

    _, inputs = load_all(config, set_ or [])
    explanation = explain_infeasible(inputs)
    if explanation.status == "feasible":
        console.print("the config has a plan: nothing to explain (run it, and see 'what binds')")
        return
    print_explanation(console, explanation)


@app.command()
@stoppable
def report(run_dir: Path = typer.Argument(..., metavar="RUN_FOLDER", show_default=False,
                                          help="a run folder written by 'siting run'")) -> None:
    """(Re)write report.html, report.md and results.xlsx of a run from its tables."""
    from optimizer.report.run_data import check_finished
    from optimizer.report.writer import build_report

    check_finished(run_dir)
    for kind, path in build_report(run_dir).items():
        console.print(f"{kind}: {path}", markup=False, highlight=False, soft_wrap=True)


@app.command()
@stoppable
def compare(runs: List[Path] = typer.Argument(..., metavar="RUN_FOLDER", show_default=False,
                                              help="two or more run folders"),
            out: Optional[Path] = typer.Option(None, "--out", metavar="FOLDER",
                                               help="output folder (default: runs/compare-<time>)")) -> None:
    """Side-by-side report of several runs: cost, MW by source, GPUs, compute, sites."""
    from optimizer.report.compare import compare_runs
    from optimizer.report.run_data import check_finished

    for run_dir in runs:
        check_finished(run_dir)
    for kind, path in compare_runs(runs, out).items():
        console.print(f"{kind}: {path}", markup=False, highlight=False, soft_wrap=True)


@app.command()
@stoppable
def stochastic(config: Path = ConfigArgument,
               method: Optional[str] = typer.Option(None, "--method", metavar="equivalent|decomposition",
                                                    help="solve every scenario in one model, or scenario by "
                                                         "scenario (default: the config's uncertainty.method)"),
               out: Optional[Path] = typer.Option(None, "--out", metavar="FOLDER",
                                                  help="output folder (default: a new folder under runs/)"),
               workers: Optional[int] = typer.Option(None, "--workers", min=1, metavar="N",
                                                     help="evaluate plans across scenarios on N local Dask workers"),
               scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS",
                                                       help="evaluate plans across scenarios on a Dask cluster"),
               set_: Optional[List[str]] = SetOption, quiet: bool = QuietOption) -> None:
    """The two-stage stochastic plan of a config's uncertainty block: one first stage for every scenario,
    recourse per scenario, EVPI, VSS and the regret table."""
    from optimizer.errors import Problem

    if method not in (None, "equivalent", "decomposition", "auto"):
        raise InputError([Problem("--method", None, "method", f"unknown method '{method}'",
                                  "use equivalent, decomposition or auto")])
    _stochastic(config, set_ or [], out, quiet, method, workers, scheduler)


def _stochastic(config: Path, overrides: list[str], out: Optional[Path], quiet: bool, method: Optional[str] = None,
                workers: Optional[int] = None, scheduler: Optional[str] = None) -> None:
    from optimizer.interrupts import STOP
    from optimizer.progress import for_console
    from optimizer.stochastic.run import run_stochastic
    from optimizer.terminal import print_stochastic

    progress = for_console(err_console, quiet)
    try:
        outcome = run_stochastic(config, overrides, out, progress=progress, workers=workers, scheduler=scheduler,
                                 method=method)
    finally:
        progress.close()
    print_stochastic(console, outcome)
    if STOP.requested:
        raise typer.Exit(STOP.exit_code)
    if outcome.solution is None or outcome.solution.xs is None:
        raise typer.Exit(EXIT_NO_SOLUTION)


@app.command()
@stoppable
def alternatives(config: Path = ConfigArgument,
                 slack: Optional[float] = typer.Option(None, "--slack", min=0.0, max=1.0, metavar="SHARE",
                                                       help="how much dearer than the optimum, e.g. 0.02 (default: "
                                                            "the config's alternatives.slack, 0.02)"),
                 count: Optional[int] = typer.Option(None, "--count", min=1, max=100, metavar="N",
                                                     help="alternatives to look for (default 8)"),
                 threshold: Optional[float] = typer.Option(None, "--threshold", min=0.0, max=1.0, metavar="D",
                                                           help="plans closer than this are the same (default 0.1)"),
                 method: Optional[str] = typer.Option(None, "--method", metavar="hsj|random",
                                                      help="Hop-Skip-Jump (default) or random directions"),
                 space: Optional[List[str]] = typer.Option(None, "--space", metavar="sites|power|gpus",
                                                           help="what alternatives differ in (repeatable; default all)"),
                 out: Optional[Path] = typer.Option(None, "--out", metavar="FOLDER",
                                                    help="output folder (default: a new folder under runs/)"),
                 workers: Optional[int] = typer.Option(None, "--workers", min=1, metavar="N",
                                                       help="--method random: solve directions on N local Dask "
                                                            "workers at once"),
                 scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS",
                                                         help="--method random: solve directions on a Dask cluster"),
                 set_: Optional[List[str]] = SetOption, quiet: bool = QuietOption) -> None:
    """Near-optimal alternatives: plans within a cost slack of the optimum that differ most from it."""
    from optimizer.alternatives.run import run_alternatives
    from optimizer.errors import Problem
    from optimizer.progress import for_console
    from optimizer.terminal import print_alternatives

    bad = [Problem("--method", None, "method", f"unknown method '{method}'", "use hsj or random")] \
        if method not in (None, "hsj", "random") else []
    bad += [Problem("--space", None, "space", f"unknown part '{p}'", "use sites, power or gpus")
            for p in space or [] if p not in ("sites", "power", "gpus")]
    if bad:
        raise InputError(bad)
    progress = for_console(err_console, quiet)
    try:
        outcome = run_alternatives(config, set_ or [], out, progress=progress, workers=workers, scheduler=scheduler,
                                   slack=slack, count=count, threshold=threshold, method=method, space=space)
    finally:
        progress.close()
    print_alternatives(console, outcome)
    if outcome.status not in ("optimal",):
        raise typer.Exit(EXIT_NO_SOLUTION)


StoreOption = typer.Option(None, "--store", metavar="FILE", help="the run store (default: runs/runs.duckdb)")


@app.command()
@stoppable
def sweep(sweep_file: Path = typer.Argument(..., metavar="SWEEP", show_default=False, help="sweep YAML file"),
          workers: Optional[int] = typer.Option(None, "--workers", min=1, metavar="N",
                                                help="worker processes on this machine (default: cores // "
                                                     "solver.threads)"),
          scheduler: Optional[str] = typer.Option(None, "--scheduler", metavar="ADDRESS",
                                                  help="run on an existing Dask cluster, e.g. tcp://host:8786"),
          out: Optional[Path] = typer.Option(None, "--out", metavar="FOLDER",
                                             help="the sweep's folder (default: runs/sweeps/<name>)"),
          store: Optional[Path] = StoreOption,
          list_only: bool = typer.Option(False, "--list", help="list the scenarios and stop"),
          quiet: bool = QuietOption) -> None:
    """Run every scenario of a sweep on Dask; store each result; write the sweep report.
    Scenarios already in the store are skipped, so a stopped sweep continues where it stopped."""
    from optimizer.progress import SweepProgress
    from optimizer.sweep.execute import describe, execute, prepare
    from optimizer.terminal import print_scenarios, print_sweep_outcome

    prepared = prepare(sweep_file, out, store)
    if list_only:
        print_scenarios(console, prepared)
        return
    if not quiet:
        err_console.print(describe(prepared), markup=False, highlight=False, soft_wrap=True)
    progress = SweepProgress(err_console, quiet)
    try:
        outcome = execute(prepared, workers, scheduler, progress)
    finally:
        progress.close()
    if not outcome.stopped and outcome.ran + outcome.skipped:
        from optimizer.sweep.report import write_sweep_report

        outcome.report = write_sweep_report(prepared.store, prepared.name, prepared.folder,
                                            prepared.sweep.spec).get("html")
    print_sweep_outcome(console, outcome)
    if outcome.stopped:
        from optimizer.interrupts import EXIT_CODES

        raise typer.Exit(EXIT_CODES[outcome.stopped])


runs_app = typer.Typer(no_args_is_help=True, rich_markup_mode=None, help="Read the run store: sweeps and runs.")
app.add_typer(runs_app, name="runs")


@runs_app.command("list")
def runs_list(sweep_name: Optional[str] = typer.Option(None, "--sweep", metavar="NAME", help="one sweep's scenarios"),
              store: Optional[Path] = StoreOption) -> None:
    """The sweeps in the store, or the scenarios of one sweep with their outcome."""
    from optimizer.sweep.store import DEFAULT_STORE, RunStore
    from optimizer.terminal import print_store

    print_store(console, RunStore(store or DEFAULT_STORE), sweep_name)


@runs_app.command("show")
def runs_show(ident: str = typer.Argument(..., metavar="ID", show_default=False,
                                          help="a scenario id, sweep/scenario, or a config hash prefix"),
              store: Optional[Path] = StoreOption) -> None:
    """One stored scenario: its axis values, outcome, MW by source and run folder."""
    from optimizer.sweep.store import DEFAULT_STORE, RunStore
    from optimizer.terminal import print_stored_scenario

    print_stored_scenario(console, RunStore(store or DEFAULT_STORE), ident)


def command_line():
    """The click command behind ``app``, with argument help that shows the metavar (CONFIG,
    RUN_FOLDER...) without typer's type labels such as ``<list[Path]>``."""
    group = typer.main.get_command(app)
    for command in getattr(group, "commands", {}).values():
        for param in command.params:
            if param.param_type_name == "argument":
                param.display_type_rich = lambda ctx: None
    return group


@app.command()
@stoppable
def init(name: str = typer.Argument(..., metavar="NAME", show_default=False, help="name of the new config"),
         folder: Path = typer.Option(Path("configs"), "--folder", metavar="FOLDER",
                                     help="where to write NAME.yaml and constraints/NAME.yaml"),
         yes: bool = typer.Option(False, "--yes", "-y", help="take every default; ask nothing")) -> None:
    """Write a commented starter config and an empty constraints file from the shipped data."""
    from optimizer.starter import StarterChoices, write_starter

    choices = StarterChoices()
    if not yes:
        first = typer.prompt("first year", default=choices.first_year, type=int)
        target = typer.prompt(f"H100-equivalents online from {first + 1}", default=choices.target_h100e, type=float)
        sites = typer.prompt("candidate sites (ids from data/sites.csv)", default=", ".join(choices.sites))
        choices = StarterChoices(first, target, tuple(s.strip() for s in sites.split(",") if s.strip()))
    config, constraints = write_starter(name, folder, choices)
    console.print(f"wrote {config} and {constraints}", markup=False, highlight=False, soft_wrap=True)
    console.print(f"next: siting validate {config}; siting run {config}", markup=False, highlight=False,
                  soft_wrap=True)


@app.command()
@stoppable
def schema(folder: Optional[Path] = typer.Option(None, "--folder", metavar="FOLDER",
                                                 help="where to write config.schema.json and constraints.schema.json "
                                                      "(default: the repository's schemas/)")) -> None:
    """Write JSON Schemas of configs and constraint files, for editors (see docs/editors.md)."""
    from optimizer.config.json_schema import DEFAULT_FOLDER, write_schemas

    for path in write_schemas(folder or DEFAULT_FOLDER):
        console.print(f"wrote {path}", markup=False, highlight=False)


def main() -> None:
    """Console entry point: package errors become a message and an exit code, never a traceback."""
    from optimizer.interrupts import install_handlers, restore_handlers

    previous = install_handlers()
    try:
        sys.exit(_main_exit_code())
    finally:
        restore_handlers(previous)     # matters when siting runs in-process (tests, notebooks)


def _main_exit_code() -> int:
    """Run the command; its exit code (errors reported here)."""
    from optimizer.interrupts import STOP, signal_of

    try:
        code = command_line()(standalone_mode=False)
    except InputError as exc:
        err_console.print("[bold red]Input error[/]: " + escape(exc.render()), highlight=False, soft_wrap=True)
        return EXIT_INPUT
    except SitingError as exc:
        err_console.print(f"[bold red]{type(exc).__name__}[/]: " + escape(str(exc)), highlight=False, soft_wrap=True)
        return EXIT_NO_SOLUTION
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt) as exc:   # a stop while the arguments were read
        STOP.record(signal_of(exc) if isinstance(exc, KeyboardInterrupt) else "SIGINT")
        err_console.print(f"stopped by {STOP.signal_name}", markup=False, highlight=False, soft_wrap=True)
        return STOP.exit_code
    except Exception as exc:
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # a usage error from the argument parser
            exc.show()
            return EXIT_INPUT
        raise
    return code if isinstance(code, int) else EXIT_OK

if __name__ == "__main__":
    main()
