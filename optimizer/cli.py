"""The ``siting`` command: parses arguments and calls the pipeline; no logic of its own.

Exit codes: 0 success, 2 bad input (config or data), 3 no solution (infeasible, or none found
within the time limit) or the solver failed.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer
from rich.console import Console
from rich.table import Table

from optimizer.errors import InputError, SitingError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Energy and datacenter siting optimizer: sites, power and GPUs as one MILP.")
console = Console()
err_console = Console(stderr=True)

EXIT_OK, EXIT_INPUT, EXIT_NO_SOLUTION = 0, 2, 3

SetOption = typer.Option(None, "--set", help="override a config key: --set solver.time_limit_s=60")


@app.command()
def validate(config: Path = typer.Argument(..., help="config YAML file"),
             set_: Optional[List[str]] = SetOption) -> None:
    """Check a config and its data; print what it describes."""
    from optimizer.inputs.load import load_all

    _, inputs = load_all(config, set_ or [])
    table = Table(title=f"{config} is valid", show_header=False)
    for key, value in inputs.summary().items():
        table.add_row(key, str(value))
    console.print(table)


@app.command()
def run(config: Path = typer.Argument(..., help="config YAML file"),
        out: Optional[Path] = typer.Option(None, "--out", help="output folder (default: a new folder under runs/)"),
        set_: Optional[List[str]] = SetOption) -> None:
    """Build and solve the model; write summary.json and result tables."""
    from optimizer.pipeline import run_config

    outcome = run_config(config, set_ or [], out)
    from optimizer.terminal import print_run

    print_run(console, outcome)
    if not outcome.solution.has_solution:
        raise typer.Exit(EXIT_NO_SOLUTION)


@app.command()
def explain(config: Path = typer.Argument(..., help="config YAML file"),
            set_: Optional[List[str]] = SetOption) -> None:
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
def report(run_dir: Path = typer.Argument(..., help="a run folder written by 'siting run'")) -> None:
    """(Re)write report.html, report.md and results.xlsx of a run from its tables."""
    from optimizer.report.writer import build_report

    for kind, path in build_report(run_dir).items():
        console.print(f"{kind}: {path}")


@app.command()
def compare(runs: List[Path] = typer.Argument(..., help="two or more run folders"),
            out: Optional[Path] = typer.Option(None, "--out", help="output folder (default: runs/compare-<time>)")) -> None:
    """Side-by-side report of several runs: cost, MW by source, GPUs, compute, sites."""
    from optimizer.report.compare import compare_runs

    for kind, path in compare_runs(runs, out).items():
        console.print(f"{kind}: {path}")


def main() -> None:
    """Console entry point: package errors become a message and an exit code, never a traceback."""
    try:
        code = app(standalone_mode=False)
    except InputError as exc:
        err_console.print(f"[bold red]Input error[/]: {exc.render()}", highlight=False, markup=True, soft_wrap=True)
        sys.exit(EXIT_INPUT)
    except SitingError as exc:
        err_console.print(f"[bold red]{type(exc).__name__}[/]: {exc}", highlight=False, soft_wrap=True)
        sys.exit(EXIT_NO_SOLUTION)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except (typer.Abort, KeyboardInterrupt):
        err_console.print("aborted")
        sys.exit(130)
    except Exception as exc:
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):  # a usage error from the argument parser
            exc.show()
            sys.exit(EXIT_INPUT)
        raise
    sys.exit(code if isinstance(code, int) else EXIT_OK)


if __name__ == "__main__":
    main()
