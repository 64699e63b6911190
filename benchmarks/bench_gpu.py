"""Training speed of DeepSEA and DanQ at the paper's full size on a GPU, through the workflow's input path.

Run by hand (not a test) on a machine with an NVIDIA GPU and the CUDA build (``make setup GPU=1``)::

    .venv/bin/python benchmarks/bench_gpu.py                                # float32
    .venv/bin/python benchmarks/bench_gpu.py --precision mixed_float16 mixed_bfloat16
    .venv/bin/python benchmarks/bench_gpu.py --smoke                        # tiny, on the CPU, < 1 min

What it measures, in one run on a synthetic genome (nothing downloaded):

- the models of case 2 at the paper's width: 2,000-bp windows, one-hot order 3 done on the device from
  int32 k-mer codes, both strands, 919 sigmoid outputs, batch 128, the paper's optimizer;
- trained by :func:`genomic_tensors.training.fit` on the rule's inputs: sequence codes written and read
  back by the sequence rule's code (:func:`genomic_tensors.cases.deepsea.data.write_sequence`), sparse
  919-feature labels as the labels rule stores them (a sparse ``Cover``), streamed by ``BatchStream`` with ``--workers``
  fetch threads; the job's device set-up is :func:`genomic_tensors.devices.prepare`;
- per model: samples per second over ``--steps`` timed batches after a warm-up epoch of the same length
  (median of ``--repeats`` epochs), the input pipeline's samples per second measured alone (the same
  stream and threads, no model), peak GPU memory (peak RSS on the CPU), device, precision and XLA
  compilation, and the ratio to the speed the original reported for DanQ (about 200 samples/s).

The target is at least 2,000 samples/s for DanQ at 2,000 bp, order 3 on one current data-centre GPU.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import scipy.sparse as sp  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_data import write_random_fasta  # noqa: E402
from genomic_tensors import devices  # noqa: E402
from genomic_tensors.cases.deepsea.data import load_labels, load_sequence, write_sequence  # noqa: E402
from genomic_tensors.cases.deepsea.grid import RunSpec  # noqa: E402
from genomic_tensors.cases.deepsea.train import build_model  # noqa: E402
from genomic_tensors.coverage import Cover  # noqa: E402
from genomic_tensors.training import BatchStream, fit  # noqa: E402

# The original's reported DanQ training speed, the reference of the ratio column.
ORIGINAL_SAMPLES_PER_S = 200.0
CORE = 200  # bp: DeepSEA's bins
FEATURES = 919


@dataclass(frozen=True)
class Size:
    window: int
    order: int
    batch: int
    steps: int
    width: float  # layer widths relative to the paper's (1 = full)
    density: float = 0.02  # fraction of positive labels


FULL = Size(window=2000, order=3, batch=128, steps=100, width=1.0)
SMOKE = Size(window=500, order=3, batch=16, steps=3, width=0.02)


@dataclass(frozen=True)
class Row:
    model: str
    device: str
    precision: str
    xla: str
    samples_per_s: float
    pipeline_per_s: float
    peak_memory: str

    @property
    def ratio(self) -> float:
        return self.samples_per_s / ORIGINAL_SAMPLES_PER_S


# --------------------------------------------------------------------------------------- the inputs
def make_inputs(folder: Path, size: Size, seed: int = 0):
    """Sequence codes and sparse labels of ``size.steps * size.batch`` windows, as the rules write them."""
    n = size.steps * size.batch
    flank = (size.window - CORE) // 2
    fasta = write_random_fasta(folder, length=n * CORE + 2 * flank + 1000, seed=seed)
    starts = flank + CORE * np.arange(n, dtype=np.int64)
    regions = folder / "regions.bed"
    pd.DataFrame({"chrom": "chrS", "start": starts, "end": starts + CORE}).to_csv(
        regions, sep="\t", header=False, index=False
    )
    codes_file = folder / "sequence.npz"
    write_sequence(fasta, regions, codes_file, window=size.window, order=size.order)
    rng = np.random.default_rng(seed)
    matrix = sp.random(n, FEATURES, density=size.density, format="csr", dtype=np.uint8, rng=rng)
    matrix.data[:] = 1
    labels_file = folder / "labels.npz"
    names = [f"f{i}" for i in range(FEATURES)]
    Cover.from_array(matrix.toarray(), regions, conditions=names, storage="sparse").save(labels_file)
    return load_sequence(codes_file).codes, load_labels(labels_file)


def pipeline_rate(x, y, size: Size, workers: int, passes: int = 2) -> float:
    """Samples per second that the training stream delivers alone (shuffled, ``workers`` threads)."""
    stream = BatchStream(x, y, batch_size=size.batch, shuffle=True, seed=1, flatten_targets=True)
    with ThreadPoolExecutor(max(1, workers)) as pool:
        t0 = time.perf_counter()
        for _ in range(passes):
            stream.on_epoch_begin()
            for _batch in pool.map(stream.__getitem__, range(len(stream))):
                pass
            stream.on_epoch_end()
        seconds = time.perf_counter() - t0
    return passes * len(stream) * size.batch / seconds


# ------------------------------------------------------------------------------------------ training
def peak_memory_reset(device: str) -> None:
    if device.startswith("GPU"):
        import tensorflow as tf

        tf.config.experimental.reset_memory_stats(device)


def peak_memory(device: str) -> str:
    if device.startswith("GPU"):
        import tensorflow as tf

        return f"{tf.config.experimental.get_memory_info(device)['peak'] / 2**30:.1f} GiB GPU"
    return f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20:.1f} GiB RSS"


def train_rate(model: str, x, y, size: Size, options: devices.RunOptions, workers: int, repeats: int):
    """(samples per second, effective XLA) of ``model``: median of ``repeats`` epochs after a warm-up."""
    spec = RunSpec(model, size.window, size.order, "both")
    factory = partial(build_model, spec, FEATURES, width=size.width)
    result = fit(
        factory, (x, y), epochs=1 + repeats, batch_size=size.batch, patience=1 + repeats, seed=1,
        workers=workers, **options.fit_kwargs(),
    )  # fmt: skip
    seconds = result.history["seconds"].to_numpy()[1:]
    return size.steps * size.batch / statistics.median(seconds), result.model.jit_compile


def run(size: Size, models: list[str], precisions: list[str], jit: str, workers: int, repeats: int):
    build = devices.inspect_tensorflow()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        x, y = make_inputs(Path(tmp), size)
        pipeline = pipeline_rate(x, y, size, workers)
        for precision in precisions:
            settings = devices.ComputeSettings(
                gpus=1 if build.gpus else 0, precision=precision,
                jit_compile=jit if jit == "auto" else jit == "true",
            )  # fmt: skip
            options = devices.prepare(settings)
            for model in models:
                peak_memory_reset(options.device)
                rate, xla = train_rate(model, x, y, size, options, workers, repeats)
                name = build.gpus[0].split(" ", 1)[1] if options.device != "CPU" else "CPU"
                rows.append(Row(model, name, precision, "on" if xla else "off", rate, pipeline,
                                peak_memory(options.device)))
    return build, rows


def table(rows: list[Row]) -> str:
    head = (f"{'model':<8} {'device':<22} {'precision':<15} {'XLA':<4} {'samples/s':>10} "
            f"{'pipeline/s':>11} {'x original':>10}  peak memory")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(
            f"{r.model:<8} {r.device[:22]:<22} {r.precision:<15} {r.xla:<4} {r.samples_per_s:>10.1f} "
            f"{r.pipeline_per_s:>11.0f} {r.ratio:>10.2f}  {r.peak_memory}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> list[Row]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="a tiny version on the CPU (< 1 min)")
    parser.add_argument("--models", nargs="+", default=["deepsea", "danq"], choices=["deepsea", "danq"])
    parser.add_argument("--precision", nargs="+", default=["float32"], choices=devices.PRECISIONS)
    parser.add_argument("--jit", default="auto", choices=["auto", "true", "false"],
                        help="XLA compilation (auto: Keras' choice)")
    parser.add_argument("--steps", type=int, help="timed batches per epoch (default 100; smoke 3)")
    parser.add_argument("--repeats", type=int, default=3, help="timed epochs (median reported)")
    parser.add_argument("--workers", type=int, default=8, help="BatchStream fetch threads")
    parser.add_argument("--pipeline-only", action="store_true",
                        help="measure the input pipeline alone (no model): the rate a GPU can be fed at")
    args = parser.parse_args(argv)
    size = SMOKE if args.smoke else FULL
    if args.steps:
        size = Size(size.window, size.order, size.batch, args.steps, size.width)
    repeats = 1 if args.smoke else args.repeats
    if args.pipeline_only:
        with tempfile.TemporaryDirectory() as tmp:
            x, y = make_inputs(Path(tmp), size)
            for workers in sorted({1, 2, args.workers}):
                print(f"input pipeline, {size.window} bp order {size.order}, batch {size.batch}, {workers} "
                      f"thread(s): {pipeline_rate(x, y, size, workers):,.0f} samples/s")
        return []
    if args.smoke:
        import tensorflow as tf

        tf.config.set_visible_devices([], "GPU")
    t0 = time.perf_counter()
    build, rows = run(size, args.models, args.precision, args.jit, args.workers, repeats)
    print(f"{build.describe()}; GPUs: {', '.join(build.gpus) or 'none'}")
    print(f"{size.window} bp, order {size.order}, batch {size.batch}, {FEATURES} outputs, width "
          f"{size.width:g} of the paper's, {size.steps} timed batches x {repeats} epoch(s) after a warm-up, "
          f"{args.workers} fetch threads{' (smoke)' if args.smoke else ''}")
    print(table(rows))
    print(f"x original: samples/s / {ORIGINAL_SAMPLES_PER_S:.0f} (the original's DanQ); target: DanQ at "
          f"2,000 bp order 3 >= 2,000 samples/s on one data-centre GPU; {time.perf_counter() - t0:.0f} s")
    return rows


if __name__ == "__main__":
    main()
