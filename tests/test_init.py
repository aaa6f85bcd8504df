"""siting init: a starter config that validates and solves to a proven optimum; never overwrites."""

from __future__ import annotations

import json

from helpers import siting


def test_init_validate_run(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "cfg"
    assert siting(monkeypatch, "init", "demo", "--folder", folder, "--yes") == 0
    config = folder / "demo.yaml"
    assert config.exists() and (folder / "constraints" / "demo.yaml").exists()
    text = config.read_text()
    assert "# demo: a starter config written by `siting init`" in text and "kind: only_sites" in text
    assert siting(monkeypatch, "validate", config) == 0
    assert siting(monkeypatch, "run", config, "--out", tmp_path / "run", "--quiet") == 0
    summary = json.loads((tmp_path / "run" / "summary.json").read_text())
    assert summary["status"] == "optimal" and summary["mip_gap"] <= 0.001
    assert summary["targets_met"] == {"2027": True}


def test_init_asks_with_defaults(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.stdin", __import__("io").StringIO("2027\n20000\nmemphis\n"))
    assert siting(monkeypatch, "init", "asked", "--folder", tmp_path) == 0
    text = (tmp_path / "asked.yaml").read_text()
    assert "first_year: 2027" in text and "2028: 20000" in text and "site: [memphis]" in text


def test_init_never_overwrites(tmp_path, monkeypatch, capsys):
    assert siting(monkeypatch, "init", "demo", "--folder", tmp_path, "--yes") == 0
    before = (tmp_path / "demo.yaml").read_text()
    assert siting(monkeypatch, "init", "demo", "--folder", tmp_path, "--yes") == 2
    assert "already exists" in capsys.readouterr().err
    assert (tmp_path / "demo.yaml").read_text() == before
    assert siting(monkeypatch, "init", "../bad name", "--folder", tmp_path, "--yes") == 2
