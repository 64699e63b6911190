"""Case study 3 (CAGE at promoters): runs, transforms, splits, summaries, Table 1, Fig. 4 and the claims."""

from __future__ import annotations

import logging
import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from genomic_tensors.cases.cage import claims as cage_claims
from genomic_tensors.cases.cage import data, figures, grid, tables, train
from genomic_tensors.cases.cage.data import fold_masks, log_zscores
from genomic_tensors.cases.cage.figures import ols_fit
from genomic_tensors.cases.cage.grid import Run, parse_run, planned_runs, run_seed
from genomic_tensors.cases.cage.tables import (
    METRIC_COLUMNS,
    collect_metrics,
    table1,
    table1_cell,
    table1_markdown,
)
from genomic_tensors.cases.cage.train import TrainSettings, metrics_row
from genomic_tensors.modelcard import CardTarget


def test_light_modules_import_nothing_heavy():
    """The rule file imports the grid when parsed, the summary imports the claims."""
    code = (
        "import sys\n"
        "import genomic_tensors.cases.cage, genomic_tensors.cases.cage.grid\n"
        "import genomic_tensors.cases.cage.tables, genomic_tensors.cases.cage.claims\n"
        "heavy = ('pysam', 'pyBigWig', 'tensorflow', 'keras', 'matplotlib')\n"
        "print([m for m in heavy if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_fig4_needs_no_keras(tmp_path):
    """cage_fig4 runs in envs/plot.yaml, which has no TensorFlow or Keras."""
    rng = np.random.default_rng(2)
    observed = rng.normal(size=20)
    path = tmp_path / "p.tsv"
    pd.DataFrame({"observed": observed, "predicted": observed + rng.normal(size=20)}).to_csv(
        path, sep="\t", index=False
    )
    code = (
        "import sys\n"
        "from genomic_tensors.cases.cage.figures import write_fig4\n"
        f"write_fig4({str(path)!r}, {str(tmp_path / 'f.png')!r}, {str(tmp_path / 'f.svg')!r})\n"
        "print([m for m in ('tensorflow', 'keras') if m in sys.modules])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------------------------------------ runs
@pytest.mark.parametrize(
    "name, model, order",
    [("dna_order1", "dna", 1), ("combined_order3", "combined", 3), ("chromatin", "chromatin", None)],
)
def test_parse_run_round_trips(name, model, order):
    run = parse_run(name)
    assert (run.model, run.order) == (model, order)
    assert run.name == name


@pytest.mark.parametrize("name", ["dna", "dna_order4", "chromatin_order1", "combined_order", "DNA_order1"])
def test_parse_run_rejects_bad_names(name):
    with pytest.raises(ValueError, match="bad CAGE run name"):
        parse_run(name)


def test_run_rejects_inconsistent_order():
    with pytest.raises(ValueError, match="order must be None"):
        Run("chromatin", 1)
    with pytest.raises(ValueError, match="order must be 1, 2 or 3"):
        Run("dna", None)
    with pytest.raises(ValueError, match="unknown CAGE model 'rna'"):
        Run("rna", 1)


def test_planned_runs_is_the_paper_grid():
    runs = planned_runs([3, 1, 2])
    assert [r.name for r in runs] == [
        "dna_order1", "dna_order2", "dna_order3", "chromatin",
        "combined_order1", "combined_order2", "combined_order3",
    ]
    # 21 folds: 3 orders x 21 DNA, 21 chromatin, 3 x 21 combined.
    assert len(runs) * 21 == 147
    with pytest.raises(ValueError, match="cage.orders is empty"):
        planned_runs([])


def test_run_seed_is_stable_and_distinct():
    assert run_seed(1, "dna_order1", "chr2") == run_seed(1, "dna_order1", "chr2")
    seeds = {run_seed(1, r, f) for r in ("dna_order1", "chromatin") for f in ("chr2", "chr3")}
    assert len(seeds) == 4
    assert run_seed(2, "dna_order1", "chr2") != run_seed(1, "dna_order1", "chr2")
    assert 0 <= run_seed(123456789, "combined_order3", "chr22") < 2**31 - 1


# ------------------------------------------------------------------------------------ transform, split
def _table(**columns):
    return pd.DataFrame({name: np.asarray(values, dtype=np.float64) for name, values in columns.items()})


def test_log_zscores_by_hand():
    table = _table(cage=[0.0, 1.0, 3.0, 7.0])
    z = log_zscores(table, ["cage"], np.array([True, True, True, False]))["cage"]
    # log1p of the training rows: 0, ln 2, ln 4 -> mean ln 2, population sd ln 2 * sqrt(2/3)
    assert z.dtype == np.float32 and z.shape == (4, 1, 1, 1)
    np.testing.assert_allclose(
        z.ravel(), [-math.sqrt(1.5), 0.0, math.sqrt(1.5), 2 * math.sqrt(1.5)], rtol=1e-6
    )


def test_log_zscores_use_training_statistics_only():
    chroms = np.array(["chr1", "chr1", "chr2", "chr3", "chr3", "chr4"])
    raw = np.array([5.0, 9.0, 2.0, 0.0, 3.0, 1.0])
    masks = fold_masks(chroms, validation="chr2", test=["chr1"])
    z = log_zscores(_table(dnase=raw), ["dnase"], masks.train)["dnase"].ravel()
    leaky = raw.copy()
    leaky[masks.test] *= 1000  # changing test values must not move the statistics
    again = log_zscores(_table(dnase=leaky), ["dnase"], masks.train)["dnase"].ravel()
    np.testing.assert_array_equal(z[~masks.test], again[~masks.test])
    logged = np.log1p([0.0, 3.0, 1.0])
    expected = ((np.log1p(raw) - logged.mean()) / logged.std()).astype(np.float32)
    np.testing.assert_array_equal(z, expected)


@pytest.mark.parametrize(
    "values, match",
    [([1.0, -1.0], "value -1.0 is negative"), ([1.0, np.nan], "not finite")],
)
def test_log_zscores_errors(values, match):
    with pytest.raises(ValueError, match=match):
        log_zscores(_table(dnase=values), ["dnase"], np.array([True, True]))


def test_log_zscores_of_equal_training_values_are_only_centred(caplog):
    # genomic_tensors.normalize divides by 1 where the sd is 0; the job logs it.
    with caplog.at_level(logging.WARNING, logger="genomic_tensors"):
        z = log_zscores(_table(dnase=[4.0, 4.0, 9.0]), ["dnase"], np.array([True, True, False]))
    np.testing.assert_allclose(z["dnase"].ravel(), [0.0, 0.0, np.log(10.0) - np.log(5.0)], rtol=1e-6)
    assert "all 2 training values of dnase are equal" in caplog.text


def test_fold_masks():
    chroms = pd.Series(["chr1", "chr2", "chr3", "chr1", "chrX", "chr2"])
    masks = fold_masks(chroms, validation="chr2", test=["chr1"])
    assert masks.test.tolist() == [True, False, False, True, False, False]
    assert masks.validation.tolist() == [False, True, False, False, False, True]
    assert masks.train.tolist() == [False, False, True, False, True, False]
    # The three splits partition the promoters.
    assert (masks.train.astype(int) + masks.validation + masks.test == 1).all()


def test_fold_masks_errors():
    chroms = ["chr1", "chr2", "chr3"]
    with pytest.raises(ValueError, match="validation chromosome 'chr1' is also a test chromosome"):
        fold_masks(chroms, validation="chr1", test=["chr1"])
    with pytest.raises(ValueError, match=r"no promoters in the validation split \(chr9\)"):
        fold_masks(chroms, validation="chr9", test=["chr1"])
    with pytest.raises(ValueError, match="no promoters in the training split"):
        fold_masks(["chr1", "chr2"], validation="chr2", test=["chr1"])
    with pytest.raises(ValueError, match="no promoters in the test split"):
        fold_masks(chroms, validation="chr2", test=["chrM"])


# ------------------------------------------------------------------------------------------ metrics
def _predictions(observed_test, predicted_test, observed_val, predicted_val):
    return pd.DataFrame(
        {
            "split": ["test"] * len(observed_test) + ["validation"] * len(observed_val),
            "observed": list(observed_test) + list(observed_val),
            "predicted": list(predicted_test) + list(predicted_val),
        }
    )


def test_metrics_row_by_hand():
    preds = _predictions([0.0, 1.0, 2.0], [0.0, 2.0, 4.0], [1.0, 2.0, 3.0], [3.0, 2.0, 1.0])
    row = metrics_row(preds, run=Run("dna", 2), fold="chr5")
    assert list(row.columns) == METRIC_COLUMNS
    r = row.iloc[0]
    assert (r["model"], r["order"], r["fold"], r["n_test"]) == ("dna", 2, "chr5", 3)
    assert r["pearson"] == pytest.approx(1.0)
    assert r["pearson_validation"] == pytest.approx(-1.0)
    assert r["mae"] == pytest.approx((0 + 1 + 2) / 3)


def test_metrics_row_needs_test_rows():
    preds = _predictions([], [], [1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match="chromatin fold chr2: no test predictions"):
        metrics_row(preds, run=Run("chromatin", None), fold="chr2")


def _write_metrics(tmp_path, rows):
    paths = []
    for i, (model, order, fold, pearson) in enumerate(rows):
        frame = pd.DataFrame(
            [[model, order, fold, pearson, pearson - 0.01, 0.5, 100]], columns=METRIC_COLUMNS
        )
        frame["order"] = frame["order"].astype("Int64")
        path = tmp_path / f"m{i}.tsv"
        frame.to_csv(path, sep="\t", index=False)
        paths.append(path)
    return paths


METRIC_ROWS = [
    ("combined", 1, "chr2", 0.80),
    ("dna", 1, "chr10", 0.70),
    ("chromatin", None, "chr3", 0.80),
    ("dna", 1, "chr2", 0.50),
    ("dna", 1, "chr3", 0.60),
    ("chromatin", None, "chr2", 0.70),
    ("dna", 3, "chr2", 0.65),
]


def test_collect_metrics_sorts_and_leaves_chromatin_order_empty(tmp_path):
    metrics = collect_metrics(_write_metrics(tmp_path, METRIC_ROWS))
    assert list(metrics.columns) == METRIC_COLUMNS
    assert list(zip(metrics["model"], metrics["order"].astype(object), metrics["fold"])) == [
        ("dna", 1, "chr2"), ("dna", 1, "chr3"), ("dna", 1, "chr10"), ("dna", 3, "chr2"),
        ("chromatin", pd.NA, "chr2"), ("chromatin", pd.NA, "chr3"), ("combined", 1, "chr2"),
    ]
    out = tmp_path / "metrics.tsv"
    metrics.to_csv(out, sep="\t", index=False)
    lines = out.read_text().splitlines()
    assert lines[0].split("\t") == METRIC_COLUMNS
    assert lines[5].split("\t")[:3] == ["chromatin", "", "chr2"]


def test_collect_metrics_errors(tmp_path):
    with pytest.raises(ValueError, match="no CAGE metrics files"):
        collect_metrics([])
    bad = tmp_path / "bad.tsv"
    pd.DataFrame({"model": ["dna"], "pearson": [0.5]}).to_csv(bad, sep="\t", index=False)
    with pytest.raises(ValueError, match=r"bad.tsv: columns \['model', 'pearson'\]; expected"):
        collect_metrics([bad])


def test_table1_mean_and_standard_error_by_hand(tmp_path):
    metrics = collect_metrics(_write_metrics(tmp_path, METRIC_ROWS))
    table = table1(metrics).set_index("model")
    assert list(table.index) == ["dna", "chromatin", "combined"]
    # DNA order 1 over folds chr2, chr3, chr10: r = 0.5, 0.6, 0.7 -> mean 0.6, sd 0.1, se 0.1 / sqrt(3).
    assert table.loc["dna", "order1_mean"] == pytest.approx(0.6)
    assert table.loc["dna", "order1_se"] == pytest.approx(0.1 / math.sqrt(3))
    assert table.loc["dna", "order1_folds"] == 3
    assert table.loc["dna", "order1_paper"] == 0.533
    # One fold only: mean without a standard error; no run at order 2: empty.
    assert table.loc["dna", "order3_mean"] == pytest.approx(0.65)
    assert math.isnan(table.loc["dna", "order3_se"])
    assert table.loc["dna", "order2_folds"] == 0 and math.isnan(table.loc["dna", "order2_mean"])
    # Chromatin (no order) fills every order column: 0.7, 0.8 -> mean 0.75, se sqrt(0.005) / sqrt(2) = 0.05.
    for k in (1, 2, 3):
        assert table.loc["chromatin", f"order{k}_mean"] == pytest.approx(0.75)
        assert table.loc["chromatin", f"order{k}_se"] == pytest.approx(0.05)
        assert table.loc["chromatin", f"order{k}_paper"] == 0.777
    assert table.loc["combined", "order1_paper"] == 0.775
    assert table.loc["combined", "order3_paper"] == 0.784


def test_table1_markdown_puts_paper_beside_ours(tmp_path):
    metrics = collect_metrics(_write_metrics(tmp_path, METRIC_ROWS))
    text = table1_markdown(table1(metrics))
    lines = text.splitlines()
    header = [c.strip() for c in lines[2].strip("|").split("|")]
    assert header == [
        "model", "order 1", "order 1 (paper)", "order 2", "order 2 (paper)", "order 3", "order 3 (paper)"
    ]
    dna = [c.strip() for c in lines[4].strip("|").split("|")]
    assert dna == ["DNA", "0.600 ± 0.058 (n=3)", "0.533", "–", "0.559", "0.650 (n=1)", "0.585"]
    chromatin = [c.strip() for c in lines[5].strip("|").split("|")]
    assert chromatin[1:3] == ["0.750 ± 0.050 (n=2)", "0.777"]
    assert lines[6].startswith("| DNA + chromatin | 0.800 (n=1) | 0.775 |")


def test_write_table1(tmp_path):
    metrics = collect_metrics(_write_metrics(tmp_path, METRIC_ROWS))
    metrics.to_csv(tmp_path / "metrics.tsv", sep="\t", index=False)
    tables.write_table1(tmp_path / "metrics.tsv", tmp_path / "t.tsv", tmp_path / "t.md")
    back = pd.read_csv(tmp_path / "t.tsv", sep="\t")
    assert list(back.columns[:6]) == [
        "model", "label", "order1_mean", "order1_se", "order1_folds", "order1_paper"
    ]
    assert back.loc[0, "order1_mean"] == pytest.approx(0.6)
    assert "| DNA |" in (tmp_path / "t.md").read_text()


def test_table1_without_rows():
    empty = pd.DataFrame(columns=METRIC_COLUMNS)
    with pytest.raises(ValueError, match="no CAGE metrics rows"):
        table1(empty)


# ---------------------------------------------------------------------------------------------- Fig. 4
def test_ols_fit_against_the_closed_form():
    rng = np.random.default_rng(0)
    observed = rng.normal(size=200)
    predicted = 0.5 * observed + 0.2 + rng.normal(scale=0.5, size=200)
    fit = ols_fit(observed, predicted)
    r = np.corrcoef(observed, predicted)[0, 1]
    slope = r * predicted.std() / observed.std()
    assert fit.slope == pytest.approx(slope)
    assert fit.intercept == pytest.approx(predicted.mean() - slope * observed.mean())
    # Simple regression: F = r^2 / (1 - r^2) * (n - 2), on (1, n - 2) degrees of freedom.
    assert fit.fvalue == pytest.approx(r**2 / (1 - r**2) * 198)
    from scipy import stats

    assert fit.f_pvalue == pytest.approx(stats.f.sf(fit.fvalue, 1, 198))
    assert fit.r == pytest.approx(r) and fit.n == 200


def test_ols_fit_errors():
    with pytest.raises(ValueError, match="at least 3 points, got 2"):
        ols_fit([1.0, 2.0], [1.0, 2.0])
    with pytest.raises(ValueError, match=r"observed \(3,\) and predicted \(2,\) differ"):
        ols_fit([1.0, 2.0, 3.0], [1.0, 2.0])


def test_format_p():
    assert figures.format_p(0.0) == "P < 2.2e-16"
    assert figures.format_p(1e-20) == "P < 2.2e-16"
    assert figures.format_p(3.14e-5) == "P = 3.1e-05"


def test_fig4_draws_test_rows_with_ols_line_and_f_test(tmp_path):
    rng = np.random.default_rng(1)
    n = 60
    observed = rng.normal(size=n)
    preds = pd.DataFrame(
        {
            "split": ["test"] * n + ["validation"] * 5,
            "observed": np.r_[observed, np.zeros(5)],
            "predicted": np.r_[observed + rng.normal(scale=0.3, size=n), np.full(5, 9.0)],
        }
    )
    fig, fit = figures.fig4(preds, title="combined order 3, fold chr2")
    assert fit.n == n  # validation rows are not drawn
    ax = fig.axes[0]
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith(f"F = {fit.fvalue:.4g}, P") for t in texts)
    red = [line for line in ax.get_lines() if line.get_color() == "red"]
    assert len(red) == 1
    x, y = red[0].get_data()
    np.testing.assert_allclose(y, fit.intercept + fit.slope * np.asarray(x))
    path = tmp_path / "p.tsv"
    preds.to_csv(path, sep="\t", index=False)
    out = figures.write_fig4(path, tmp_path / "f" / "fig4.png", tmp_path / "f" / "fig4.svg")
    assert out.n == n
    assert (tmp_path / "f" / "fig4.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in (tmp_path / "f" / "fig4.svg").read_bytes()[:2000]


# ------------------------------------------------------------------ promoter summaries (BAM, bigWig)
CHROM_LENGTH = 3000
# 0-based half-open promoters: one at the chromosome start (windows padded), one per strand.
PROMOTERS = pd.DataFrame(
    {
        "chrom": ["chrA", "chrA", "chrA"],
        "start": [100, 1000, 2200],
        "end": [301, 1201, 2401],
        "name": ["g0", "gplus", "gminus"],
        "score": [0.0, 0.0, 0.0],
        "strand": ["+", "+", "-"],
    }
)
FLANKS = {"dna": 350, "cage": 400, "chromatin": 200}


def _segment(pysam, header, name, pos, *, reverse=False, flag=0, length=20, mate=None):
    seg = pysam.AlignedSegment(header)
    seg.query_name = name
    seg.reference_id = 0
    seg.reference_start = pos
    seg.cigartuples = [(0, length)]
    seg.query_sequence = "A" * length
    seg.query_qualities = pysam.qualitystring_to_array("I" * length)
    seg.mapping_quality = 60
    seg.flag = flag | (0x10 if reverse else 0)
    if mate is not None:  # (mate position, mate reverse, first in pair)
        mate_pos, mate_reverse, first = mate
        seg.flag |= 0x1 | 0x2 | (0x20 if mate_reverse else 0) | (0x40 if first else 0x80)
        seg.next_reference_id = 0
        seg.next_reference_start = mate_pos
        left, right = min(pos, mate_pos), max(pos, mate_pos) + length
        seg.template_length = (right - left) * (1 if pos <= mate_pos else -1)
    return seg


def _bam(tmp_path, name, segments):
    pysam = pytest.importorskip("pysam")
    header = pysam.AlignmentHeader.from_dict(
        {"HD": {"VN": "1.6", "SO": "unsorted"}, "SQ": [{"SN": "chrA", "LN": CHROM_LENGTH}]}
    )
    raw = tmp_path / f"{name}.unsorted.bam"
    with pysam.AlignmentFile(raw, "wb", header=header) as out:
        for args, kwargs in segments:
            out.write(_segment(pysam, header, *args, **kwargs))
    path = tmp_path / f"{name}.bam"
    pysam.sort("-o", str(path), str(raw))
    pysam.index(str(path))
    return path


def _signal_files(tmp_path):
    # CAGE (single-end 20-bp reads); 5' end: forward = start, reverse = start + 19.
    cage_bam = _bam(
        tmp_path,
        "cage",
        [
            (("f600", 600), {}),            # g0 [-300, 701) and gplus [600, 1601): both
            (("f599", 599), {}),            # g0 only
            (("r1590", 1590), {"reverse": True}),  # 5' 1609: outside gplus though it starts inside
            (("r1581", 1581), {"reverse": True}),  # 5' 1600: last base of gplus window
            (("f1600", 1600), {}),          # gplus
            (("f1601", 1601), {}),          # nowhere
            (("r1790", 1790), {"reverse": True}),  # 5' 1809: gminus [1800, 2801) though it starts outside
            (("r2781", 2781), {"reverse": True}),  # 5' 2800: gminus
            (("f2800", 2800), {}),          # gminus
            (("f2801", 2801), {}),          # nowhere
            (("dup", 2000), {"flag": 0x400}),  # duplicate: never counted
        ],
    )
    # DNase (paired-end, each mate's 5' end); chromatin windows g0 [-100, 501), gplus [800, 1401),
    # gminus [2000, 2601).
    dnase_bam = _bam(
        tmp_path,
        "dnase",
        [
            (("p1", 800), {"mate": (1380, True, True)}),                  # 5' 800: gplus
            (("p1", 1380), {"reverse": True, "mate": (800, False, False)}),  # 5' 1399: gplus
            (("p2", 790), {"mate": (1000, True, True)}),                  # 5' 790: outside
            (("p2", 1000), {"reverse": True, "mate": (790, False, False)}),  # 5' 1019: gplus
            (("p3", 2000), {"mate": (2590, True, True)}),                 # 5' 2000: gminus
            (("p3", 2590), {"reverse": True, "mate": (2000, False, False)}),  # 5' 2609: outside
        ],
    )
    bw = pytest.importorskip("pyBigWig")
    path = tmp_path / "h3k4me3.bw"
    handle = bw.open(str(path), "w")
    handle.addHeader([("chrA", CHROM_LENGTH)])
    handle.addEntries(
        ["chrA"] * 6,
        [0, 799, 800, 1401, 2000, 2601],
        ends=[501, 800, 1000, 1402, 2601, 2700],
        values=[2.0, 5.0, 3.0, 5.0, 1.0, 9.0],
    )
    handle.close()
    return cage_bam, dnase_bam, path


def test_promoter_signals_sum_5prime_ends_and_average_bigwig_on_both_strands(tmp_path):
    coverage = pytest.importorskip("genomic_tensors.coverage")
    if not hasattr(coverage, "Cover"):
        pytest.skip("Cover has not landed yet")
    cage_bam, dnase_bam, bigwig = _signal_files(tmp_path)
    table = data.promoter_signals(
        PROMOTERS, cage_bam=cage_bam, dnase_bam=dnase_bam, h3k4me3_bigwig=bigwig, flanks=FLANKS
    )
    assert list(table.columns) == ["chrom", "start", "end", "name", "strand", *data.SIGNALS]
    assert table["name"].tolist() == ["g0", "gplus", "gminus"]
    # Promoter coordinates are kept without flank; strands as given.
    assert table["start"].tolist() == [100, 1000, 2200] and table["strand"].tolist() == ["+", "+", "-"]
    assert table["cage"].tolist() == [2.0, 3.0, 3.0]
    assert table["dnase"].tolist() == [0.0, 3.0, 1.0]
    # Mean per bp over the 601-bp chromatin window, zero outside the chromosome and where no data:
    # g0 [-100, 501): 501 bp of 2.0; gplus [800, 1401): 200 bp of 3.0; gminus [2000, 2601): all 1.0.
    np.testing.assert_allclose(
        table["h3k4me3"], [501 * 2.0 / 601, 200 * 3.0 / 601, 1.0], rtol=1e-6
    )
    # The summary windows are symmetric: the strand does not change a promoter's values.
    flipped = PROMOTERS.assign(strand=["-", "-", "+"])
    again = data.promoter_signals(
        flipped, cage_bam=cage_bam, dnase_bam=dnase_bam, h3k4me3_bigwig=bigwig, flanks=FLANKS
    )
    pd.testing.assert_frame_equal(
        again[list(data.SIGNALS)], table[list(data.SIGNALS)], check_exact=False
    )


def test_promoter_signals_needs_both_flanks(tmp_path):
    with pytest.raises(ValueError, match="flanks must give 'chromatin'"):
        data.promoter_signals(
            PROMOTERS, cage_bam="x.bam", dnase_bam="y.bam", h3k4me3_bigwig="z.bw", flanks={"cage": 400}
        )


# ------------------------------------------------------------------------------------- one training job
def _signals_table(tmp_path, n_per_chrom=30):
    rng = np.random.default_rng(3)
    chroms = np.repeat(["chr1", "chr2", "chr3", "chr4"], n_per_chrom)
    n = chroms.size
    latent = rng.normal(size=n)
    table = pd.DataFrame(
        {
            "chrom": chroms,
            "start": np.tile(np.arange(n_per_chrom) * 1000 + 500, 4),
            "name": [f"g{i}" for i in range(n)],
            "strand": np.where(np.arange(n) % 2 == 0, "+", "-"),
            "cage": np.round(np.exp(2 + latent + rng.normal(scale=0.3, size=n))),
            "dnase": np.round(np.exp(1 + latent)),
            "h3k4me3": np.exp(latent) / 3,
        }
    )
    table.insert(2, "end", table["start"] + 201)
    path = tmp_path / "signals.tsv"
    table.to_csv(path, sep="\t", index=False)
    return path, table


def test_train_fold_chromatin_writes_outputs_with_training_statistics(tmp_path):
    pytest.importorskip("genomic_tensors.training")
    path, table = _signals_table(tmp_path)
    settings = TrainSettings(
        test=["chr1"], dna_flank=350, dropout=0.2, epochs=2, batch_size=16, patience=5
    )
    kwargs = dict(run="chromatin", fold="chr2", seed=7, settings=settings)
    fasta, _ = _genome(tmp_path, {"chr1": 100})
    genome = _genome_entry(tmp_path, fasta)
    card = CardTarget(tmp_path / "a" / "model.json", "chromatin/chr2", genome)
    row = train.train_fold(path, None, outdir=tmp_path / "a", card=card, **kwargs)
    assert list(row.columns) == METRIC_COLUMNS
    assert (row.loc[0, "model"], row.loc[0, "fold"], row.loc[0, "n_test"]) == ("chromatin", "chr2", 30)
    assert pd.isna(row.loc[0, "order"])
    for name in ("model.keras", "history.tsv", "predictions.tsv", "metrics.tsv"):
        assert (tmp_path / "a" / name).is_file()
    preds = pd.read_csv(tmp_path / "a" / "predictions.tsv", sep="\t")
    assert preds["split"].value_counts().to_dict() == {"validation": 30, "test": 30}
    assert set(preds.loc[preds["split"] == "test", "chrom"]) == {"chr1"}
    # Observed = z-score of log(x + 1) with the mean and sd of the training chromosomes (chr3, chr4) only.
    fitted = np.log1p(table.loc[table["chrom"].isin(["chr3", "chr4"]), "cage"].to_numpy())
    expected = (np.log1p(table.loc[table["chrom"] == "chr1", "cage"]) - fitted.mean()) / fitted.std()
    np.testing.assert_allclose(
        preds.loc[preds["split"] == "test", "observed"], expected, rtol=1e-5, atol=1e-6
    )
    assert np.isfinite(row.loc[0, "pearson"]) and row.loc[0, "mae"] > 0
    model, card = _check_card(tmp_path / "a" / "model.keras", fasta, row, seed=7)
    assert card.window is card.flank is card.order is card.strands is None
    assert [(i["name"], i["kind"], i["shape"]) for i in card.inputs] == [
        ("dnase", "signal", [1, 1, 1]), ("h3k4me3", "signal", [1, 1, 1])
    ]
    stats = card.normalization["cage"]["statistics"]
    assert stats["mean"] == pytest.approx([fitted.mean()]) and stats["std"] == pytest.approx([fitted.std()])
    dnase = np.log1p(table.loc[table["chrom"].isin(["chr3", "chr4"]), "dnase"].to_numpy())
    assert card.normalization["dnase"]["statistics"]["mean"] == pytest.approx([dnase.mean()])
    assert set(card.normalization) == {"cage", "dnase", "h3k4me3"}
    # Same seed, same data: the same numbers.
    again = train.train_fold(path, None, outdir=tmp_path / "b", **kwargs)
    assert not (tmp_path / "b" / "model.json").exists()  # no card asked for
    pd.testing.assert_frame_equal(row, again)


def test_train_fold_errors(tmp_path):
    path, _ = _signals_table(tmp_path)
    settings = TrainSettings(
        test=["chr1"], dna_flank=350, dropout=0.2, epochs=1, batch_size=16, patience=1
    )
    common = dict(fold="chr2", seed=1, settings=settings, outdir=tmp_path / "o")
    with pytest.raises(ValueError, match="run dna_order1 uses DNA: a genome FASTA is needed"):
        train.train_fold(path, None, run="dna_order1", **common)
    with pytest.raises(ValueError, match="bad CAGE run name 'rna'"):
        train.train_fold(path, None, run="rna", **common)
    bad = tmp_path / "bad.tsv"
    pd.read_csv(path, sep="\t").drop(columns=["dnase"]).to_csv(bad, sep="\t", index=False)
    with pytest.raises(ValueError, match=r"bad.tsv: columns \[.*\]; expected \[.*'dnase'"):
        train.train_fold(bad, None, run="chromatin", **common)


# ------------------------------------------------------------------------------ promoters from a GTF
def _genome(tmp_path, lengths, seed=0):
    rng = np.random.default_rng(seed)
    seqs = {c: "".join(rng.choice(list("ACGT"), size=n)) for c, n in lengths.items()}
    path = tmp_path / "genome.fa"
    path.write_text("".join(f">{c}\n{s}\n" for c, s in seqs.items()))
    pytest.importorskip("pysam").faidx(str(path))
    return path, seqs


def _revcomp(seq):
    return seq[::-1].translate(str.maketrans("ACGT", "TGCA"))


def test_promoters_from_gtf_and_their_dna_windows_on_both_strands(tmp_path):
    recipes = pytest.importorskip("genomic_tensors.recipes")
    pytest.importorskip("genomic_tensors.sequence")
    fasta, seqs = _genome(tmp_path, {"chrA": 3000})
    attrs = 'gene_id "{0}"; gene_type "{1}"; gene_name "{0}";'
    gtf = tmp_path / "genes.gtf"
    gtf.write_text(
        # GTF is 1-based inclusive: + gene TSS at 1101 (0-based 1100); - gene TSS at 2400 (0-based 2399).
        f"chrA\tT\tgene\t1101\t1500\t.\t+\t.\t{attrs.format('gplus', 'protein_coding')}\n"
        f"chrA\tT\tgene\t2000\t2400\t.\t-\t.\t{attrs.format('gminus', 'protein_coding')}\n"
        f"chrA\tT\tgene\t500\t900\t.\t+\t.\t{attrs.format('nc', 'lncRNA')}\n"
    )
    promoters = recipes.promoters(gtf, upstream=200, gene_type="protein_coding")
    assert promoters["name"].tolist() == ["gplus", "gminus"]
    # 200 bp upstream plus the TSS itself: + [tss - 200, tss + 1), - [tss, tss + 201).
    assert promoters[["start", "end", "strand"]].values.tolist() == [
        [900, 1101, "+"], [2399, 2600, "-"]
    ]
    dna = data.promoter_dna(fasta, promoters, flank=350, order=1)
    assert dna.shape == (2, 901, 4)
    letters = np.array(list("ACGT"))
    as_text = ["".join(letters[w.argmax(axis=1)]) for w in np.asarray(dna[np.arange(2)])]
    genome = seqs["chrA"]
    assert as_text[0] == genome[550:1451]
    # Minus strand: reverse complement, so the TSS sits at the same offset (550) in both windows.
    assert as_text[1] == _revcomp(genome[2049:2950])
    assert as_text[0][550] == genome[1100] and as_text[1][550] == _revcomp(genome[2399])


def test_train_fold_dna_order2(tmp_path):
    pytest.importorskip("genomic_tensors.sequence")
    path, table = _signals_table(tmp_path, n_per_chrom=20)
    fasta, _ = _genome(tmp_path, {c: 21_000 for c in ("chr1", "chr2", "chr3", "chr4")})
    settings = TrainSettings(
        test=["chr1"], dna_flank=350, dropout=0.2, epochs=1, batch_size=16, patience=5
    )
    card = CardTarget(tmp_path / "dna" / "model.json", "dna_order2/chr2", _genome_entry(tmp_path, fasta))
    row = train.train_fold(
        path, fasta, run="dna_order2", fold="chr2", seed=3, settings=settings, outdir=tmp_path / "dna",
        card=card,
    )
    assert (row.loc[0, "model"], row.loc[0, "order"], row.loc[0, "n_test"]) == ("dna", 2, 20)
    model = pytest.importorskip("keras").saving.load_model(tmp_path / "dna" / "model.keras")
    assert model.inputs[0].shape[1:] == (900, 16)  # 201 + 2 x 350 = 901 bp, order 2
    _, card = _check_card(tmp_path / "dna" / "model.keras", fasta, row, seed=3)
    assert (card.window, card.flank, card.order, card.strands) == (901, 350, 2, "both")
    assert card.inputs == [{"name": "dna", "kind": "dna_onehot", "shape": [900, 16]}]
    assert set(card.normalization) == {"cage"} and card.training["dropout"] == 0.2


def _genome_entry(tmp_path, fasta):
    from genomic_tensors.modelcard import genome_entry, write_digest

    write_digest(fasta, tmp_path / "genome.fa.sha256")
    return genome_entry("tiny", tmp_path / "genome.fa.sha256")


def _check_card(model_path, fasta, row, *, seed):
    """Every trained model has its card: genome checksum, outputs, seed, metrics; the model loads with it."""
    from genomic_tensors.files import file_digest
    from genomic_tensors.modelcard import load_model_with_card

    model, card = load_model_with_card(model_path)
    assert card.case == "cage" and card.outputs == ["cage"] and card.training["seed"] == seed
    assert card.genome["sha256"] == file_digest(fasta) and card.versions["tensorflow"]
    if card.window is not None:
        assert tuple(model.inputs[0].shape[1:]) == (card.window - card.order + 1, 4**card.order)
    assert card.metrics["test"]["pearson"] == pytest.approx(row.loc[0, "pearson"])
    assert card.metrics["validation"]["pearson"] == pytest.approx(row.loc[0, "pearson_validation"])
    assert card.metrics["test"]["n"] == row.loc[0, "n_test"] and card.metrics["validation"]["loss"] > 0
    return model, card


# ------------------------------------------------------------------------------------ workflow helpers
def test_figure_model_and_title():
    cfg = {"orders": [1, 2, 3], "folds": ["chr2", "chr3"], "figure_fold": "chr3", "test": ["chr1"]}
    assert grid.figure_model(cfg) == ("combined_order3", "chr3")
    assert grid.figure_title(cfg) == "combined order3, validation chr3, test chr1"
    # Without order 3 the highest order; without figure_fold the first fold.
    assert grid.figure_model({"orders": [1, 2], "folds": ["chr4", "chr5"]}) == ("combined_order2", "chr4")
    with pytest.raises(ValueError, match=r"cage.figure_fold 'chr9' is not one of cage.folds \['chr2'\]"):
        grid.figure_model({"orders": [1], "folds": ["chr2"], "figure_fold": "chr9"})
    with pytest.raises(ValueError, match="cage.folds is empty"):
        grid.figure_model({"orders": [1], "folds": []})


def test_batchnorm_momentum_is_set_on_every_batchnorm_layer():
    keras = pytest.importorskip("keras")
    models = pytest.importorskip("genomic_tensors.models")
    model = train._with_batchnorm_momentum(lambda: models.cage_dna(1, 0.0, length=101), 0.9)
    momenta = [l.momentum for l in model.layers if isinstance(l, keras.layers.BatchNormalization)]
    assert momenta == [0.9, 0.9]
    with pytest.raises(ValueError, match=r"batchnorm_momentum must be in \[0, 1\), got 1.0"):
        train._with_batchnorm_momentum(lambda: models.cage_chromatin(), 1.0)


# -------------------------------------------------------------------------------------------- claims
def cage_table(cells: dict) -> pd.DataFrame:
    """A metrics table from {(model, order): [test Pearson r per fold]}, as the summary reads it."""
    rows = [
        dict(model=model, order=order, fold=f"chr{i + 2}", pearson=r, pearson_validation=r, mae=0.5,
             n_test=100)
        for (model, order), values in cells.items()
        for i, r in enumerate(values)
    ]
    return pd.DataFrame(rows, columns=METRIC_COLUMNS)


def by_claim(claims, text):
    (claim,) = [c for c in claims if text in c.claim]
    return claim


def test_claims_table_rows_and_paper_values():
    specs = cage_claims.CLAIMS
    assert [(s.claim, s.paper) for s in specs] == [
        ("Table 1, DNA, order 1", "0.533"),
        ("Table 1, DNA, order 2", "0.559"),
        ("Table 1, DNA, order 3", "0.585"),
        ("Table 1, chromatin", "0.777"),
        ("Table 1, DNA + chromatin, order 1", "0.775"),
        ("Table 1, DNA + chromatin, order 2", "0.783"),
        ("Table 1, DNA + chromatin, order 3", "0.784"),
        ("Table 1: the DNA model improves with one-hot order (3 over 1)", "0.585 > 0.533"),
        ("Table 1: DNA + chromatin beats DNA alone at every order", "0.775/0.783/0.784 > 0.533/0.559/0.585"),
    ]


def test_cage_cells_hold_within_two_standard_errors():
    cells = {
        ("dna", 1): [0.50, 0.56],
        ("dna", 3): [0.58, 0.60],
        ("chromatin", None): [0.70, 0.72],
        ("combined", 1): [0.77, 0.78],
        ("combined", 3): [0.78, 0.79],
    }
    claims = cage_claims.claims(cage_table(cells))
    assert len(claims) == 9 and {c.case for c in claims} == {"cage"}
    dna1 = by_claim(claims, "DNA, order 1")
    # mean 0.53, SE = sd/sqrt(2) = 0.03: 0.533 lies within 2 SE.
    assert dna1.reproduction == "0.530 ± 0.030 (2 folds)" and dna1.holds is True
    # chromatin: mean 0.71, SE 0.01; 0.777 is 6.7 SE away.
    assert by_claim(claims, "Table 1, chromatin").holds is False
    order2 = by_claim(claims, "Table 1, DNA, order 2")
    assert (order2.reproduction, order2.holds, order2.note) == ("NA", None, "not in the grid")
    assert by_claim(claims, "improves with").holds is True
    assert by_claim(claims, "beats DNA alone").holds is True
    assert (
        by_claim(claims, "beats DNA alone").reproduction
        == "order 1 0.775 vs 0.530; order 3 0.785 vs 0.590"
    )


def test_cage_orderings_fail_and_single_folds_are_na():
    cells = {("dna", 1): [0.6], ("dna", 3): [0.5], ("combined", 1): [0.55], ("combined", 3): [0.6]}
    claims = cage_claims.claims(cage_table(cells))
    dna1 = by_claim(claims, "DNA, order 1")
    assert (dna1.reproduction, dna1.holds) == ("0.600 (1 fold)", None)
    assert "one fold" in dna1.note
    assert by_claim(claims, "improves with").holds is False
    assert by_claim(claims, "beats DNA alone").holds is False


def test_claims_without_runs_or_case():
    only_chromatin = cage_claims.claims(cage_table({("chromatin", None): [0.7, 0.8]}))
    assert by_claim(only_chromatin, "improves with").note == "needs the DNA model at orders 1 and 3"
    assert by_claim(only_chromatin, "beats DNA alone").note == (
        "needs DNA and combined models of the same order"
    )
    not_run = cage_claims.claims(None)
    assert len(not_run) == 9 and all(c.holds is None and c.reproduction == "NA" for c in not_run)
    with pytest.raises(ValueError, match=r"cage metrics table lacks columns \['pearson'\]"):
        cage_claims.claims(cage_table({}).drop(columns=["pearson"]))


def test_claims_and_table1_read_the_same_cells(tmp_path):
    metrics = collect_metrics(_write_metrics(tmp_path, METRIC_ROWS))
    table = table1(metrics).set_index("model")
    cell = table1_cell(metrics, "chromatin", 3)  # the chromatin model has no order
    assert cell == table1_cell(metrics, "chromatin", None)
    assert (cell.mean, cell.se, cell.folds) == tuple(
        table.loc["chromatin", ["order2_mean", "order2_se", "order2_folds"]]
    )
    claim = by_claim(cage_claims.claims(metrics), "Table 1, chromatin")
    assert claim.reproduction == f"{cell.mean:.3f} ± {cell.se:.3f} (2 folds)"
