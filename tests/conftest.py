"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
# Real public data beside the checkout (CI has it; a user's clone does not).
SHARED_DATA = Path(os.environ.get("GT_SHARED_DATA", REPO.parent / "shared" / "data"))

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def repo() -> Path:
    """The repository root."""
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data``; tests using it skip cleanly when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"real test data not found at {SHARED_DATA}")
    return SHARED_DATA


# --- End-to-end runs of the workflow on the demo world -------------------------------------------------
# One working directory per test session layout, reused across runs: Snakemake only builds what is missing,
# so the three case studies' tests share one demo run. Set GT_DEMO_DIR to keep it elsewhere.
DEMO_DIR = Path(os.environ.get("GT_DEMO_DIR", REPO / ".test-cache" / "demo"))


def run_workflow(
    targets: list[str],
    *,
    configfile: Path | str = REPO / "config" / "demo.yaml",
    workdir: Path = DEMO_DIR,
    extra: list[str] | None = None,
    timeout: int = 3600,
):
    """Run the repository's workflow for ``targets`` in ``workdir``; fail the test with the log tail."""
    import subprocess
    import sys

    workdir.mkdir(parents=True, exist_ok=True)
    cmd = [
        str(Path(sys.executable).parent / "snakemake"),
        "--snakefile", str(REPO / "workflow" / "Snakefile"),
        "--configfile", str(configfile),
        "--directory", str(workdir),
        "--cores", str(os.cpu_count() or 2),
        "--rerun-triggers", "mtime", "input", "params",
        "--show-failed-logs",
        *(extra or []),
        *targets,
    ]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONUNBUFFERED="1")
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    if result.returncode != 0:
        pytest.fail(
            f"snakemake failed ({result.returncode}) for {targets}:\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-8000:]}"
        )
    return workdir


@pytest.fixture(scope="session")
def demo_workflow():
    """A callable ``run(targets) -> workdir`` building demo-config targets in the shared demo directory."""
    return run_workflow
