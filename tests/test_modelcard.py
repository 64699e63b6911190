"""Tests of the model cards: JSON round trip, atomic writes, errors naming the file, loading a model with
its card, the genome digest and the versions."""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from genomic_tensors import modelcard
from genomic_tensors.modelcard import ModelCard, card_path, read_card, write_card


def _card(**changes) -> ModelCard:
    content = dict(
        case="deepsea", name="danq_w1000_o3_both",
        genome={"name": "demo", "fasta": "resources/genomes/demo/genome.fa", "sha256": "ab" * 32},
        window=31, flank=None, order=2, strands="both",
        inputs=[{"name": "dna", "kind": "dna_codes", "shape": [30]}], outputs=["f1", "f2"],
        normalization=None, training={"seed": 7, "epochs": 2}, metrics={"validation": {"loss": 0.5},
                                                                         "test": None},
        versions=modelcard.package_versions(),
    )  # fmt: skip
    content.update(changes)
    return ModelCard(**content)


def test_round_trip_keeps_every_field_and_names_the_file(tmp_path):
    card = _card(normalization={"dnase": {"method": "zscorelog", "statistics": {"mean": [1.5, 2.0]}}})
    path = tmp_path / "run" / "model.json"
    write_card(card, path)
    back = read_card(path)
    assert back == card and back.path == path and back.label == str(path)
    content = json.loads(path.read_text())
    assert content["format_version"] == modelcard.FORMAT_VERSION and "path" not in content


def test_numpy_values_and_nan_become_plain_json(tmp_path):
    card = _card(metrics={"validation": {"auroc": np.float32(0.75), "auprc": math.nan},
                          "test": {"n": np.int64(24), "mean": np.array([1.0, 2.0])}})  # fmt: skip
    write_card(card, tmp_path / "model.json")
    metrics = read_card(tmp_path / "model.json").metrics
    assert metrics == {"validation": {"auroc": 0.75, "auprc": None}, "test": {"n": 24, "mean": [1.0, 2.0]}}
    with pytest.raises(TypeError, match="a model card holds JSON values; got object"):
        write_card(_card(training={"x": object()}), tmp_path / "bad.json")


def test_write_is_atomic_a_failure_keeps_the_old_card_and_leaves_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "model.json"
    write_card(_card(), path)
    before = path.read_text()

    def fail(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(modelcard.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_card(_card(name="other"), path)
    assert path.read_text() == before and os.listdir(tmp_path) == ["model.json"]


def test_card_path_is_model_json_beside_the_model(tmp_path):
    assert card_path(tmp_path / "a" / "model.keras") == tmp_path / "a" / "model.json"


def test_missing_invalid_and_incomplete_cards_fail_naming_the_file(tmp_path):
    path = tmp_path / "model.json"
    with pytest.raises(FileNotFoundError, match=f"no model card at {path}"):
        read_card(path)
    path.write_text("{not json")
    with pytest.raises(ValueError, match=f"model card {path} is not valid JSON"):
        read_card(path)
    path.write_text("[1, 2]")
    with pytest.raises(ValueError, match="holds a list, not a JSON object"):
        read_card(path)
    content = _card().to_dict()
    del content["window"], content["outputs"]
    path.write_text(json.dumps(content))
    with pytest.raises(ValueError, match=f"model card {path} lacks the field\\(s\\) window, outputs"):
        read_card(path)
    path.write_text(json.dumps({**_card().to_dict(), "format_version": 99}))
    with pytest.raises(ValueError, match="has format_version 99"):
        read_card(path)


def test_dna_input_needs_exactly_one(tmp_path):
    assert _card().dna_input()["kind"] == "dna_codes"
    with pytest.raises(ValueError, match="expected one DNA input, the card lists \\[\\('dnase', 'coverage'\\)\\]"):
        _card(inputs=[{"name": "dnase", "kind": "coverage", "shape": [22, 2, 2]}]).dna_input()


def test_digest_is_the_sha256_of_the_fasta_in_sha256sum_format(tmp_path):
    fasta = tmp_path / "genome.fa"
    fasta.write_text(">chr1\nACGT\n")
    digest = modelcard.write_digest(fasta, tmp_path / "genome.fa.sha256")
    assert digest == hashlib.sha256(fasta.read_bytes()).hexdigest()
    assert (tmp_path / "genome.fa.sha256").read_text() == f"{digest}  genome.fa\n"
    entry = modelcard.genome_entry("demo", tmp_path / "genome.fa.sha256")
    assert entry == {"name": "demo", "fasta": str(fasta), "sha256": digest}
    other = modelcard.genome_entry("demo", tmp_path / "genome.fa.sha256", fasta="/data/hg19.fa")
    assert other["fasta"] == "/data/hg19.fa"
    with pytest.raises(ValueError, match="a digest file is named <fasta>.sha256; pass fasta="):
        modelcard.genome_entry("demo", tmp_path / "digest.txt")
    (tmp_path / "bad.sha256").write_text("xyz  genome.fa\n")
    with pytest.raises(ValueError, match="bad.sha256 does not hold a SHA-256 hex digest"):
        modelcard.read_digest(tmp_path / "bad.sha256")


def test_versions_are_read_without_importing_tensorflow():
    code = (
        "import sys; from genomic_tensors.modelcard import package_versions as p; v = p(); "
        "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules, sorted(sys.modules); print(v)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    versions = eval(out)  # a printed dict
    assert set(versions) == {"genomic_tensors", "python", "numpy", "pandas", "tensorflow", "keras"}
    assert versions["numpy"] == np.__version__ and versions["python"] == sys.version.split()[0]


def _tiny_model(path):
    import keras

    inp = keras.Input((30,), dtype="int32", name="dna")
    x = keras.layers.Embedding(16, 2)(inp)
    out = keras.layers.Dense(2, activation="sigmoid")(keras.layers.GlobalMaxPooling1D()(x))
    model = keras.Model(inp, out)
    model.save(path)
    return model


def test_load_model_with_card_and_its_checks(tmp_path):
    model_path = tmp_path / "model.keras"
    model = _tiny_model(model_path)
    assert modelcard.describe_inputs(model, {"dna": "dna"}) == [
        {"name": "dna", "kind": "dna_codes", "shape": [30]}
    ]
    with pytest.raises(FileNotFoundError, match="no model card at .*model.json"):
        modelcard.load_model_with_card(model_path)
    write_card(_card(), card_path(model_path))
    loaded, card = modelcard.load_model_with_card(model_path)
    assert card.outputs == ["f1", "f2"] and tuple(loaded.inputs[0].shape) == (None, 30)
    write_card(_card(inputs=[{"name": "dna", "kind": "dna_codes", "shape": [40]}]), card_path(model_path))
    with pytest.raises(ValueError, match="model.json: the card lists inputs \\{'dna': \\[40\\]\\}"):
        modelcard.load_model_with_card(model_path)
    write_card(_card(outputs=["f1"]), card_path(model_path))
    with pytest.raises(ValueError, match="1 output names for 2 model outputs"):
        modelcard.load_model_with_card(model_path)
    with pytest.raises(ValueError, match="kind 'bases' is not one of"):
        modelcard.describe_inputs(model, {"dna": "bases"})


def test_a_card_is_as_readable_as_the_model_beside_it(tmp_path):
    old = os.umask(0o022)
    try:
        write_card(_card(), tmp_path / "model.json")
    finally:
        os.umask(old)
    assert (tmp_path / "model.json").stat().st_mode & 0o777 == 0o644
