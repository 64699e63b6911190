"""Keras 3 layers for one-hot DNA: both-strand convolution and on-device one-hot of k-mer codes.

Sequence tensors follow the package convention: ``(batch, positions, 4**order)`` float one-hot, letters
A=0, C=1, G=2, T=3, the first letter of a k-mer the most significant base-4 digit (AC -> 1, CA -> 4), an
all-zero row for a k-mer holding N. Integer k-mer codes are ``(batch, positions)`` with ``-1`` for N.

It also holds :class:`ClippedAdam`, the paper's optimizer, so that importing this module is all a saved
model needs to load (``keras.saving.load_model``) with its optimizer.

This module depends on nothing else of the package and uses ``keras.ops`` only.
"""

from __future__ import annotations

from typing import Any

import keras
import numpy as np
from keras import ops

__all__ = [
    "BothStrandConv1D",
    "ClippedAdam",
    "OneHot",
    "order_from_channels",
    "reverse_complement_permutation",
]

_MERGE_MODES = ("max", "mean", "concat")


def order_from_channels(channels: int) -> int:
    """The k-mer order ``k`` of a one-hot with ``channels == 4**k`` channels.

    Raises
    ------
    ValueError
        If ``channels`` is not a positive power of 4.
    """
    order = 0
    value = int(channels)
    while value > 1 and value % 4 == 0:
        value //= 4
        order += 1
    if value != 1 or order == 0:
        raise ValueError(
            f"a DNA one-hot must have 4**order channels (4, 16, 64, ...); got {channels} channels"
        )
    return order


