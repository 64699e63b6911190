"""Model cards: a ``model.json`` beside every trained ``model.keras`` saying what the model reads and how
it was made.

A card names the genome (and the SHA-256 of its uncompressed FASTA), the DNA window, flank, k-mer order and
strand mode, every model input (name, kind, shape without the batch axis), the output names, the input
normalization with its fitted statistics, the training settings and seed, the validation and test metrics
and the package and library versions. Tools that use a trained model (variant scoring) read the window,
order and output names from the card instead of guessing them from the input shape.

The module imports only the standard library at module level; Keras is loaded inside
:func:`load_model_with_card`.
"""

from __future__ import annotations

import json
import math
import os
import platform
import tempfile
from dataclasses import dataclass, field, fields
from importlib import metadata
from pathlib import Path
from typing import Any

from genomic_tensors.files import file_digest, publish

__all__ = [
    "CARD_NAME",
    "CardTarget",
    "FORMAT_VERSION",
    "INPUT_KINDS",
    "ModelCard",
    "card_path",
    "check_model",
    "describe_inputs",
    "fit_summary",
    "genome_entry",
    "load_model_with_card",
    "package_versions",
    "read_card",
    "read_digest",
    "write_card",
    "write_digest",
]

CARD_NAME = "model.json"
FORMAT_VERSION = 1
#: What a model input holds: int32 k-mer codes, one-hot k-mers, binned coverage, scalar signals.
INPUT_KINDS = ("dna_codes", "dna_onehot", "coverage", "signal")


@dataclass
class ModelCard:
    """What a trained model reads and how it was made (written as ``model.json`` beside the model).

    Attributes
    ----------
    case : str
        ``"jund"``, ``"deepsea"`` or ``"cage"``.
    name : str
        The grid point, e.g. ``"dna/order3_dropout0/rep1"``, ``"danq_w1000_o3_both"``,
        ``"combined_order3/chr2"``.
    genome : dict
        ``{"name": ..., "fasta": <path>, "sha256": <hex of the uncompressed FASTA>}``.
    window, flank, order : int or None
        bp of the DNA input window (core + both flanks), bp of each flank, the k-mer order; None for a
        model without DNA.
    strands : str or None
        ``"both"`` or ``"forward"`` (the first convolution's strand mode); None without DNA.
    inputs : list of dict
        ``{"name", "kind" (one of :data:`INPUT_KINDS`), "shape" (without the batch axis)}`` per input.
    outputs : list of str
        Output names (features), one per output unit.
    normalization : dict or None
        Per input name: ``{"method": ..., "statistics": {...}}`` (plain JSON numbers).
    training, metrics, versions : dict
        Settings and seed; ``{"validation": {...}, "test": {...} or None}``; library versions.
    path : pathlib.Path or None
        Where the card was read from (not written; names the card in error messages).
    """

    case: str
    name: str
    genome: dict
    window: int | None
    flank: int | None
    order: int | None
    strands: str | None
    inputs: list[dict]
    outputs: list[str]
    normalization: dict | None
    training: dict
    metrics: dict
    versions: dict
    path: Path | None = field(default=None, compare=False, repr=False)

    @property
    def label(self) -> str:
        """How errors name the card: its file when known, else case and grid point."""
        return str(self.path) if self.path is not None else f"the {self.case} card {self.name!r}"

    def dna_input(self) -> dict:
        """The single DNA input (``kind`` ``dna_codes`` or ``dna_onehot``).

        Raises
        ------
        ValueError
            The card lists no DNA input or more than one.
        """
        dna = [i for i in self.inputs if i.get("kind") in ("dna_codes", "dna_onehot")]
        if len(dna) != 1:
            raise ValueError(
                f"{self.label}: expected one DNA input, the card lists "
                f"{[(i.get('name'), i.get('kind')) for i in self.inputs]}"
            )
        return dna[0]

    def to_dict(self) -> dict[str, Any]:
        """The JSON content (``format_version`` first, the fields in order; ``path`` left out)."""
        content = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "path"}
        return {"format_version": FORMAT_VERSION, **_plain(content)}


def _field_names() -> list[str]:
    return [f.name for f in fields(ModelCard) if f.name != "path"]


