"""Integrated gradients (Sundararajan et al. 2017) for Keras models with one or more inputs.

Attributions are signed: ``(x - baseline) * mean over the path of d output / d input``. (The paper's
original returned absolute values, which loses whether a base raised or lowered the prediction.)
The TensorFlow backend is required (``tf.GradientTape``).
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping
from typing import Any

import keras
import numpy as np

__all__ = ["base_attribution", "integrated_gradients"]

Arrays = np.ndarray | Mapping[str, np.ndarray]


# one traced gradient function per model (path points always come in equal-sized batches)
_GRADIENT_FUNCTIONS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _gradient_function(model: keras.Model, was_dict: bool) -> Callable:
    import tensorflow as tf

    key = bool(was_dict)
    cache = _GRADIENT_FUNCTIONS.setdefault(model, {})
    if key not in cache:
        first = model.inputs[0].name

        @tf.function(reduce_retracing=True)
        def path_gradients(points: dict, output_index: tf.Tensor) -> dict:
            with tf.GradientTape() as tape:
                tape.watch(points)
                out = model(points if key else points[first], training=False)
                flat = tf.reshape(out, (tf.shape(out)[0], -1))
                target = tf.gather(flat, output_index, axis=1)
            return tape.gradient(target, points)

        cache[key] = path_gradients
    return cache[key]


def _as_dict(model: keras.Model, inputs: Arrays) -> tuple[dict[str, np.ndarray], bool]:
    names = [t.name for t in model.inputs]
    if isinstance(inputs, Mapping):
        missing = sorted(set(names) - set(inputs))
        extra = sorted(set(inputs) - set(names))
        if missing or extra:
            raise ValueError(
                f"model {model.name} has inputs {names}; missing {missing}, unexpected {extra}"
            )
        return {k: np.asarray(inputs[k]) for k in names}, True
    if len(names) != 1:
        raise ValueError(f"model {model.name} has inputs {names}: pass a dict of arrays")
    return {names[0]: np.asarray(inputs)}, False


def integrated_gradients(
    model: keras.Model,
    inputs: Arrays,
    *,
    baseline: Arrays | float | None = None,
    output_index: int = 0,
    steps: int = 50,
    batch_size: int = 64,
) -> np.ndarray | dict[str, np.ndarray]:
    """Signed integrated-gradients attribution of one model output to every input value.

    Parameters
    ----------
    model : keras.Model
        Run in inference mode (``training=False``: dropout off, BatchNorm with moving statistics).
    inputs : numpy.ndarray or dict of numpy.ndarray
        float ``(n, ...)`` per model input (e.g. one-hot DNA ``(n, L - k + 1, 4**k)``); a dict must name
        every model input. Integer inputs (k-mer codes) are refused: attribute a one-hot-input model.
    baseline : array, dict of arrays, float or None
        The reference input, broadcastable to each input (``(n, ...)`` or ``(...)``); None or a missing
        dict key means all zeros. An input whose baseline equals it gets zero attribution (held fixed).
    output_index : int
        Which output value per sample, indexing the model output flattened per sample.
    steps : int
        Number of path intervals ``m``: the gradient is averaged over ``m + 1`` points
        ``baseline + (j/m) (x - baseline)`` with the trapezoidal rule.
    batch_size : int
        Path points evaluated per forward/backward pass.

    Returns
    -------
    numpy.ndarray or dict of numpy.ndarray
        float32 attributions with the shape of each input (a dict when ``inputs`` was a dict). By
        completeness their sum per sample approximates ``f(x) - f(baseline)`` for the chosen output.
    """
    import tensorflow as tf

    if keras.backend.backend() != "tensorflow":
        raise RuntimeError(f"integrated_gradients needs the TensorFlow backend; got {keras.backend.backend()}")
    if int(steps) < 1:
        raise ValueError(f"steps must be >= 1; got {steps}")
    if int(batch_size) < 1:
        raise ValueError(f"batch_size must be >= 1; got {batch_size}")
    xs, was_dict = _as_dict(model, inputs)
    n_samples = _sample_count(xs)
    bases = _baselines(xs, baseline, was_dict)
    n_out = int(np.prod(model.outputs[0].shape[1:]))
    if not -n_out <= int(output_index) < n_out:
        raise ValueError(f"output_index {output_index} out of range for {n_out} outputs per sample")

    alphas, weights, chunk = _path_weights(int(steps), int(batch_size))
    names = list(xs)
    result = {k: np.zeros(v.shape, dtype=np.float32) for k, v in xs.items()}
    path_gradients = _gradient_function(model, was_dict)
    index = tf.constant(int(output_index) % n_out, dtype=tf.int32)
    for i in range(n_samples):
        x = {k: xs[k][i].astype(np.float32) for k in names}
        b = {k: bases[k][i] for k in names}
        attribution = _sample_attribution(path_gradients, index, x, b, alphas, weights, chunk)
        for k in names:
            result[k][i] = attribution[k]
    return result if was_dict else result[names[0]]


def _sample_count(xs: Mapping[str, np.ndarray]) -> int:
    """The number of samples (first axis) the float inputs share; an error otherwise."""
    n = {v.shape[0] if v.ndim else None for v in xs.values()}
    if len(n) != 1 or None in n:
        raise ValueError(f"inputs must share the first (sample) axis; got shapes "
                         f"{ {k: v.shape for k, v in xs.items()} }")
    for name, value in xs.items():
        if not np.issubdtype(value.dtype, np.floating):
            raise ValueError(
                f"input {name!r} has dtype {value.dtype}; integrated gradients need float inputs "
                "(use a model with a one-hot input rather than k-mer codes)"
            )
    return n.pop()


def _baselines(
    xs: Mapping[str, np.ndarray], baseline: Arrays | float | None, was_dict: bool
) -> dict[str, np.ndarray]:
    """float32 baselines of the shape of each input (see :func:`integrated_gradients`)."""
    if baseline is None or np.isscalar(baseline):
        fill = 0.0 if baseline is None else float(baseline)
        bases = {k: np.full(v.shape[1:], fill, dtype=np.float32) for k, v in xs.items()}
    elif isinstance(baseline, Mapping):
        unknown = sorted(set(baseline) - set(xs))
        if unknown:
            raise ValueError(f"baseline names unknown inputs {unknown}; model inputs are {list(xs)}")
        bases = {k: np.asarray(baseline.get(k, np.zeros(v.shape[1:])), dtype=np.float32)
                 for k, v in xs.items()}
    else:
        if was_dict:
            raise ValueError("inputs is a dict: give the baseline as a dict too")
        bases = {k: np.asarray(baseline, dtype=np.float32) for k in xs}
    for k, v in xs.items():
        try:
            bases[k] = np.broadcast_to(bases[k], v.shape).astype(np.float32)
        except ValueError:
            raise ValueError(
                f"baseline for input {k!r} has shape {bases[k].shape}; expected {v.shape} or {v.shape[1:]}"
            ) from None
    return bases


def _path_weights(steps: int, batch_size: int) -> tuple[np.ndarray, np.ndarray, int]:
    """``(alphas, weights, chunk)``: the ``steps + 1`` path points and their trapezoidal weights,
    padded with zero-weight points to whole chunks of at most ``batch_size`` (one traced shape)."""
    m = steps
    chunk = min(batch_size, m + 1)
    n_points = -(-(m + 1) // chunk) * chunk
    alphas = np.zeros(n_points, dtype=np.float32)
    alphas[: m + 1] = np.linspace(0.0, 1.0, m + 1, dtype=np.float32)
    weights = np.zeros(n_points, dtype=np.float32)
    weights[: m + 1] = 1.0 / m
    weights[[0, m]] /= 2.0
    return alphas, weights, chunk


def _sample_attribution(
    path_gradients: Callable,
    index: Any,
    x: dict[str, np.ndarray],
    b: dict[str, np.ndarray],
    alphas: np.ndarray,
    weights: np.ndarray,
    chunk: int,
) -> dict[str, np.ndarray]:
    """``(x - b)`` times the weighted mean gradient at the points ``b + alpha (x - b)`` (one sample)."""
    import tensorflow as tf

    diff = {k: x[k] - b[k] for k in x}
    total = {k: np.zeros_like(x[k]) for k in x}
    for start in range(0, alphas.size, chunk):
        a = alphas[start : start + chunk]
        w = weights[start : start + chunk]
        points = {
            k: tf.constant(b[k][None] + a.reshape((chunk,) + (1,) * b[k].ndim) * diff[k][None])
            for k in x
        }
        grads = path_gradients(points, index)
        for k in x:
            if grads[k] is not None:
                total[k] += np.tensordot(w, grads[k].numpy(), axes=1)
    return {k: diff[k] * total[k] for k in x}


def base_attribution(attribution: np.ndarray, order: int) -> np.ndarray:
    """Per-base, per-letter attribution from a k-mer one-hot attribution.

    Each k-mer channel's value is shared evenly among its ``k`` letters at their positions.

    Parameters
    ----------
    attribution : numpy.ndarray
        ``(L - k + 1, 4**k)`` (or with a leading sample axis, ``(n, L - k + 1, 4**k)``).
    order : int
        ``k``.

    Returns
    -------
    numpy.ndarray
        float32 ``(L, 4)`` (or ``(n, L, 4)``), letters A, C, G, T. Summed over letters and positions it
        equals the input's total attribution.
    """
    attribution = np.asarray(attribution, dtype=np.float32)
    k = int(order)
    if k < 1:
        raise ValueError(f"order must be >= 1; got {order}")
    if attribution.ndim not in (2, 3) or attribution.shape[-1] != 4**k:
        raise ValueError(
            f"attribution has shape {attribution.shape}; expected (positions, {4**k}) for order {k}"
        )
    squeeze = attribution.ndim == 2
    if squeeze:
        attribution = attribution[None]
    n, positions, channels = attribution.shape
    out = np.zeros((n, positions + k - 1, 4), dtype=np.float32)
    codes = np.arange(channels)
    for j in range(k):
        letters = (codes // 4 ** (k - 1 - j)) % 4
        to_letter = np.eye(4, dtype=np.float32)[letters]  # (4**k, 4)
        out[:, j : j + positions] += attribution @ to_letter / k
    return out[0] if squeeze else out