def reverse_complement_permutation(order: int) -> np.ndarray:
    """Channel permutation that maps each k-mer to its reverse complement.

    Parameters
    ----------
    order : int
        k-mer length ``k >= 1``.

    Returns
    -------
    numpy.ndarray
        int64, shape ``(4**order,)``: ``perm[c]`` is the channel of the reverse complement of k-mer ``c``
        (for order 1: ``[3, 2, 1, 0]``; for order 2, AC (1) -> GT (11)). It is an involution.
        Reverse-complementing a one-hot ``x`` of shape ``(L', 4**k)`` is ``x[::-1][:, perm]``.
    """
    if int(order) < 1:
        raise ValueError(f"order must be >= 1; got {order}")
    order = int(order)
    codes = np.arange(4**order)
    digits = (codes[:, None] // 4 ** np.arange(order - 1, -1, -1)[None, :]) % 4  # first = most significant
    rc_digits = 3 - digits[:, ::-1]
    return (rc_digits * 4 ** np.arange(order - 1, -1, -1)[None, :]).sum(axis=1).astype(np.int64)


@keras.saving.register_keras_serializable(package="genomic_tensors")
class BothStrandConv1D(keras.layers.Layer):
    """One convolution kernel scanning a DNA one-hot and its reverse complement.

    The forward response is an ordinary valid 1-D convolution. The reverse-strand response uses the same
    weights, flipped along positions and with the channels permuted to the reverse-complement k-mers
    (:func:`reverse_complement_permutation`); it is the kernel's response to the reverse complement of the
    input, aligned position by position with the forward strand (as the paper's ``DnaConv2D``). The two
    responses, each after the activation, are merged element-wise by ``max`` (default), ``mean``, or
    ``concat`` (along channels). The weights are those of a single ``Conv1D``: same parameter count.

    With ``merge="max"`` or ``"mean"``, the output for the reverse complement of ``x`` is the output for ``x``
    reversed along positions; a global pooling after this layer therefore gives a strand-invariant model.

    Parameters
    ----------
    filters : int
        Number of kernels.
    kernel_size : int
        Kernel length in k-mer positions.
    activation : str or callable, optional
        Applied to each strand's response before the merge.
    merge : {"max", "mean", "concat"}
        How the two strands are combined.
    use_bias, kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer
        As in ``keras.layers.Conv1D``.

    Input shape: ``(batch, positions, 4**order)`` float. Output shape:
    ``(batch, positions - kernel_size + 1, filters)`` (``2 * filters`` for ``concat``).
    """

    def __init__(
        self,
        filters: int,
        kernel_size: int,
        activation: Any = None,
        merge: str = "max",
        use_bias: bool = True,
        kernel_initializer: Any = "glorot_uniform",
        bias_initializer: Any = "zeros",
        kernel_regularizer: Any = None,
        bias_regularizer: Any = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        if merge not in _MERGE_MODES:
            raise ValueError(f"merge must be one of {_MERGE_MODES}; got {merge!r}")
        if int(filters) < 1 or int(kernel_size) < 1:
            raise ValueError(
                f"filters and kernel_size must be >= 1; got filters={filters}, kernel_size={kernel_size}"
            )
        self.filters = int(filters)
        self.kernel_size = int(kernel_size)
        self.activation = keras.activations.get(activation)
        self.merge = merge
        self.use_bias = bool(use_bias)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.bias_initializer = keras.initializers.get(bias_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)
        self.bias_regularizer = keras.regularizers.get(bias_regularizer)
        self.input_spec = keras.layers.InputSpec(ndim=3)

    def build(self, input_shape: tuple) -> None:
        channels = input_shape[-1]
        if channels is None:
            raise ValueError("BothStrandConv1D needs a known channel dimension (4**order)")
        self.order = order_from_channels(channels)
        self._perm = reverse_complement_permutation(self.order)
        self.kernel = self.add_weight(
            name="kernel",
            shape=(self.kernel_size, channels, self.filters),
            initializer=self.kernel_initializer,
            regularizer=self.kernel_regularizer,
        )
        self.bias = (
            self.add_weight(
                name="bias",
                shape=(self.filters,),
                initializer=self.bias_initializer,
                regularizer=self.bias_regularizer,
            )
            if self.use_bias
            else None
        )

    def _strand(self, inputs: Any, kernel: Any) -> Any:
        out = ops.conv(inputs, kernel, strides=1, padding="valid")
        if self.bias is not None:
            out = out + self.bias
        return self.activation(out) if self.activation is not None else out

    def call(self, inputs: Any) -> Any:
        inputs = ops.cast(inputs, self.compute_dtype)
        kernel = ops.cast(self.kernel, self.compute_dtype)
        rc_kernel = ops.take(ops.flip(kernel, axis=0), self._perm, axis=1)
        forward = self._strand(inputs, kernel)
        reverse = self._strand(inputs, rc_kernel)
        if self.merge == "max":
            return ops.maximum(forward, reverse)
        if self.merge == "mean":
            return (forward + reverse) / 2.0
        return ops.concatenate([forward, reverse], axis=-1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        length = input_shape[1]
        if length is not None:
            length = length - self.kernel_size + 1
        channels = self.filters * (2 if self.merge == "concat" else 1)
        return (input_shape[0], length, channels)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            {
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "activation": keras.activations.serialize(self.activation),
                "merge": self.merge,
                "use_bias": self.use_bias,
                "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
                "bias_initializer": keras.initializers.serialize(self.bias_initializer),
                "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
                "bias_regularizer": keras.regularizers.serialize(self.bias_regularizer),
            }
        )
        return config


@keras.saving.register_keras_serializable(package="genomic_tensors")
class OneHot(keras.layers.Layer):
    """Integer k-mer codes to a float one-hot, on the device.

    Parameters
    ----------
    order : int
        k-mer order; the one-hot has ``4**order`` channels.

    Input: int ``(batch, positions)`` codes in ``[0, 4**order)``, ``-1`` (any negative) for a k-mer with N.
    Output: ``(batch, positions, 4**order)`` in the layer's compute dtype (float32), an all-zero row where
    the code is negative. Codes ``>= 4**order`` also give a zero row (they cannot come from a valid
    encoding of this order).
    """

    def __init__(self, order: int, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if int(order) < 1:
            raise ValueError(f"order must be >= 1; got {order}")
        self.order = int(order)
        self.depth = 4**self.order

    def call(self, inputs: Any) -> Any:
        codes = ops.cast(inputs, "int32")
        valid = ops.logical_and(codes >= 0, codes < self.depth)
        safe = ops.where(valid, codes, ops.zeros_like(codes))
        hot = ops.one_hot(safe, self.depth, dtype=self.compute_dtype)
        return hot * ops.expand_dims(ops.cast(valid, self.compute_dtype), -1)

    def compute_output_shape(self, input_shape: tuple) -> tuple:
        return (*input_shape, self.depth)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"order": self.order})
        return config


@keras.saving.register_keras_serializable(package="genomic_tensors")
class ClippedAdam(keras.optimizers.Adam):
    """Adam with both gradient clippings of the paper (Keras 2.2 semantics).

    Keras 3 accepts only one of ``clipnorm``/``clipvalue``/``global_clipnorm``. The paper set
    ``clipnorm=1.0`` and ``clipvalue=0.5`` on Keras 2.2, whose optimizers applied both, in this order:
    first all gradients are rescaled together so that their global L2 norm is at most ``clip_global_norm``
    (Keras 2.2's ``clipnorm`` used the norm over all weights), then each element is clipped to
    ``[-clip_value, clip_value]``. This subclass does exactly that; other arguments are Adam's.
    """

    def __init__(
        self,
        learning_rate: float = 1e-3,
        *,
        clip_global_norm: float | None = 1.0,
        clip_value: float | None = 0.5,
        amsgrad: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(learning_rate=learning_rate, amsgrad=amsgrad, **kwargs)
        for label, value in (("clip_global_norm", clip_global_norm), ("clip_value", clip_value)):
            if value is not None and value <= 0:
                raise ValueError(f"{label} must be positive or None; got {value}")
        self.clip_global_norm = clip_global_norm
        self.clip_value = clip_value

    def _clip_gradients(self, grads: list) -> list:
        grads = super()._clip_gradients(grads)
        if self.clip_global_norm:
            present = [g for g in grads if g is not None]
            norm = ops.sqrt(sum(ops.sum(ops.square(g)) for g in present))
            scale = self.clip_global_norm / ops.maximum(norm, self.clip_global_norm)
            grads = [None if g is None else g * ops.cast(scale, g.dtype) for g in grads]
        if self.clip_value:
            v = self.clip_value
            grads = [None if g is None else ops.clip(g, -v, v) for g in grads]
        return grads

    def get_config(self) -> dict:
        config = super().get_config()
        config.update({"clip_global_norm": self.clip_global_norm, "clip_value": self.clip_value})
        return config
