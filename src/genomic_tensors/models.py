"""The paper's architectures as plain factory functions returning ``keras.Model``.

Every factory is built from small blocks, names its inputs so that training can feed dicts, and keeps the
paper's values as defaults for its width knobs (filters, units, outputs) so that a slimmer model can run
through the same code. Layers use Keras defaults unless the paper says otherwise (glorot-uniform kernels,
BatchNormalization momentum 0.99 and epsilon 1e-3).

Input names (fixed)
-------------------
``"dna"``
    float one-hot ``(batch, length - order + 1, 4**order)``, or with ``input_codes=True`` int32 k-mer codes
    ``(batch, length - order + 1)`` (``-1`` for N) expanded on the device by :class:`~.layers.OneHot`.
``"dnase"``
    JunD DNase coverage ``(batch, 22 bins, 2 strands, 2 conditions)``, the Cover layout without batch axis.
``"dnase"``, ``"h3k4me3"`` (CAGE)
    one scalar chromatin signal each, ``(batch, 1, 1, 1)`` (a Cover with one bin, strand and condition);
    names and shape are parameters of :func:`cage_chromatin`.

The single output layer of every model is named ``"output"`` and computes in float32 also under a mixed
precision policy (``keras.config.set_dtype_policy("mixed_float16")``), so that the sigmoid and the loss
keep their range.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
from keras import layers

from genomic_tensors.layers import BothStrandConv1D, OneHot

__all__ = [
    "cage_chromatin",
    "cage_combined",
    "cage_dna",
    "danq",
    "deepsea",
    "dna_conv",
    "dna_input",
    "jund_combined",
    "jund_dna",
    "jund_dnase",
]

_STRANDS = ("both", "forward")


# ----------------------------------------------------------------------------------------------- blocks
def dna_input(
    length: int, order: int, *, input_codes: bool = False, name: str = "dna"
) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """The DNA input and its float one-hot tensor.

    Parameters
    ----------
    length : int
        Window length in bp; the model sees ``length - order + 1`` k-mer positions.
    order : int
        One-hot order (1, 2, 3, ...): ``4**order`` channels.
    input_codes : bool
        False: the input is the float one-hot itself. True: the input is int32 k-mer codes
        ``(batch, length - order + 1)`` turned into the one-hot by a :class:`OneHot` layer.

    Returns
    -------
    (keras.KerasTensor, keras.KerasTensor)
        The ``keras.Input`` named ``name`` and the float one-hot ``(batch, length - order + 1, 4**order)``.
    """
    if int(order) < 1:
        raise ValueError(f"order must be >= 1; got {order}")
    positions = int(length) - int(order) + 1
    if positions < 1:
        raise ValueError(f"window length {length} bp is too short for order {order}")
    if input_codes:
        inp = keras.Input(shape=(positions,), dtype="int32", name=name)
        return inp, OneHot(order, name=f"{name}_onehot")(inp)
    inp = keras.Input(shape=(positions, 4**order), name=name)
    return inp, inp


def dna_conv(
    x: keras.KerasTensor,
    filters: int,
    kernel_size: int,
    *,
    strands: str = "both",
    activation: str = "relu",
    name: str = "dna_conv",
) -> keras.KerasTensor:
    """First-layer convolution: both strands (shared kernel, element-wise max) or forward only."""
    if strands not in _STRANDS:
        raise ValueError(f"strands must be one of {_STRANDS}; got {strands!r}")
    if strands == "both":
        return BothStrandConv1D(filters, kernel_size, activation=activation, merge="max", name=name)(x)
    return layers.Conv1D(filters, kernel_size, activation=activation, name=name)(x)


def _input_dropout(x: keras.KerasTensor, rate: float, name: str) -> keras.KerasTensor:
    """Dropout on a DNA one-hot with one mask value per k-mer position (``noise_shape=(None, None, 1)``).

    A one-hot row has a single non-zero entry, so dropping whole rows has the same distribution as the
    paper's element-wise dropout, from ``4**order`` times fewer random draws: element-wise dropout made an
    order-3 JunD model train 1.7x slower per epoch than without dropout.
    """
    if not 0.0 <= rate < 1.0:
        raise ValueError(f"input_dropout must be in [0, 1); got {rate}")
    return layers.Dropout(rate, noise_shape=(None, None, 1), name=name)(x) if rate > 0 else x


def _small_dna_hidden(
    x: keras.KerasTensor,
    *,
    filters: int,
    kernel_size: int,
    pool_size: int,
    filters2: int,
    kernel_size2: int,
    strands: str,
    prefix: str,
) -> keras.KerasTensor:
    """conv -> max-pool -> BatchNorm -> conv -> global max-pool -> BatchNorm (JunD and CAGE DNA)."""
    x = dna_conv(x, filters, kernel_size, strands=strands, name=f"{prefix}_conv1")
    x = layers.MaxPooling1D(pool_size, name=f"{prefix}_pool1")(x)
    x = layers.BatchNormalization(name=f"{prefix}_bn1")(x)
    x = layers.Conv1D(filters2, kernel_size2, activation="relu", name=f"{prefix}_conv2")(x)
    x = layers.GlobalMaxPooling1D(name=f"{prefix}_gmp")(x)
    return layers.BatchNormalization(name=f"{prefix}_hidden")(x)


def _dna_branch(
    length: int, order: int, input_dropout: float, strands: str, input_codes: bool, widths: dict
) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    """DNA input -> input dropout -> :func:`_small_dna_hidden` (the JunD and CAGE DNA branch)."""
    inp, x = dna_input(length, order, input_codes=input_codes)
    x = _input_dropout(x, input_dropout, "dna_dropout")
    return inp, _small_dna_hidden(x, strands=strands, prefix="dna", **widths)


def _dense_head(x: keras.KerasTensor, dense_units: int, n_outputs: int) -> keras.KerasTensor:
    """flatten -> Dense ``dense_units`` relu -> Dense ``n_outputs`` sigmoid (DeepSEA and DanQ)."""
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    return layers.Dense(n_outputs, activation="sigmoid", dtype="float32", name="output")(x)


# ------------------------------------------------------------------------------------------------- JunD
# The paper's widths of the branches, as in the defaults of jund_dna, jund_dnase and cage_dna.
_JUND_DNA_WIDTHS = {"filters": 10, "kernel_size": 11, "pool_size": 30, "filters2": 8, "kernel_size2": 3}
_JUND_DNASE_WIDTHS = (10, 5, 2, 5, 3)  # filters, kernel_size, pool_size, filters2, kernel_size2
_CAGE_DNA_WIDTHS = {"filters": 10, "kernel_size": 15, "pool_size": 5, "filters2": 8, "kernel_size2": 5}


def jund_dna(
    order: int = 1,
    input_dropout: float = 0.0,
    *,
    window: int = 500,
    strands: str = "both",
    input_codes: bool = False,
    filters: int = 10,
    kernel_size: int = 11,
    pool_size: int = 30,
    filters2: int = 8,
    kernel_size2: int = 3,
    name: str | None = None,
) -> keras.Model:
    """JunD from DNA (case 1): [dropout] -> both-strand conv 10 x 11, relu -> max-pool 30 -> BatchNorm ->
    conv 8 x 3, relu -> global max-pool -> BatchNorm -> Dense(1, sigmoid).

    Input ``"dna"``: ``(batch, window - order + 1, 4**order)`` (see module docstring). Output ``"output"``:
    ``(batch, 1)`` binding probability. 779 parameters at order 1, 7,379 at order 3.
    """
    widths = {
        "filters": filters, "kernel_size": kernel_size, "pool_size": pool_size, "filters2": filters2,
        "kernel_size2": kernel_size2,
    }
    inp, hidden = _dna_branch(window, order, input_dropout, strands, input_codes, widths)
    out = layers.Dense(1, activation="sigmoid", dtype="float32", name="output")(hidden)
    return keras.Model(inp, out, name=name or f"jund_dna_order{order}")


def _jund_dnase_branch(
    bins: int, strands: int, conditions: int, filters: int, kernel_size: int, pool_size: int,
    filters2: int, kernel_size2: int,
) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inp = keras.Input(shape=(bins, strands, conditions), name="dnase")
    x = layers.Reshape((bins, strands * conditions), name="dnase_tracks")(inp)
    x = layers.Conv1D(filters, kernel_size, activation="relu", name="dnase_conv1")(x)
    x = layers.MaxPooling1D(pool_size, name="dnase_pool1")(x)
    x = layers.Conv1D(filters2, kernel_size2, activation="relu", name="dnase_conv2")(x)
    x = layers.GlobalMaxPooling1D(name="dnase_gmp")(x)
    return inp, layers.BatchNormalization(name="dnase_hidden")(x)


def jund_dnase(
    *,
    bins: int = 22,
    strands: int = 2,
    conditions: int = 2,
    filters: int = 10,
    kernel_size: int = 5,
    pool_size: int = 2,
    filters2: int = 5,
    kernel_size2: int = 3,
    name: str = "jund_dnase",
) -> keras.Model:
    """JunD from DNase coverage (case 1).

    Input ``"dnase"``: ``(batch, 22 bins, 2 strands, 2 conditions)`` float, the Cover layout (50-bp bins
    over 1,100 bp; strands + then -; the two replicates as conditions). The paper's first layer, "10
    filters spanning 5 positions x both strands x both replicates", is realised by reshaping each bin's
    ``strands x conditions`` values into ``4`` channels (order: (+, rep1), (+, rep2), (-, rep1), (-, rep2))
    and applying ``Conv1D(10, 5)``: a kernel of 5 bins x 4 tracks, exactly the weights of a 2-D kernel
    spanning 5 positions and both strands over the two replicates (210 parameters). Then relu -> max-pool 2
    -> conv 5 x 3, relu -> global max-pool -> BatchNorm -> Dense(1, sigmoid): 391 parameters.
    """
    inp, hidden = _jund_dnase_branch(
        bins, strands, conditions, filters, kernel_size, pool_size, filters2, kernel_size2
    )
    out = layers.Dense(1, activation="sigmoid", dtype="float32", name="output")(hidden)
    return keras.Model(inp, out, name=name)


def jund_combined(
    order: int = 3,
    input_dropout: float = 0.0,
    *,
    window: int = 500,
    strands: str = "both",
    input_codes: bool = False,
    dnase_bins: int = 22,
    dnase_strands: int = 2,
    dnase_conditions: int = 2,
    name: str | None = None,
) -> keras.Model:
    """JunD from DNA and DNase (case 1): the :func:`jund_dna` and :func:`jund_dnase` branches without their
    output layers; their last hidden layers (8 + 5 units, after BatchNorm) are concatenated ->
    Dense(1, sigmoid). Inputs ``"dna"`` and ``"dnase"``; trained from random initialisation.
    """
    dna_in, dna_hidden = _dna_branch(
        window, order, input_dropout, strands, input_codes, _JUND_DNA_WIDTHS
    )
    dnase_in, dnase_hidden = _jund_dnase_branch(
        dnase_bins, dnase_strands, dnase_conditions, *_JUND_DNASE_WIDTHS
    )
    x = layers.Concatenate(name="hidden")([dna_hidden, dnase_hidden])
    out = layers.Dense(1, activation="sigmoid", dtype="float32", name="output")(x)
    return keras.Model({"dna": dna_in, "dnase": dnase_in}, out, name=name or f"jund_combined_order{order}")


# ------------------------------------------------------------------------------------- DeepSEA and DanQ
def deepsea(
    window: int = 500,
    order: int = 1,
    strands: str = "both",
    *,
    n_outputs: int = 919,
    filters: Sequence[int] = (320, 480, 960),
    kernel_size: int = 8,
    pool_size: int = 4,
    dropout: Sequence[float] = (0.2, 0.2, 0.5),
    dense_units: int = 925,
    input_codes: bool = False,
    name: str | None = None,
) -> keras.Model:
    """DeepSEA (case 2): conv 320 x 8 (both strands) -> max-pool 4 -> dropout 0.2 -> conv 480 x 8 ->
    max-pool 4 -> dropout 0.2 -> conv 960 x 8 -> dropout 0.5 -> flatten -> Dense 925 relu ->
    Dense ``n_outputs`` sigmoid. Convolutions use relu and valid padding.

    Input ``"dna"``: ``(batch, window - order + 1, 4**order)``. 25,315,119 parameters at 500 bp, order 1.
    """
    if len(filters) != 3 or len(dropout) != 3:
        raise ValueError(f"deepsea needs 3 filters and 3 dropout rates; got {filters}, {dropout}")
    inp, x = dna_input(window, order, input_codes=input_codes)
    x = dna_conv(x, filters[0], kernel_size, strands=strands, name="conv1")
    x = layers.MaxPooling1D(pool_size, name="pool1")(x)
    x = layers.Dropout(dropout[0], name="dropout1")(x)
    x = layers.Conv1D(filters[1], kernel_size, activation="relu", name="conv2")(x)
    x = layers.MaxPooling1D(pool_size, name="pool2")(x)
    x = layers.Dropout(dropout[1], name="dropout2")(x)
    x = layers.Conv1D(filters[2], kernel_size, activation="relu", name="conv3")(x)
    x = layers.Dropout(dropout[2], name="dropout3")(x)
    out = _dense_head(x, dense_units, n_outputs)
    return keras.Model(inp, out, name=name or f"deepsea_w{window}_order{order}_{strands}")


def danq(
    window: int = 500,
    order: int = 1,
    strands: str = "both",
    *,
    n_outputs: int = 919,
    filters: int = 320,
    kernel_size: int = 26,
    pool_size: int = 13,
    lstm_units: int = 320,
    dropout: Sequence[float] = (0.2, 0.5),
    dense_units: int = 925,
    input_codes: bool = False,
    name: str | None = None,
) -> keras.Model:
    """DanQ (case 2): conv 320 x 26, relu (both strands) -> max-pool 13 -> dropout 0.2 -> bidirectional
    LSTM 320 (sequences returned) -> dropout 0.5 -> flatten -> Dense 925 relu -> Dense ``n_outputs`` sigmoid.

    Input ``"dna"``: ``(batch, window - order + 1, 4**order)``. 23,838,479 parameters at 500 bp, order 1.
    """
    if len(dropout) != 2:
        raise ValueError(f"danq needs 2 dropout rates; got {dropout}")
    inp, x = dna_input(window, order, input_codes=input_codes)
    x = dna_conv(x, filters, kernel_size, strands=strands, name="conv1")
    x = layers.MaxPooling1D(pool_size, name="pool1")(x)
    x = layers.Dropout(dropout[0], name="dropout1")(x)
    x = layers.Bidirectional(layers.LSTM(lstm_units, return_sequences=True), name="bilstm")(x)
    x = layers.Dropout(dropout[1], name="dropout2")(x)
    out = _dense_head(x, dense_units, n_outputs)
    return keras.Model(inp, out, name=name or f"danq_w{window}_order{order}_{strands}")


# ------------------------------------------------------------------------------------------------- CAGE
def _cage_dropout(order: int, input_dropout: float | None) -> float:
    return (0.0 if order == 1 else 0.2) if input_dropout is None else float(input_dropout)


def cage_dna(
    order: int = 1,
    input_dropout: float | None = None,
    *,
    length: int = 901,
    strands: str = "both",
    input_codes: bool = False,
    filters: int = 10,
    kernel_size: int = 15,
    pool_size: int = 5,
    filters2: int = 8,
    kernel_size2: int = 5,
    name: str | None = None,
) -> keras.Model:
    """CAGE from promoter DNA (case 3): input dropout -> both-strand conv 10 x 15, relu -> max-pool 5 ->
    BatchNorm -> conv 8 x 5, relu -> global max-pool -> BatchNorm -> Dense(1, linear).

    ``length`` is the promoter window in bp; the default 901 assumes the original GTF arithmetic (201 bp
    promoter including the TSS, + 350 bp flank each side). ``input_dropout=None`` means the paper's choice:
    0.2, or 0 for order 1. Input ``"dna"``: ``(batch, length - order + 1, 4**order)``.
    """
    widths = {
        "filters": filters, "kernel_size": kernel_size, "pool_size": pool_size, "filters2": filters2,
        "kernel_size2": kernel_size2,
    }
    dropout = _cage_dropout(order, input_dropout)
    inp, hidden = _dna_branch(length, order, dropout, strands, input_codes, widths)
    out = layers.Dense(1, dtype="float32", name="output")(hidden)
    return keras.Model(inp, out, name=name or f"cage_dna_order{order}")


def _cage_chromatin_branch(
    signals: Sequence[str], signal_shape: Sequence[int]
) -> tuple[dict[str, keras.KerasTensor], keras.KerasTensor]:
    if len(signals) == 0:
        raise ValueError("cage chromatin needs at least one signal name")
    inputs = {s: keras.Input(shape=tuple(signal_shape), name=s) for s in signals}
    flat = [layers.Flatten(name=f"{s}_flat")(inputs[s]) for s in signals]
    x = layers.Concatenate(name="chromatin")(flat) if len(flat) > 1 else flat[0]
    return inputs, layers.BatchNormalization(name="chromatin_hidden")(x)


def cage_chromatin(
    *,
    signals: Sequence[str] = ("dnase", "h3k4me3"),
    signal_shape: Sequence[int] = (1, 1, 1),
    name: str = "cage_chromatin",
) -> keras.Model:
    """CAGE from chromatin (case 3): the scalar signals (one input each, named by ``signals``, each of shape
    ``signal_shape``, flattened) concatenated -> BatchNorm -> Dense(1, linear). 11 parameters for the
    paper's two signals (DNase and H3K4me3, each log(x+1) then z-scored by the data step).
    """
    inputs, hidden = _cage_chromatin_branch(signals, signal_shape)
    out = layers.Dense(1, dtype="float32", name="output")(hidden)
    return keras.Model(inputs, out, name=name)


def cage_combined(
    order: int = 1,
    input_dropout: float | None = None,
    *,
    length: int = 901,
    strands: str = "both",
    input_codes: bool = False,
    signals: Sequence[str] = ("dnase", "h3k4me3"),
    signal_shape: Sequence[int] = (1, 1, 1),
    name: str | None = None,
) -> keras.Model:
    """CAGE from DNA and chromatin (case 3): the :func:`cage_dna` hidden layer (8 units) and the
    :func:`cage_chromatin` hidden layer (one unit per signal) concatenated -> Dense(1, linear).
    Inputs ``"dna"`` and one per signal name.
    """
    dropout = _cage_dropout(order, input_dropout)
    inp, dna_hidden = _dna_branch(length, order, dropout, strands, input_codes, _CAGE_DNA_WIDTHS)
    chrom_inputs, chrom_hidden = _cage_chromatin_branch(signals, signal_shape)
    if "dna" in chrom_inputs:
        raise ValueError("a chromatin signal cannot be named 'dna'")
    x = layers.Concatenate(name="hidden")([dna_hidden, chrom_hidden])
    out = layers.Dense(1, dtype="float32", name="output")(x)
    return keras.Model({"dna": inp, **chrom_inputs}, out, name=name or f"cage_combined_order{order}")
