"""Conda environments: Python packages from pip with exactly the pins of pyproject.toml, only non-Python tools
from conda, the CUDA environment at the CPU build's TensorFlow version, and every rule's imports present.

Conda itself cannot run on our machines, so these checks are static, plus one resolution of each pip set
against the package registry (metadata only, nothing installed) where the registry can be reached.
"""

from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[1]
ENVS = sorted((REPO / "envs").glob("*.yaml"))
# What conda may provide: the interpreter, pip, and the non-Python tools.
CONDA_ALLOWED = {"python", "pip", "bedtools", "samtools", "htslib"}
# Top-level import name -> pip distribution (canonical), for the packages the rule scripts use.
IMPORTS = {
    "numpy": "numpy", "pandas": "pandas", "scipy": "scipy", "h5py": "h5py", "pysam": "pysam",
    "deflate": "deflate", "pyBigWig": "pybigwig", "pybedtools": "pybedtools", "sklearn": "scikit-learn",
    "tensorflow": "tensorflow", "keras": "keras", "matplotlib": "matplotlib", "seaborn": "seaborn",
    "statsmodels": "statsmodels", "tqdm": "tqdm", "yaml": "pyyaml",
}  # fmt: skip


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_spec(spec: str) -> tuple[str, str, str]:
    """(canonical name, extras, version) of ``name[extras]==version  # comment``."""
    spec = spec.split("#")[0].strip()
    match = re.fullmatch(r"([A-Za-z0-9_.-]+)(\[[a-z0-9,-]+\])?==([0-9][0-9A-Za-z.]*)", spec)
    assert match, f"{spec!r} is not pinned exactly (name==version)"
    return canonical(match.group(1)), match.group(2) or "", match.group(3)


def project() -> dict:
    return tomllib.loads((REPO / "pyproject.toml").read_text())["project"]


def pip_set(specs: list[str]) -> dict[str, str]:
    """``{canonical name[extras]: version}``."""
    out = {}
    for spec in specs:
        name, extras, version = parse_spec(spec)
        out[name + extras] = version
    return out


def runtime_pins(flavour: str) -> dict[str, str]:
    """What ``pip install .[flavour]`` pins, without snakemake itself (it runs the rules, not inside them)."""
    meta = project()
    pins = pip_set(meta["dependencies"] + meta["optional-dependencies"][flavour])
    pins.pop("snakemake")
    return pins


