"""Does the streaming input pipeline slow training down? DanQ input (2000 bp, order 3), CPU.

Run by hand (not a test)::

    .venv/bin/python benchmarks/bench_training.py
    .venv/bin/python benchmarks/bench_training.py --windows 1024 --batch 64 --epochs 3

What it measures, in one run on a synthetic genome (nothing downloaded):

1. the pipeline alone: batches per second that :class:`genomic_tensors.training.BatchStream` delivers
   from a :class:`genomic_tensors.sequence.Bioseq` (one-hot expanded per batch from 1 byte per base),
   from its int32 k-mer codes, and from the same one-hot materialised as an in-memory numpy array;
2. training: seconds per batch of a reduced-width DanQ (same 2000-bp order-3 input, 919 outputs) fed
   (a) by BatchStream over the Bioseq, (b) by Keras from the in-memory numpy array (the baseline),
   (c) by BatchStream over the k-mer codes with the one-hot done on the device (``input_codes=True``);
   overhead = (a or c) / (b) - 1 (target: at most 10%);
3. memory: bytes held by each input form, and the process's peak RSS after the streaming warm-ups and
   after the in-memory baseline (streaming runs first, so the materialised array shows only there).

Timed epochs are interleaved across the three forms and the best epoch of each is reported, in wall and
in process CPU seconds (the latter is robust to other processes sharing the cores).
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from bench_data import write_random_fasta  # noqa: E402  (this folder is on sys.path)
from genomic_tensors import models  # noqa: E402
from genomic_tensors.training import BatchStream, paper_optimizer, seed_everything  # noqa: E402

WINDOW, ORDER, CORE = 2000, 3, 200


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB


def _pipeline_rate(stream: BatchStream, passes: int = 2) -> float:
    """Batches per second of fetching alone (no model)."""
    n = 0
    t0 = time.perf_counter()
    for _ in range(passes):
        stream.on_epoch_begin()
        for i in range(len(stream)):
            stream[i]
            n += 1
        stream.on_epoch_end()
    return n / (time.perf_counter() - t0)


def _danq(width: float, input_codes: bool) -> keras.Model:
    return models.danq(
        WINDOW, ORDER, n_outputs=919, filters=max(8, int(320 * width)), lstm_units=max(4, int(320 * width)),
        dense_units=max(8, int(925 * width)), input_codes=input_codes,
    )


def _compile(model: keras.Model) -> keras.Model:
    model.compile(optimizer=paper_optimizer(), loss="binary_crossentropy")
    return model


def _fit_epoch(model: keras.Model, data, y, batch: int) -> tuple[float, float]:
    """One training epoch: (wall seconds, process CPU seconds)."""
    kwargs = {} if isinstance(data, BatchStream) else {"y": y, "batch_size": batch, "shuffle": True}
    w0, c0 = time.perf_counter(), time.process_time()
    model.fit(data, epochs=1, verbose=0, **kwargs)
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=int, default=256, help="training windows (200-bp cores)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--epochs", type=int, default=3, help="timed epochs per input form, after a warm-up")
    parser.add_argument("--width", type=float, default=0.1, help="DanQ width factor (1 = the paper's)")
    parser.add_argument("--workers", type=int, default=1, help="BatchStream fetch threads")
    args = parser.parse_args()

    from genomic_tensors.sequence import Bioseq

    seed_everything(0, deterministic=False)
    rng = np.random.default_rng(0)
    n = args.windows
    with tempfile.TemporaryDirectory() as tmp:
        length = n * CORE + 2 * WINDOW
        fasta = write_random_fasta(Path(tmp), length, n_fraction=0.0)
        roi = pd.DataFrame({"chrom": ["chrS"], "start": [WINDOW], "end": [WINDOW + n * CORE], "strand": ["+"]})
        t0 = time.perf_counter()
        seq = Bioseq.from_fasta(fasta, roi, binsize=CORE, flank=(WINDOW - CORE) // 2, order=ORDER)
        build_s = time.perf_counter() - t0
    assert len(seq) == n and seq.sample_shape == (WINDOW - ORDER + 1, 4**ORDER), seq.sample_shape
    y = (rng.random((n, 919)) < 0.05).astype(np.float32)
    rss0 = _peak_rss_mb()
    print(f"DanQ input: {WINDOW} bp, order {ORDER} -> {seq.sample_shape}; {n} windows, batch "
          f"{args.batch}, width x{args.width:g}; Bioseq built in {build_s:.2f} s; "
          f"{os.cpu_count()} CPUs")

    stream = BatchStream(seq, y, batch_size=args.batch, shuffle=True, seed=0, workers=args.workers)
    codes_stream = BatchStream(seq.codes, y, batch_size=args.batch, shuffle=True, seed=0,
                               workers=args.workers)
    rate_stream = _pipeline_rate(stream)
    rate_codes = _pipeline_rate(codes_stream)
    n_batches = len(stream)

    # warm-up epochs (tracing, thread pools); streaming first so that its peak memory is seen alone
    runs = {
        "a": (_compile(_danq(args.width, False)), stream),
        "c": (_compile(_danq(args.width, True)), codes_stream),
    }
    for model, data in runs.values():
        _fit_epoch(model, data, y, args.batch)
    rss_stream = _peak_rss_mb()
    x = seq[np.arange(n)]  # the baseline: the whole one-hot in memory
    numpy_stream = BatchStream(x, y, batch_size=args.batch, shuffle=True, seed=0)
    rate_numpy = _pipeline_rate(numpy_stream)
    runs["b"] = (_compile(_danq(args.width, False)), x)
    _fit_epoch(*runs["b"], y, args.batch)
    rss_numpy = _peak_rss_mb()

    # timed epochs, interleaved (b, a, c, b, a, c, ...) so that load from other processes hits all alike
    times: dict[str, list[tuple[float, float]]] = {k: [] for k in runs}
    for _ in range(args.epochs):
        for key in ("b", "a", "c"):
            model, data = runs[key]
            times[key].append(_fit_epoch(model, data, y, args.batch))
    wall = {k: min(t[0] for t in v) / n_batches for k, v in times.items()}
    cpu = {k: min(t[1] for t in v) / n_batches for k, v in times.items()}

    print("\n1. pipeline alone (no model), batches per second")
    print(f"   BatchStream(Bioseq one-hot)      {rate_stream:9.1f}")
    print(f"   BatchStream(Bioseq k-mer codes)  {rate_codes:9.1f}")
    print(f"   BatchStream(numpy in memory)     {rate_numpy:9.1f}")
    print(f"\n2. training, per batch (best of {args.epochs} epochs of {n_batches} batches, interleaved)")
    print("                                      wall s  batch/s   CPU s   overhead wall / CPU")
    labels = {"b": "(b) numpy in memory, keras fit", "a": "(a) BatchStream(Bioseq one-hot)",
              "c": "(c) BatchStream(codes)+OneHot"}
    for key in ("b", "a", "c"):
        extra = ("baseline" if key == "b" else
                 f"{100 * (wall[key] / wall['b'] - 1):+6.1f}% / {100 * (cpu[key] / cpu['b'] - 1):+6.1f}%")
        print(f"   {labels[key]:<34}{wall[key]:7.3f} {1 / wall[key]:8.2f} {cpu[key]:7.3f}   {extra}")
    print(f"   fetching one one-hot batch takes {100 / rate_stream / wall['a']:.1f}% of a training step")
    print("\n3. memory")
    print(f"   Bioseq holds {seq.nbytes / 1e6:8.2f} MB; materialised one-hot {x.nbytes / 1e6:8.1f} MB; "
          f"codes would be {n * seq.sample_shape[0] * 4 / 1e6:.1f} MB")
    print(f"   peak RSS: after set-up {rss0:.0f} MB, after streaming (a, c) {rss_stream:.0f} MB, "
          f"after the in-memory baseline (b) {rss_numpy:.0f} MB")
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        print(f"\nnote: load average {load:.1f} on {os.cpu_count()} CPUs during the run; wall times are noisy")


if __name__ == "__main__":
    main()
