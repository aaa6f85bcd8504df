"""Reports: built from the run folder only, numbers match summary.json, self-contained HTML."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from helpers import GAS, GPU, REGION, SITE, row, write_case
from optimizer.pipeline import run_config
from optimizer.report.compare import compare_runs
from optimizer.report.metrics import capacity_table
from optimizer.report.run_data import read_run
from optimizer.report.writer import build_report

ROOT = Path(__file__).resolve().parents[1]
# the build timeline is drawn for every plan of more than one period (this one has two years)
CHARTS = {"schedule", "timeline", "map", "capacity", "firm", "headroom", "gpus", "compute", "capex", "costs",
          "emissions", "dispatch"}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("report")
    sites = [row(SITE, site_id="A", grid_existing_mw=2.0, gas_permit_mw=20.0),
             row(SITE, site_id="B", lat=40.0, lon=-100.0, max_it_mw=8.0, grid_existing_mw=20.0)]
    gpu = row(GPU, price_usd_per_unit=1e6)
    config = {"name": "tiny-report", "description": "Two sites, grid and gas.",
              "horizon": {"first_year": 2026, "last_year": 2027},
              "targets": {"compute_h100e": {2026: 10, 2027: 14}}, "budget": {"capex_usd_per_year": 50e6},
              "time_slices": {"hours_per_slice": 6}}
    path = write_case(folder / "case", config, sites=sites, techs=[GAS], gpus=[gpu])
    outcome = run_config(path, out=folder / "run")
    assert outcome.solution.status == "optimal"
    return outcome.out_dir


def test_run_writes_every_report_file(run_dir):
    assert (run_dir / "report.html").exists() and (run_dir / "report.md").exists()
    sheets = pd.ExcelFile(run_dir / "results.xlsx").sheet_names
    tables = sorted(p.stem for p in (run_dir / "tables").glob("*.csv"))
    assert sorted(sheets) == tables
    assert {f"{c}.png" for c in CHARTS} <= {p.name for p in (run_dir / "report_files").iterdir()}


def test_headline_matches_summary(run_dir):
    summary = json.loads((run_dir / "summary.json").read_text())
    page = (run_dir / "report.html").read_text()
    assert f"${summary['objective_usd'] / 1e6:,.2f} M" in page
    assert f"{summary['compute_h100e']['2027']:,.0f}</b><span>h100e in 2027" in page
    gpus_2027 = sum(v.get("2027", 0) for v in summary["gpus"].values())
    assert f"{gpus_2027:,.0f}</b><span>GPUs (packages) in 2027" in page
    assert "compute target 2026: <b class='ok'>met" in page and "compute target 2027: <b class='ok'>met" in page
    assert set(re.findall(r"data-chart='(\w+)'", page)) == CHARTS
    markdown = (run_dir / "report.md").read_text()
    assert f"**net present cost, USD (discounted, 2026–2027)**: ${summary['objective_usd'] / 1e6:,.2f} M" in markdown
    assert all(f"(report_files/{c}.png)" in markdown for c in CHARTS)


def test_html_has_no_external_reference(run_dir):
    page = (run_dir / "report.html").read_text()
    for attr in re.findall(r"""(?:src|href)\s*=\s*['"]([^'"]*)['"]""", page):
        assert attr.startswith("data:"), attr
    assert "http://" not in page and "https://" not in page
    assert "kind: forbid" not in page  # the config section is this run's own config
    assert "horizon:" in page


def test_report_rebuilds_from_the_folder_alone(run_dir, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(run_dir, copy)
    for name in ("report.html", "report.md", "results.xlsx"):
        (copy / name).unlink()
    paths = build_report(copy)
    assert paths["html"].read_text() == (run_dir / "report.html").read_text()


def test_report_code_does_not_import_pyomo():
    for path in (ROOT / "optimizer" / "report").glob("*.py"):
        assert "pyomo" not in path.read_text(), path


def test_compare_two_runs(run_dir, tmp_path):
    paths = compare_runs([run_dir, run_dir], tmp_path / "cmp")
    page = paths["html"].read_text()
    assert "tiny-report (2)" in page and "net present cost, $B" in page and "MW gas, final year" in page
    assert (tmp_path / "cmp" / "compare.png").exists()


def test_browser_renders_the_report(run_dir, tmp_path, chromium):
    """Headless Chromium opens report.html: the page renders, every chart image loads, no console error."""
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}", "--enable-logging=stderr", "--v=0"]
    url = (run_dir / "report.html").as_uri()
    dom = subprocess.run([chromium, *flags, "--virtual-time-budget=5000", "--dump-dom", url],
                         capture_output=True, text=True, timeout=120)
    assert f'data-charts-loaded="{len(CHARTS)}"' in dom.stdout
    assert "Uncaught" not in dom.stderr and ":CONSOLE(" not in dom.stderr
    shot = tmp_path / "shot.png"
    subprocess.run([chromium, *flags, "--window-size=1100,2400", f"--screenshot={shot}", url],
                   capture_output=True, text=True, timeout=120)
    import matplotlib.image as mpimg

    pixels = mpimg.imread(shot)
    assert pixels.shape[0] == 2400
    assert pixels.std() > 0.05            # not a blank page
    assert (pixels[..., :3].sum(axis=2) < 2.0).mean() > 0.02   # enough dark ink: text and charts


def test_megawatts_show_the_grid_contracted_and_its_peak_import(tmp_path):
    """4 GPU units of 1 MW (PUE 1) need 4 MW firm; the grid counts for half its contract (firm fraction
    0.5) and nothing else is firm, so the contract is 8 MW (the demand charge keeps it no larger) while
    the campus imports 4 MW at most."""
    region = row(REGION, grid_firm_fraction=0.5, demand_charge_usd_per_kw_month=1.0)
    config = {"targets": {"compute_h100e": {2026: 4}}}
    path = write_case(tmp_path / "case", config, sites=[row(SITE, grid_existing_mw=20.0)], regions=[region])
    outcome = run_config(path, out=tmp_path / "run")
    assert outcome.solution.status == "optimal"
    table = capacity_table(read_run(outcome.out_dir))
    assert table.loc["grid contracted", "2026"] == pytest.approx(8.0)
    assert table.loc["grid peak import", "2026"] == pytest.approx(4.0)
    assert "| grid contracted | 8 |" in (outcome.out_dir / "report.md").read_text()
