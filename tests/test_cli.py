"""The command line: user text is never Rich markup, --version, --quiet, help without type noise,
progress lines, validate without clustering, a config that forbids every site."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from helpers import GPU, SITE, row, siting as run_cli, write_case
from optimizer.progress import PlainProgress, solve_line, usd_of_musd

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", ["[/].yaml", "[red]missing.yaml", "[bold]x[/bold].yaml"])
def test_paths_with_brackets_are_printed_as_written(tmp_path, monkeypatch, capsys, name):
    monkeypatch.chdir(tmp_path)
    assert run_cli(monkeypatch, "validate", name) == 2
    err = capsys.readouterr().err
    assert f"{name}: file not found" in err and "Traceback" not in err


def test_set_key_with_brackets_is_printed_as_written(grid_case, monkeypatch, capsys):
    assert run_cli(monkeypatch, "validate", grid_case, "--set", "[/]=1") == 2
    err = capsys.readouterr().err
    assert "[/]" in err and "unknown key" in err and "Traceback" not in err


def test_site_id_with_markup_in_the_run_summary(tmp_path, monkeypatch, capsys):
    site = row(SITE, site_id="[red]A[/]", grid_existing_mw=50.0)
    gpu = row(GPU, price_usd_per_unit=1e6, supply_gpus_per_year=30)
    case = write_case(tmp_path / "case", {"name": "[/]tiny", "targets": {"compute_h100e": {2026: 10}}},
                      sites=[site], techs=[], gpus=[gpu])
    assert run_cli(monkeypatch, "run", case, "--out", tmp_path / "run") == 0
    assert "sites: [red]A[/]" in capsys.readouterr().out


def test_version(monkeypatch, capsys):
    assert run_cli(monkeypatch, "--version") == 0
    out = capsys.readouterr().out.strip()
    assert out.startswith("siting ") and out.split()[1][0].isdigit()


def test_help_has_no_type_noise(monkeypatch, capsys):
    for args in (["--help"], ["run", "--help"], ["validate", "--help"], ["compare", "--help"]):
        assert run_cli(monkeypatch, *args) == 0
        text = capsys.readouterr().out
        assert "<bool>" not in text and "<list" not in text and "Usage:" in text
    assert run_cli(monkeypatch, "run", "--help") == 0
    text = capsys.readouterr().out
    assert "--set KEY=VALUE" in text and "--out FOLDER" in text and "--quiet" in text and "--verbose" in text


def test_quiet_prints_one_line_and_no_progress(grid_case, tmp_path, monkeypatch, capsys):
    assert run_cli(monkeypatch, "run", grid_case, "--out", tmp_path / "run", "--quiet") == 0
    printed = capsys.readouterr()
    assert printed.out.strip().splitlines() == [f"optimal  net present cost $0.01 B  results: {tmp_path / 'run'}"]
    assert printed.err == ""


def test_progress_names_every_stage_when_not_a_terminal(grid_case, tmp_path, monkeypatch, capsys):
    assert run_cli(monkeypatch, "run", grid_case, "--out", tmp_path / "run") == 0
    err = capsys.readouterr().err
    stages = ["loading the config and data", "building the model", "solving with HiGHS", "pricing what binds",
              "writing results and the report"]
    positions = [err.index(stage) for stage in stages]
    assert positions == sorted(positions)


def test_verbose_shows_the_highs_log(grid_case, tmp_path):
    done = subprocess.run([str(Path(sys.executable).parent / "siting"), "run", str(grid_case), "--out",
                           str(tmp_path / "run"), "--verbose"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "HiGHS" in done.stdout and "Presolving model" in done.stdout + done.stderr
    assert "Presolving model" in (tmp_path / "run" / "highs.log").read_text()


def test_solve_progress_line():
    assert solve_line(12.4, 4471.0, 4466.0, 0.0011, usd_of_musd) == \
        "12 s  best $4.471 B  bound $4.466 B  gap 0.11%"
    assert solve_line(3, None, 4466.0, None, usd_of_musd) == "3 s  no plan yet  bound $4.466 B"
    assert usd_of_musd(37.81) == "$37.81 M"


def test_plain_progress_throttles_solve_lines():
    console = Console(record=True, width=200)
    progress = PlainProgress(console, every_s=3600)
    progress.stage("solving with HiGHS")
    for t in range(5):
        progress.solving(t, 10.0, 9.0, 0.1)
    progress.last_line -= 1.0                     # a second later, a better plan: reported at once
    progress.solving(6, 9.5, 9.0, 0.05)
    progress.solving(6, 9.4, 9.0, 0.04)           # but not twice in one second
    lines = console.export_text().splitlines()
    assert len(lines) == 3 and lines[0].endswith("solving with HiGHS") and "best $10.00 M" in lines[1]
    assert "best $9.50 M" in lines[2]


def test_validate_does_not_cluster():
    code = ("import sys; from optimizer.inputs.load import load_all; "
            "_, i = load_all('configs/example.yaml', cluster=False); "
            "print('tsam' in sys.modules, i.summary()['time slices'])")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ("False 56 per year: 6 typical days + 1 extreme (tsam, hierarchical) × 8 slices, "
                                   "found when solving")


def test_forbidding_every_site_is_explained(tmp_path, monkeypatch, capsys):
    config = tmp_path / "none.yaml"
    config.write_text(f"extends: {ROOT / 'configs' / 'example.yaml'}\n"
                      "constraints:\n  - kind: only_sites\n    site: [memphis, abilene]\n"
                      "  - kind: forbid_site\n    site: [memphis, abilene]\n")
    assert run_cli(monkeypatch, "run", config, "--out", tmp_path / "run") == 3
    out = capsys.readouterr().out
    assert "the compute target 2027 is 200,000 h100e short (of 200,000)" in out
    assert "Traceback" not in out


def test_validate_notes_defaulted_columns_and_die_counts(tmp_path, monkeypatch, capsys):
    """Tables without the newer columns load with a note; a supply comment that counts dies of a
    two-die product draws a warning with its file and line."""
    gpu = row(GPU, gpu_id="R2", dies_per_gpu=2, cluster_usd_per_gpu=0.0, cluster_it_kw_per_gpu=0.0)
    case = write_case(tmp_path / "case", {"targets": {"compute_h100e": {2026: 10}}}, gpus=[gpu])
    text = case.read_text().replace("targets:", "supply:\n  gpus_per_year:\n    R2: {2026: 1000}   # GPU dies\ntargets:")
    case.write_text(text)
    assert run_cli(monkeypatch, "validate", case) == 0
    out = " ".join(capsys.readouterr().out.split())      # unwrapped
    folder = tmp_path / "case"
    assert (f"note: {folder / 'regions.csv'} has no column demand_charge_usd_per_kw_month, take_or_pay_share, "
            "contract_min_years, gas_basis_usd_per_mmbtu, gas_delivery_usd_per_mmbtu, exit_fee_usd_per_kw, "
            "line_usd_per_mw_km: every "
            "row takes the default (demand_charge_usd_per_kw_month = 0,") in out
    assert f"note: {folder / 'sites.csv'} has no column line_distance_km, substation_usd, fixed_load_mw" in out
    assert f"note: {folder / 'techs.csv'} has no column supply_mw_per_year, fleet_mw, rented, " \
        "rental_usd_per_kw_month: every row takes the default (supply_mw_per_year = no limit, " \
        "fleet_mw = no limit, rented = false, rental_usd_per_kw_month = 0)" in out
    assert f"{folder / 'gpus.csv'} has no column" not in out          # the GPU table has them all
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "R2: {2026: 1000}" in t)
    assert (f"warning: {case}:{line}: supply.gpus_per_year.R2 speaks of dies, but GPUs are counted as packages "
            "(2 dies each): divide die counts by 2") in out


def test_in_process_runs_leave_the_sigterm_handler_as_they_found_it(grid_case, tmp_path, monkeypatch):
    import signal

    before = signal.getsignal(signal.SIGTERM)
    assert run_cli(monkeypatch, "run", grid_case, "--out", tmp_path / "run", "--quiet") == 0
    assert signal.getsignal(signal.SIGTERM) is before
