"""The config shown in configs/README.md is valid; docs/data.md matches the column declarations."""

from __future__ import annotations

import re
from pathlib import Path

from optimizer.inputs.load import load_all

CONFIGS = Path(__file__).resolve().parents[2] / "configs"


def test_readme_config_example_validates(tmp_path):
    text = (CONFIGS / "README.md").read_text()
    block = re.search(r"```yaml\n(.*?)```", text, re.S).group(1)
    block = block.replace("extends: example.yaml", f"extends: {CONFIGS / 'example.yaml'}")
    block = block.replace("../data/", f"{CONFIGS.parent / 'data'}/")
    block = block.replace("- constraints/", f"- {CONFIGS / 'constraints'}/")
    path = tmp_path / "readme_example.yaml"
    path.write_text(block)
    loaded, inputs = load_all(path)
    assert inputs.years == [2026, 2027, 2028, 2029, 2030, 2031]
    assert [c.kind for c in loaded.config.constraints] == ["tech_capacity", "forbid_tech"]


def test_data_reference_is_current():
    """docs/data.md is written from the column declarations: rerun `python -m optimizer.inputs.columns`."""
    from optimizer.inputs.columns import data_reference

    assert (CONFIGS.parent / "docs" / "data.md").read_text() == data_reference()
