"""Ready for the Snakemake workflow catalog: a LICENSE, .snakemake-workflow-catalog.yml, config/README.md
describing every config key from the schema, and the workflow usable as a Snakemake module.

config/README.md is generated from workflow/schemas/config.schema.yaml; after changing the schema run
``.venv/bin/python tests/test_catalog.py`` (or ``make config-readme``) to write it again.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
SCHEMA = REPO / "workflow" / "schemas" / "config.schema.yaml"
CONFIG_README = REPO / "config" / "README.md"

HEADER = """# Configuration

The workflow reads one YAML file: `config/config.yaml` (the paper: real sources, full grids, GPUs) unless
`--configfile` names another; `config/demo.yaml` is the synthetic demo world (`make demo`). Both are
validated against `workflow/schemas/config.schema.yaml` when the workflow starts: a misspelt key or a value
of the wrong type stops it with a message naming the key, and the defaults below fill what a file leaves
out. To run your own data, copy one of the two files and change `sources`, `genomes` and the case sections
(see "Your own data" in the top-level README).

Every key, drawn from the schema (this page is generated from it; `tests/test_catalog.py` keeps the two in
step):
"""


def _resolve(node: dict, root: dict) -> dict:
    ref = node.get("$ref")
    if ref and ref.startswith("#/definitions/"):
        merged = dict(root["definitions"][ref.split("/")[-1]])
        merged.update({k: v for k, v in node.items() if k != "$ref"})
        return merged
    return node


def _type(node: dict) -> str:
    if "enum" in node:
        return "one of " + ", ".join(f"`{json.dumps(v) if not isinstance(v, str) else v}`" for v in node["enum"])
    kind = node.get("type", "")
    if kind == "array" and isinstance(node.get("items"), dict):
        items = node["items"]
        inner = _type(items) if "enum" in items else items.get("type", "value")
        return f"list of {inner}"
    return str(kind) or "value"


def _cell(text: str) -> str:
    return " ".join(str(text).split()).replace("|", "\\|")


def rows(node: dict, root: dict, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(key path, type, default, description) of every property, depth first."""
    out = []
    for name, child in node.get("properties", {}).items():
        child = _resolve(child, root)
        key = f"{prefix}{name}"
        default = f"`{json.dumps(child['default'])}`" if "default" in child else ""
        out.append((key, _type(child), default, child.get("description", "")))
        out += rows(child, root, f"{key}.")
        extra = child.get("additionalProperties")
        if isinstance(extra, dict) and extra.get("properties"):
            out += rows(extra, root, f"{key}.<name>.")
    return out


def render() -> str:
    schema = yaml.safe_load(SCHEMA.read_text())
    lines = [HEADER]
    sections: dict[str, list] = {"general": []}
    entries = rows(schema, schema)
    nested = {key.split(".")[0] for key, *_ in entries if "." in key}
    for key, kind, default, description in entries:
        top = key.split(".")[0]
        sections.setdefault(top if top in nested else "general", []).append(
            (key, kind, default, description)
        )
    for section, entries in sections.items():
        lines.append("\n## General\n" if section == "general" else f"\n## `{section}`\n")
        lines.append("| key | type | default | description |")
        lines.append("|---|---|---|---|")
        lines += [f"| `{k}` | {_cell(t)} | {_cell(d)} | {_cell(s)} |" for k, t, d, s in entries]
    return "\n".join(lines) + "\n"


def test_config_readme_describes_every_schema_key():
    schema = yaml.safe_load(SCHEMA.read_text())
    keys = [key for key, *_ in rows(schema, schema)]
    assert {"training.gpus", "training.precision", "jund.dna.orders", "deepsea.regions.test",
            "cage.folds"} <= set(keys)
    text = CONFIG_README.read_text()
    missing = [key for key in keys if f"`{key}`" not in text]
    assert not missing, f"config/README.md lacks {missing[:5]}: run `.venv/bin/python tests/test_catalog.py`"
    assert text == render(), "config/README.md is out of date: run `.venv/bin/python tests/test_catalog.py`"


def test_catalog_files():
    catalog = yaml.safe_load((REPO / ".snakemake-workflow-catalog.yml").read_text())
    assert catalog["usage"]["software-stack-deployment"]["conda"] is True
    assert catalog["usage"]["report"] is True
    assert "config/demo.yaml" in catalog["usage"]["mandatory-flags"]["flags"]
    project = (REPO / "pyproject.toml").read_text()
    assert 'license = { text = "MIT" }' in project
    assert (REPO / "LICENSE").read_text().startswith("MIT License")


@pytest.mark.slow
def test_the_workflow_runs_as_a_snakemake_module_from_another_folder(tmp_path):
    (tmp_path / "config.yaml").write_text((REPO / "config" / "demo.yaml").read_text())
    (tmp_path / "Snakefile").write_text(
        'configfile: "config.yaml"\n\n\n'
        "module janggu:\n"
        f'    snakefile:\n        "{REPO / "workflow" / "Snakefile"}"\n'
        "    config:\n        config\n\n\n"
        "use rule * from janggu as janggu_*\n"
    )
    result = subprocess.run(
        [str(Path(sys.executable).parent / "snakemake"), "-n", "--quiet", "rules", "--cores", "1"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    for rule in ("janggu_demo_world", "janggu_jund_train", "janggu_deepsea_train", "janggu_cage_train",
                 "janggu_summary_paper_vs_reproduction"):
        assert rule in result.stdout, rule
    assert not (tmp_path / "results").exists(), "a dry run writes nothing"


if __name__ == "__main__":
    CONFIG_README.write_text(render())
    print(f"wrote {CONFIG_README}")
