"""The shape of the code that the next person carries on: one registry of the cases, a Snakefile that
parses without the heavy libraries, paths only in the rules, and modules and functions of readable size.
docs/architecture.md is the map; these tests keep the tree and the map in step."""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

from genomic_tensors.cases import CASES, case_module

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "genomic_tensors"
MAX_MODULE_LINES = 700
MAX_FUNCTION_BODY = 80


def package_modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def function_bodies(path: Path):
    """(name, first line, body length) of every function; the body starts after the docstring."""
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            first = body[0]
            if (
                len(body) > 1
                and isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
                and isinstance(first.value.value, str)
            ):
                first = body[1]
            yield node.name, node.lineno, node.end_lineno - first.lineno + 1


def test_the_schema_and_the_configs_name_the_registered_cases():
    schema = yaml.safe_load((REPO / "workflow" / "schemas" / "config.schema.yaml").read_text())
    cases = schema["properties"]["cases"]
    assert cases["items"]["enum"] == list(CASES)
    assert cases["default"] == list(CASES)
    for name in ("config.yaml", "demo.yaml"):
        config = yaml.safe_load((REPO / "config" / name).read_text())
        assert [case for case in CASES if case in config] == list(CASES), name
    for case, entry in CASES.items():
        section = schema["properties"][case]["properties"]
        for key in entry.sources:
            assert key in section, f"registry: {case}.{key} is not a key of the schema"
        for dotted in entry.splits:
            node = schema["properties"][case]
            for key in dotted.split("."):
                assert key in node["properties"], f"registry: {case}.{dotted} is not in the schema"
                node = node["properties"][key]


def test_the_demo_world_serves_every_registered_case():
    # Every source a registered case reads in the demo config is a file of the world, in the case's folder.
    config = yaml.safe_load((REPO / "config" / "demo.yaml").read_text())
    common = (REPO / "workflow" / "rules" / "common.smk").read_text()
    for case, entry in CASES.items():
        ids = []
        for key in entry.sources:
            value = config[case].get(key)
            ids += list(value.values()) if isinstance(value, dict) else [value] if value else []
        assert ids, case
        for sid in ids:
            url = config["sources"][sid]["url"]
            assert url.startswith(f"results/demo/world/{case}/"), (case, sid, url)
            assert f'"{url.removeprefix("results/demo/world/")}"' in common, f"{url} is not in WORLD_FILES"


def test_every_case_has_its_claims_and_rule_file():
    for case in CASES:
        claims = case_module(case, "claims")
        assert claims.CLAIMS and callable(claims.claims), case
        rows = claims.claims(None)
        assert len(rows) == len(claims.CLAIMS) and all(row.holds is None for row in rows)
        assert (REPO / "workflow" / "rules" / f"{case}.smk").is_file(), case


def test_parsing_the_snakefile_imports_neither_pysam_nor_tensorflow(tmp_path):
    # -X importtime lists every module the process imports; a dry run parses the Snakefile and plans.
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    run = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "snakemake", "-n", "--quiet", "rules",
         "--snakefile", str(REPO / "workflow" / "Snakefile"),
         "--configfile", str(REPO / "config" / "demo.yaml"), "--directory", str(tmp_path)],
        capture_output=True, text=True, timeout=300, env=env,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    imported = {line.rsplit("|", 1)[-1].strip() for line in run.stderr.splitlines()
                if line.startswith("import time:")}
    assert "genomic_tensors.cases" in imported  # the measurement sees the package's imports
    heavy = sorted(m for m in imported if m.split(".")[0] in {"pysam", "tensorflow", "keras", "pyBigWig"})
    assert heavy == []


def test_modules_and_functions_stay_readable():
    too_long = [f"{p.relative_to(REPO)}: {n} lines" for p in package_modules()
                if (n := len(p.read_text().splitlines())) > MAX_MODULE_LINES]
    assert too_long == [], f"modules over {MAX_MODULE_LINES} lines"
    long_functions = [f"{p.relative_to(REPO)}:{line} {name} ({length} lines)"
                      for p in package_modules() for name, line, length in function_bodies(p)
                      if length > MAX_FUNCTION_BODY]
    assert long_functions == [], f"function bodies over {MAX_FUNCTION_BODY} lines"


def test_output_paths_live_in_the_rules_not_in_the_package():
    hits = [f"{p.relative_to(REPO)}:{i}" for p in package_modules()
            for i, line in enumerate(p.read_text().splitlines(), 1) if "results/" in line]
    assert hits == []


def test_the_architecture_map_names_every_module_and_rule_file():
    text = (REPO / "docs" / "architecture.md").read_text()
    named = set(re.findall(r"[A-Za-z_][A-Za-z0-9_/]*\.(?:py|smk)", text))
    missing = [str(p.relative_to(PACKAGE)) for p in package_modules()
               if p.name != "__init__.py" and str(p.relative_to(PACKAGE)) not in named]
    missing += [f"rules/{p.name}" for p in sorted((REPO / "workflow" / "rules").glob("*.smk"))
                if f"rules/{p.name}" not in named]
    assert missing == [], "docs/architecture.md does not name these files"
    stale = [name for name in named if name.endswith(".py") and "/" in name and not name.startswith("rules/")
             and not (PACKAGE / name).is_file() and not (REPO / name).is_file()]
    assert stale == [], "docs/architecture.md names files that do not exist"
