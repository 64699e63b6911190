"""Variant effects (genomic_tensors.cases.effects and effects_report): the VCF split and merged, the JunD
table with a REF mismatch, the DeepSEA HDF5 merge and top table, auROC, claims and the figure, on a tiny
genome, VCF and hand-built models; and the rules on a tiny JunD configuration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import h5py
import keras
import numpy as np
import pandas as pd
import pysam
import pytest
import yaml

from genomic_tensors import modelcard
from genomic_tensors.cases import effects, effects_report
from genomic_tensors.cases.summary import paper_vs_reproduction, write_summary

REPO = Path(__file__).resolve().parents[1]
MOTIF, WINDOW = "GATTACA", 21
HEADER = [
    "##fileformat=VCFv4.2",
    "##contig=<ID=chr1,length=300>",
    '##INFO=<ID=EFFECT,Number=1,Type=String,Description="planted">',
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO",
]
RECORDS = [
    "chr1\t63\tdestroy1\tT\tG\t.\t.\tEFFECT=destroy",  # the T of GATTACA at 60 (0-based)
    "chr1\t61\tdestroy2\tG\tC\t.\t.\tEFFECT=destroy",
    "chr1\t200\tneutral1\tA\tC\t.\t.\tEFFECT=neutral",
    "chr1\t20\t.\tC\tG\t.\t.\tEFFECT=neutral",
    "chr1\t64\tmismatch\tG\tC\t.\t.\tEFFECT=neutral",  # the genome has T
]


@pytest.fixture()
def world(tmp_path):
    rng = np.random.default_rng(5)
    seq = list("".join(rng.choice(list("ACG"), size=300)))  # no T outside the motif: no other GATTACA
    seq[60:67] = MOTIF
    seq[199], seq[19] = "A", "C"
    fasta = tmp_path / "genome.fa"
    fasta.write_text(">chr1\n" + "".join(seq) + "\n")
    pysam.faidx(str(fasta))
    vcf = tmp_path / "v.vcf"
    vcf.write_text("\n".join(HEADER + RECORDS) + "\n")
    return fasta, vcf


def _motif_model(path: Path, codes: bool = False, outputs: int = 1) -> Path:
    """Order 1: sigmoid(5 * max(relu(matches - 6)) - 2.5), one-hot input (or int codes, several outputs)."""
    positions = WINDOW
    if codes:
        from genomic_tensors.layers import OneHot

        inp = keras.Input((positions,), dtype="int32", name="dna")
        x = OneHot(1)(inp)
    else:
        inp = x = keras.Input((positions, 4), name="dna")
    conv = keras.layers.Conv1D(1, len(MOTIF), activation="relu")
    dense = keras.layers.Dense(outputs, activation="sigmoid")
    model = keras.Model(inp, dense(keras.layers.GlobalMaxPooling1D()(conv(x))))
    kernel = np.zeros((len(MOTIF), 4, 1), np.float32)
    for j, letter in enumerate(MOTIF):
        kernel[j, "ACGT".index(letter), 0] = 1.0
    conv.set_weights([kernel, np.array([-(len(MOTIF) - 1)], np.float32)])
    dense.set_weights([np.linspace(5, 1, outputs, dtype=np.float32)[None, :],
                       np.full(outputs, -2.5, np.float32)])
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    # Its card: variant scoring reads the window, order and output names from it.
    kind, shape = ("dna_codes", [positions]) if codes else ("dna_onehot", [positions, 4])
    card = modelcard.ModelCard(
        case="deepsea" if codes else "jund", name=path.parent.name, genome={"name": "test"},
        window=WINDOW, flank=0, order=1, strands="forward",
        inputs=[{"name": "dna", "kind": kind, "shape": shape}],
        outputs=[f"f{i}" for i in range(outputs)] if codes else ["jund"],
        normalization=None, training={}, metrics={}, versions={},
    )
    modelcard.write_card(card, modelcard.card_path(path))
    return path


# ------------------------------------------------------------------------------------------ splitting
def test_split_keeps_order_and_header_and_allows_empty_parts(world, tmp_path):
    _, vcf = world
    sizes = effects.split_vcf(vcf, [tmp_path / f"p{i}.vcf" for i in range(3)])
    assert sizes == [2, 2, 1]
    ids = []
    for i in range(3):
        with pysam.VariantFile(str(tmp_path / f"p{i}.vcf")) as part:
            assert "EFFECT" in part.header.info
            ids += [r.id or "." for r in part.fetch()]
    assert ids == ["destroy1", "destroy2", "neutral1", ".", "mismatch"]
    assert effects.split_vcf(vcf, [tmp_path / f"q{i}.vcf" for i in range(7)])[-2:] == [0, 0]
    with pytest.raises(ValueError, match="at least one output part"):
        effects.split_vcf(vcf, [])
    with pytest.raises(FileNotFoundError, match="VCF not found"):
        effects.split_vcf(tmp_path / "none.vcf", [tmp_path / "x.vcf"])


# ------------------------------------------------------------------------------------ the JunD table
def test_jund_parts_merge_to_the_contracted_table_with_the_mismatch_kept(world, tmp_path):
    fasta, vcf = world
    names = ["dna/order1_dropout0/rep1", "dna/order1_dropout0.2/rep2"]
    models = [_motif_model(tmp_path / "models" / n / "model.keras") for n in names]
    parts = [tmp_path / "p1.vcf", tmp_path / "p2.vcf"]
    effects.split_vcf(vcf, parts)
    for i, part in enumerate(parts):
        effects.score_jund_part(models, names, part, fasta, tmp_path / f"j{i}.tsv")
    table = effects.merge_tables([tmp_path / "j0.tsv", tmp_path / "j1.tsv"], tmp_path / "jund.tsv")
    assert list(table.columns) == effects.JUND_COLUMNS == list(pd.read_csv(tmp_path / "jund.tsv", sep="\t"))
    assert len(table) == 2 * 5
    first = table[table["replicate"] == 1]
    assert first["variant_id"].tolist() == ["destroy1", "destroy2", "neutral1", "chr1:20:C>G", "mismatch"]
    assert first["pos"].tolist() == [63, 61, 200, 20, 64]
    assert set(table["dropout"]) == {0.0, 0.2} and set(table["order"]) == {1}
    mismatch = table[table["variant_id"] == "mismatch"].iloc[0]
    # Scored on the genome's T: breaking the motif is a real effect, not 0.
    assert not mismatch["ref_match"] and mismatch["diff"] < -0.5 and mismatch["ref_score"] > 0.9
    assert table.loc[table["variant_id"] == "destroy1", "diff"].lt(-0.5).all()
    assert table.loc[table["variant_id"] == "neutral1", "diff"].eq(0).all()
    with pytest.raises(ValueError, match="JunD DNA models only"):
        effects.score_jund_part(models[:1], ["dnase/none_none/rep1"], parts[0], fasta, tmp_path / "x.tsv")
    with pytest.raises(ValueError, match="2 models but 1 model names"):
        effects.score_jund_part(models, names[:1], parts[0], fasta, tmp_path / "x.tsv")
    pd.DataFrame({"a": [1]}).to_csv(tmp_path / "bad.tsv", sep="\t", index=False)
    with pytest.raises(ValueError, match=r"bad\.tsv: columns \['a'\]"):
        effects.merge_tables([tmp_path / "bad.tsv"], tmp_path / "y.tsv")


# --------------------------------------------------------------------------- DeepSEA HDF5 and top table
def test_deepsea_parts_merge_and_top_table_ranks(world, tmp_path):
    fasta, vcf = world
    model = _motif_model(tmp_path / "ds" / "model.keras", codes=True, outputs=3)
    features = tmp_path / "features.tsv"
    pd.DataFrame({"index": [0, 1, 2], "feature": ["f0", "f1", "f2"], "category": ["TF", "DNase", "TF"],
                  "url": "u", "path": "p"}).to_csv(features, sep="\t", index=False)
    parts = [tmp_path / "p1.vcf", tmp_path / "p2.vcf"]
    effects.split_vcf(vcf, parts)
    h5s = [tmp_path / f"d{i}.h5" for i in range(2)]
    for part, h5 in zip(parts, h5s):
        effects.score_deepsea_part(model, part, fasta, features, h5, order=1)
    assert effects.merge_hdf5(h5s, tmp_path / "run.h5") == 5
    with h5py.File(tmp_path / "run.h5") as h5:
        assert h5["logodds"].shape == (5, 3) and h5["logodds"].dtype == np.float32
        assert [v.decode() for v in h5["variants/variant_id"][:]][3] == "chr1:20:C>G"
        assert list(h5.attrs["names"]) == ["f0", "f1", "f2"]
    top = effects.top_table([tmp_path / "run.h5"], ["r1"], features, tmp_path / "top.tsv", top=2, block=2)
    assert list(top.columns) == effects.TOP_COLUMNS and len(top) == 5 * 2
    destroy = top[top["variant_id"] == "destroy1"]
    # The largest weight (f0) changes the log odds most, then f1.
    assert destroy["feature"].tolist() == ["f0", "f1"] and destroy["rank"].tolist() == [1, 2]
    assert destroy["category"].tolist() == ["TF", "DNase"]
    assert (destroy["logodds"].abs().diff().dropna() <= 0).all()
    with pytest.raises(ValueError, match="top must be >= 1"):
        effects.top_table([tmp_path / "run.h5"], ["r1"], features, tmp_path / "t.tsv", top=0)
    with pytest.raises(ValueError, match="1 run files but 2 run names"):
        effects.top_table([tmp_path / "run.h5"], ["a", "b"], features, tmp_path / "t.tsv")
    with pytest.raises(ValueError, match="no HDF5 parts"):
        effects.merge_hdf5([], tmp_path / "e.h5")


# ------------------------------------------------------------------------------- auROC, claims, figure
def _effects(diffs: dict[int, list[float]]) -> pd.DataFrame:
    ids = ["d1", "d2", "n1", "n2"]
    rows = [dict(variant_id=v, order=order, dropout=0.0, replicate=1, diff=d)
            for order, values in diffs.items() for v, d in zip(ids, values)]
    return pd.DataFrame(rows)


CLASSES = pd.Series({"d1": "destroy", "d2": "destroy", "n1": "neutral", "n2": "neutral"})


def test_auroc_by_hand():
    assert effects_report.auroc(np.array([2.0, 1.0]), np.array([0.0, 1.0])) == pytest.approx(0.875)
    assert np.isnan(effects_report.auroc(np.array([]), np.array([1.0])))


@pytest.mark.parametrize(
    "diffs, holds",
    [({1: [-0.1, 0.1, 0.0, 0.0], 2: [-1, -1, 0, 0], 3: [-1, -1, 0, 0]}, True),
     ({1: [-1, -1, 0, 0], 2: [0, 0, 0, 0], 3: [1, 1, 0, 0]}, False)],
)
def test_claims_true_and_false(diffs, holds):
    aurocs = effects_report.model_aurocs(_effects(diffs), CLASSES)
    assert list(aurocs.columns) == effects_report.AUROC_COLUMNS
    rows = effects_report.claims(aurocs)
    assert [r.holds for r in rows] == [holds, holds] and all(r.case == "variants" for r in rows)


def test_claims_na_without_classes_orders_or_section():
    no_classes = effects_report.model_aurocs(_effects({1: [0] * 4, 3: [0] * 4}), pd.Series(dtype=object))
    assert all(r.holds is None and "no planted EFFECT" in r.note for r in effects_report.claims(no_classes))
    only_one = effects_report.model_aurocs(_effects({1: [-1, -1, 0, 0]}), CLASSES)
    assert "orders 1 and 2 are not both" in effects_report.claims(only_one)[0].note
    assert all("no `variants` section" in r.note for r in effects_report.claims(None))
    with pytest.raises(ValueError, match="variants metrics table lacks columns"):
        effects_report.claims(pd.DataFrame({"order": [1]}))


def test_summary_has_the_variant_rows(tmp_path):
    table = paper_vs_reproduction()
    assert (table["case"] == "variants").sum() == 2 and table["holds"].isna().all()
    aurocs = effects_report.model_aurocs(_effects({1: [0, 0, 0, 0], 2: [-1, -1, 0, 0], 3: [-1, -1, 0, 0]}),
                                         CLASSES)
    aurocs.to_csv(tmp_path / "a.tsv", sep="\t", index=False)
    written = write_summary(tmp_path / "s.tsv", tmp_path / "s.md", variants=tmp_path / "a.tsv")
    rows = written[written["case"] == "variants"]
    assert rows["holds"].tolist() == [True, True] and rows["reproduction"].tolist() == ["+0.500", "+0.500"]
    pd.DataFrame({"x": [1]}).to_csv(tmp_path / "b.tsv", sep="\t", index=False)
    with pytest.raises(ValueError, match=r"b\.tsv: columns \['x'\]"):
        write_summary(tmp_path / "s.tsv", tmp_path / "s.md", variants=tmp_path / "b.tsv")


def test_planted_classes_and_figures(world, tmp_path):
    _, vcf = world
    classes = effects_report.planted_classes(vcf)
    assert classes.to_dict() == {"destroy1": "destroy", "destroy2": "destroy", "neutral1": "neutral",
                                 "chr1:20:C>G": "neutral", "mismatch": "neutral"}
    table = _effects({1: [-1, -1, 0, 0], 3: [-1, -1, 0, 0]})
    written = effects_report.variant_figure(table, CLASSES, None, tmp_path / "f.png", tmp_path / "f.svg")
    assert [p.name for p in written] == ["f.png", "f.svg"] and all(p.stat().st_size > 0 for p in written)
    top = pd.DataFrame(dict(variant_id=["a"], chrom="chr1", pos=1, ref="A", alt="C", ref_match=True,
                            run="r", rank=1, feature="f", category="TF", logodds=1.0, diff=0.1))
    assert effects_report.variant_figure(None, pd.Series(dtype=object), top, tmp_path / "g.png")
    assert effects_report.variant_figure(None, pd.Series(dtype=object), None, tmp_path / "h.png")
    plain = tmp_path / "plain.vcf"
    plain.write_text("\n".join(HEADER[:2] + HEADER[3:] + ["chr1\t5\t.\tA\tC\t.\t.\t."]) + "\n")
    assert effects_report.planted_classes(plain).empty


# ---------------------------------------------------------------------------------- the rules, tiny
def test_rules_on_a_tiny_config(tmp_path):
    """The variant rules on the tiny JunD configuration (one DNA model, the world's VCF in two parts)."""
    config = yaml.safe_load((REPO / "tests" / "data" / "tiny.yaml").read_text())
    config["sources"]["demo_variants"] = {"url": "results/demo/world/variants.vcf.gz", "none": True}
    config["variants"] = {"vcf": "demo_variants", "chunks": 2}
    configfile = tmp_path / "tiny.yaml"
    configfile.write_text(yaml.safe_dump(config))
    workdir = Path(os.environ.get("GT_DEMO_DIR", REPO / ".test-cache" / "demo")).parent / "variants-tiny"
    targets = ["results/variants/jund_effects.tsv", "results/figures/variant_effects.png",
               "results/summary/paper_vs_reproduction.tsv"]
    cmd = [str(Path(sys.executable).parent / "snakemake"), "--snakefile", str(REPO / "workflow" / "Snakefile"),
           "--configfile", str(configfile), "--directory", str(workdir), "--cores", "2", *targets]
    result = subprocess.run(cmd, capture_output=True, text=True, timeout=1800,
                            env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    assert result.returncode == 0, result.stderr[-6000:]
    table = pd.read_csv(workdir / "results/variants/jund_effects.tsv", sep="\t")
    assert list(table.columns) == effects.JUND_COLUMNS
    assert set(table["order"]) == {1} and table["variant_id"].is_unique
    flagged = table[~table["ref_match"]]
    assert len(flagged) == 1 and flagged["ref_score"].iloc[0] > 0
    assert (workdir / "results/variants/parts/part2.vcf").is_file()
    summary = pd.read_csv(workdir / "results/summary/paper_vs_reproduction.tsv", sep="\t")
    assert (summary["case"] == "variants").sum() == 2  # NA: the tiny grid has order 1 only
