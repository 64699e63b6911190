"""benchmarks/bench_gpu.py --smoke: the GPU benchmark's whole path (rule inputs, stream, fit, table) in a
tiny version on the CPU, so that the script a GPU session runs is known to work."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
ROW = re.compile(
    r"^(deepsea|danq)\s+CPU\s+(float32|mixed_bfloat16)\s+(on|off)\s+([\d.]+)\s+(\d+)\s+([\d.]+)\s+([\d.]+) GiB RSS$",
    re.M,
)


def smoke(*args: str) -> str:
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run(
        [sys.executable, str(REPO / "benchmarks" / "bench_gpu.py"), "--smoke", *args],
        capture_output=True, text=True, env=env, timeout=300,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_smoke_run_reports_both_models_with_speed_pipeline_ratio_and_memory():
    out = smoke("--precision", "float32", "mixed_bfloat16")
    assert "CPU-only build" in out and "500 bp, order 3, batch 16, 919 outputs" in out
    rows = ROW.findall(out)
    assert {(r[0], r[1]) for r in rows} == {(m, p) for m in ("deepsea", "danq")
                                           for p in ("float32", "mixed_bfloat16")}
    for model, _, _, rate, pipeline, ratio, memory in rows:
        assert float(rate) > 0 and int(pipeline) > 0 and float(memory) > 0
        assert abs(float(ratio) - float(rate) / 200) < 0.01, model
    assert "target: DanQ at 2,000 bp order 3 >= 2,000 samples/s" in out


def test_pipeline_only_measures_the_stream_alone():
    out = smoke("--pipeline-only", "--workers", "2")
    rates = re.findall(r"input pipeline, 500 bp order 3, batch 16, (\d) thread\(s\): ([\d,]+) samples/s", out)
    assert [w for w, _ in rates] == ["1", "2"]
    assert all(int(r.replace(",", "")) > 0 for _, r in rates)