def env(path: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(conda packages ``{name: version}``, pip packages ``{name[extras]: version}``) of an env file."""
    conda, pip = {}, {}
    for dep in yaml.safe_load(path.read_text())["dependencies"]:
        if isinstance(dep, dict):
            pip.update(pip_set(dep["pip"]))
            continue
        name, _, version = dep.partition("=")
        conda[canonical(name)] = version
    return conda, pip


def test_tensorflow_comes_from_one_of_two_extras_at_one_version():
    meta = project()
    assert not any(parse_spec(s)[0].startswith("tensorflow") for s in meta["dependencies"])
    cpu = pip_set(meta["optional-dependencies"]["cpu"])
    gpu = pip_set(meta["optional-dependencies"]["gpu"])
    assert set(cpu) == {"tensorflow-cpu"} and set(gpu) == {"tensorflow[and-cuda]"}
    assert cpu["tensorflow-cpu"] == gpu["tensorflow[and-cuda]"]


def test_every_env_and_the_training_rules_env_choice():
    assert {p.stem for p in ENVS} == {"data", "plot", "train", "train-gpu"}
    common = (REPO / "workflow" / "rules" / "common.smk").read_text()
    assert re.search(r'"\.\./\.\./envs/train-gpu\.yaml"\s*\n\s*if config\["training"\]\["gpus"\] > 0', common)


@pytest.mark.parametrize("path", ENVS, ids=lambda p: p.name)
def test_env_takes_python_packages_from_pip_with_the_pyproject_pins(path):
    assert yaml.safe_load(path.read_text())["channels"] == ["conda-forge", "bioconda", "nodefaults"]
    conda, pip = env(path)
    assert set(conda) <= CONDA_ALLOWED, f"{path.name}: from conda only {sorted(CONDA_ALLOWED)}"
    assert conda["python"] == "3.11" and conda["pip"]
    for name, version in conda.items():
        assert re.fullmatch(r"\d+(\.\d+)*", version), f"{path.name}: {name} is not pinned exactly"
    pins = runtime_pins("gpu" if path.stem == "train-gpu" else "cpu")
    for name, version in pip.items():
        assert name in pins, f"{path.name}: {name} is not a pip pin of pyproject.toml"
        assert version == pins[name], f"{path.name}: {name}=={version}, pyproject.toml says {pins[name]}"


def test_training_envs_hold_exactly_what_pip_install_gives():
    assert env(REPO / "envs" / "train.yaml")[1] == runtime_pins("cpu")
    assert env(REPO / "envs" / "train-gpu.yaml")[1] == runtime_pins("gpu")


def rule_blocks(text: str) -> list[tuple[str, str]]:
    """(name, body) of every rule and checkpoint in a rules file."""
    parts = re.split(r"^\s*(?:rule|checkpoint) (\w+):", text, flags=re.M)
    return list(zip(parts[1::2], parts[2::2]))


def rule_envs() -> dict[str, tuple[list[Path], str | None]]:
    """``{rule: (env files it may use, script path or None)}`` for every rule that runs code."""
    out = {}
    for smk in sorted((REPO / "workflow" / "rules").glob("*.smk")):
        for name, body in rule_blocks(smk.read_text()):
            if "script:" not in body and "shell:" not in body:
                continue  # pure aggregation: nothing runs
            if re.search(r"conda:\s*\n\s*TRAIN_ENV", body):
                envs = [REPO / "envs" / "train.yaml", REPO / "envs" / "train-gpu.yaml"]
            else:
                match = re.search(r'conda:\s*\n\s*"([^"]+)"', body)
                assert match, f"{smk.name}: rule {name} has no conda: directive"
                envs = [(smk.parent / match.group(1)).resolve()]
            script = re.search(r'script:\s*\n\s*"([^"]+)"', body)
            out[name] = (envs, str((smk.parent / script.group(1)).resolve()) if script else None)
    return out


def test_every_rule_that_runs_code_names_an_existing_env():
    found = rule_envs()
    assert len(found) > 20
    for name, (envs, _) in found.items():
        for path in envs:
            assert path.is_file(), f"rule {name} names {path}, which does not exist"


def module_imports(path: Path) -> set[str]:
    """Top-level names of the third-party packages a file imports anywhere (lazy imports too)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names & set(IMPORTS)


def package_imports(script: Path) -> set[str]:
    """Third-party imports of a rule script and of the package modules it imports at module level."""
    src = REPO / "src"
    seen, todo, found = set(), [script], set()
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        tree = ast.parse(path.read_text())
        top = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        top += [n for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.level == 0
                and path == script]  # a script's own lazy imports count as its imports
        for node in top:
            modules = ([a.name for a in node.names] if isinstance(node, ast.Import)
                       else [node.module] + [f"{node.module}.{a.name}" for a in node.names])
            for module in filter(None, modules):
                if module.split(".")[0] in IMPORTS:
                    found.add(module.split(".")[0])
                elif module.startswith("genomic_tensors"):
                    base = src / Path(*module.split("."))
                    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
                        if candidate.is_file():
                            todo.append(candidate)
    return found


def test_every_rule_env_holds_what_its_script_imports_at_module_level():
    """The script's imports and the module-level imports of the package modules it loads must be in the
    env (the first thing a job does; a missing one fails the job in the first second)."""
    for name, (envs, script) in rule_envs().items():
        if script is None:
            continue
        needed = {IMPORTS[m] for m in package_imports(Path(script))}
        for path in envs:
            have = {n.split("[")[0] for n in env(path)[1]}
            have |= {"tensorflow"} if have & {"tensorflow-cpu", "tensorflow"} else set()
            missing = needed - have
            assert not missing, f"rule {name} ({Path(script).name}) imports {sorted(missing)}, absent from {path.name}"


def _resolve(specs: list[str]) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
           "--only-binary=:all:", "--report", "-", *specs]  # fmt: skip
    return subprocess.run(cmd, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("path", [REPO / "envs" / "train.yaml", REPO / "envs" / "train-gpu.yaml"],
                         ids=lambda p: p.name)
def test_training_env_pip_set_resolves_to_wheels_from_the_registry(path):
    """The whole pip set of the env (the CUDA one too) resolves to binary wheels for this Python: pip's
    dry run reads package metadata only and installs nothing."""
    specs = [f"{name}=={version}" for name, version in env(path)[1].items()]
    result = _resolve(specs)
    if result.returncode != 0 and re.search(r"(?i)connection|network is unreachable|timed out|resolve host",
                                            result.stderr):
        pytest.skip(f"package registry unreachable: {result.stderr.strip().splitlines()[-1]}")
    assert result.returncode == 0, result.stderr[-3000:]
    installed = {canonical(item["metadata"]["name"]): item["metadata"]["version"]
                 for item in json.loads(result.stdout)["install"]}
    for name, version in env(path)[1].items():
        assert installed[name.split("[")[0]] == version
    if path.stem == "train-gpu":
        assert any(name.startswith("nvidia-cudnn") for name in installed), "no cuDNN wheel in the CUDA env"