def _plain(value: Any) -> Any:
    """JSON-able copy: numpy scalars and arrays to Python, tuples to lists, NaN/inf to None."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "tolist") and not isinstance(value, (str, bytes)):  # numpy array or scalar
        return _plain(value.tolist())
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, bool) or value is None or isinstance(value, (int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    raise TypeError(f"a model card holds JSON values; got {type(value).__name__}: {value!r}")


def card_path(model_path: str | Path) -> Path:
    """The card of a model: ``model.json`` in the folder of ``model.keras``."""
    return Path(model_path).with_name(CARD_NAME)


def write_card(card: ModelCard, path: str | Path) -> None:
    """Write ``card`` as indented JSON, atomically (a temporary file in the same folder, then renamed):
    a failed write never leaves a partial card under ``path``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(card.to_dict(), indent=2, allow_nan=False) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        publish(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_card(path: str | Path) -> ModelCard:
    """Read a card written by :func:`write_card`.

    Raises
    ------
    FileNotFoundError
        No card at ``path`` (the message names the file and how cards are made).
    ValueError
        The file is not JSON, not an object, has another format version, or lacks fields (named).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"no model card at {path}: every training rule writes model.json beside model.keras "
            "(re-run the training job to make one)"
        )
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"model card {path} is not valid JSON: {err}") from None
    if not isinstance(content, dict):
        raise ValueError(f"model card {path} holds a {type(content).__name__}, not a JSON object")
    version = content.pop("format_version", FORMAT_VERSION)
    if version != FORMAT_VERSION:
        raise ValueError(f"model card {path} has format_version {version}; this code reads {FORMAT_VERSION}")
    missing = [name for name in _field_names() if name not in content]
    if missing:
        raise ValueError(f"model card {path} lacks the field(s) {', '.join(missing)}")
    return ModelCard(**{name: content[name] for name in _field_names()}, path=path)


def check_model(card: ModelCard, model: Any) -> None:
    """Check that the model's inputs are the card's (names and shapes) and its outputs as many as the
    card's output names.

    Raises
    ------
    ValueError
        A disagreement, naming the card.
    """
    actual = {t.name.split(":")[0]: [d for d in t.shape[1:]] for t in model.inputs}
    listed = {i["name"]: list(i["shape"]) for i in card.inputs}
    if actual != listed:
        raise ValueError(f"{card.label}: the card lists inputs {listed}, the model has {actual}")
    n_out = 1
    for d in model.outputs[0].shape[1:]:
        n_out *= int(d)
    if n_out != len(card.outputs):
        raise ValueError(f"{card.label}: {len(card.outputs)} output names for {n_out} model outputs")


def load_model_with_card(model_path: str | Path) -> tuple[Any, ModelCard]:
    """A trained model and its card (read first, so that a missing card fails before Keras loads).

    Returns
    -------
    (keras.Model, ModelCard)

    Raises
    ------
    FileNotFoundError, ValueError
        See :func:`read_card`; :func:`check_model` when the card does not describe the model.
    """
    card = read_card(card_path(model_path))
    from genomic_tensors.training import load_model

    model = load_model(model_path)
    check_model(card, model)
    return model, card


# ------------------------------------------------------------------------------- building a card
@dataclass(frozen=True)
class CardTarget:
    """Where a training job writes its card and what only the workflow knows: the card's path, the grid
    point's name and the genome entry (:func:`genome_entry`)."""

    path: Path
    name: str
    genome: dict


def fit_summary(result: Any) -> dict[str, Any]:
    """The training facts of a :class:`genomic_tensors.training.FitResult`: best epoch, epochs run,
    early stop, the monitored loss and its best value."""
    return {
        "best_epoch": int(result.best_epoch),
        "epochs_run": int(result.epochs_run),
        "stopped_early": bool(result.stopped_early),
        "monitor": str(result.monitor),
        "best_loss": float(result.best_loss),
    }


def describe_inputs(model: Any, kinds: dict[str, str]) -> list[dict]:
    """The ``inputs`` entry of a card from a built model: name and shape of each input, its kind from
    ``kinds`` (a DNA input's kind follows its shape: ``(positions,)`` codes, ``(positions, 4**k)`` one-hot).

    Raises
    ------
    ValueError
        An input without a kind, or a kind outside :data:`INPUT_KINDS`.
    """
    described = []
    for tensor in model.inputs:
        name = tensor.name.split(":")[0]
        shape = [int(d) for d in tensor.shape[1:]]
        kind = kinds.get(name)
        if kind == "dna":
            kind = "dna_codes" if len(shape) == 1 else "dna_onehot"
        if kind not in INPUT_KINDS:
            raise ValueError(f"input {name!r}: kind {kind!r} is not one of {INPUT_KINDS} (or 'dna')")
        described.append({"name": name, "kind": kind, "shape": shape})
    return described


def write_digest(fasta: str | Path, path: str | Path) -> str:
    """Write the SHA-256 of ``fasta`` to ``path`` as ``sha256sum`` does (``<hex>  <file name>``); returns
    the hex digest."""
    digest = file_digest(fasta, "sha256")
    Path(path).write_text(f"{digest}  {Path(fasta).name}\n", encoding="ascii")
    return digest


def read_digest(path: str | Path) -> str:
    """The hex digest of a file written by :func:`write_digest`.

    Raises
    ------
    ValueError
        The file does not start with 64 hex digits.
    """
    text = Path(path).read_text(encoding="ascii").split()
    if not text or len(text[0]) != 64 or any(c not in "0123456789abcdef" for c in text[0]):
        raise ValueError(f"{path} does not hold a SHA-256 hex digest")
    return text[0]


def genome_entry(name: str, digest: str | Path, fasta: str | Path | None = None) -> dict:
    """The ``genome`` entry of a card: the genome's name, its FASTA path (by default the digest file's
    path without ``.sha256``: ``genome.fa.sha256`` sits beside ``genome.fa``) and the digest read from
    ``digest`` (:func:`write_digest`)."""
    digest = Path(digest)
    if fasta is None:
        if digest.suffix != ".sha256":
            raise ValueError(f"{digest}: a digest file is named <fasta>.sha256; pass fasta=")
        fasta = digest.with_suffix("")
    return {"name": str(name), "fasta": str(fasta), "sha256": read_digest(digest)}


def _version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def package_versions() -> dict[str, str | None]:
    """Versions of the package, Python and the libraries a model depends on (read from the installed
    distributions' metadata: TensorFlow and Keras are not imported). None for one not installed."""
    from genomic_tensors import __version__

    versions = {"genomic_tensors": __version__, "python": platform.python_version()}
    for module, distribution in (("numpy", "numpy"), ("pandas", "pandas"), ("keras", "keras")):
        versions[module] = _version(distribution)
    versions["tensorflow"] = _version("tensorflow") or _version("tensorflow-cpu")
    return versions

