"""The paper-vs-reproduction table: each claim's True, False and NA cases on hand-made metrics tables."""

from __future__ import annotations

import pandas as pd
import pytest

from genomic_tensors.cases.summary import (
    SUMMARY_COLUMNS,
    cage_claims,
    deepsea_claims,
    jund_claims,
    paper_vs_reproduction,
    read_metrics,
    to_markdown,
    write_summary,
)


# ----------------------------------------------------------------------------------------------- JunD
def jund_table(dna=None, dnase=None, combined=None) -> pd.DataFrame:
    """Test rows (plus a distracting validation row per setting) from {setting: [auprc per replicate]}."""
    rows = []

    def add(model, order, dropout, norm, aug, values):
        for rep, value in enumerate(values):
            for split, v in (("validation", 0.99), ("test", value)):
                rows.append(
                    dict(
                        model=model,
                        order=order,
                        dropout=dropout,
                        normalization=norm,
                        augment=aug,
                        replicate=rep,
                        split=split,
                        auprc=v,
                        auroc=0.5,
                        n_positive=1,
                        n_total=2,
                    )
                )

    for (order, dropout), values in (dna or {}).items():
        add("dna", order, dropout, None, "none", values)
    for (norm, aug), values in (dnase or {}).items():
        add("dnase", None, None, norm, aug, values)
    if combined:
        add("combined", 3, 0.0, "zscorelog", "flip", combined)
    return pd.DataFrame(rows)


DNA_GOOD = {
    (1, 0.0): [0.30, 0.32, 0.34],
    (2, 0.0): [0.40, 0.41, 0.42],
    (3, 0.0): [0.45, 0.45, 0.46],
    (1, 0.2): [0.25, 0.26, 0.27],
    (2, 0.2): [0.35, 0.36, 0.37],
    (3, 0.2): [0.50, 0.50, 0.50],
}
DNASE_GOOD = {
    ("none", "none"): [0.20, 0.21],
    ("none", "flip"): [0.22, 0.23],
    ("tpm", "none"): [0.30, 0.31],
    ("tpm", "flip"): [0.32, 0.33],
    ("zscorelog", "none"): [0.40, 0.41],
    ("zscorelog", "flip"): [0.42, 0.43],
}


def by_claim(claims, text):
    (hit,) = [c for c in claims if text in c.claim]
    return hit


def test_jund_claims_hold_on_a_table_that_follows_the_paper():
    claims = jund_claims(jund_table(DNA_GOOD, DNASE_GOOD, [0.6, 0.7, 0.65]))
    assert len(claims) == 7
    assert all(c.holds is True for c in claims), claims
    order2 = by_claim(claims, "order 2 beats")
    assert order2.reproduction == "+0.090"  # median 0.41 - median 0.32, dropout 0 rows only
    assert by_claim(claims, "order 3 beats").reproduction == "+0.130"
    assert (
        by_claim(claims, "dropout").reproduction == "order 1 -0.060, order 2 -0.050, order 3 +0.050"
    )
    assert by_claim(claims, "both beat").reproduction == "none 0.215, tpm 0.315, zscorelog 0.415"
    assert by_claim(claims, "flip").reproduction == "+0.020"
    assert "best DNA 0.500, best DNase 0.425" in by_claim(claims, "combined").reproduction


def test_jund_claims_fail_on_a_table_against_the_paper():
    dna = {k: [1 - v for v in vals] for k, vals in DNA_GOOD.items()}  # every ordering reversed
    dnase = {
        ("none", "none"): [0.5],
        ("none", "flip"): [0.4],
        ("tpm", "none"): [0.3],
        ("tpm", "flip"): [0.2],
        ("zscorelog", "none"): [0.45],
        ("zscorelog", "flip"): [0.35],
    }
    claims = jund_claims(jund_table(dna, dnase, [0.3, 0.3]))
    assert [c.holds for c in claims] == [False] * 7
    assert by_claim(claims, "flip").reproduction == "-0.100"


def test_jund_best_normalization_is_a_separate_claim():
    dnase = {**DNASE_GOOD, ("tpm", "none"): [0.9], ("tpm", "flip"): [0.9]}
    claims = jund_claims(jund_table(DNA_GOOD, dnase, [0.95]))
    assert by_claim(claims, "both beat").holds is True
    assert by_claim(claims, "best DNase").holds is False


def test_jund_claims_are_na_for_runs_missing_from_the_grid():
    only_order1 = {(1, 0.0): [0.3]}
    claims = jund_claims(jund_table(only_order1, None, None))
    assert all(c.holds is None and c.reproduction == "NA" for c in claims)
    assert "orders 1 and 2" in by_claim(claims, "order 2 beats").note
    assert all(c.holds is None for c in jund_claims(None))


# -------------------------------------------------------------------------------------- DeepSEA / DanQ
def deepsea_table(score) -> pd.DataFrame:
    """Two features per class; ``score(model, window, order, strands, category)`` gives the auPRC."""
    rows = []
    for model in ("deepsea", "danq"):
        for window in (500, 1000):
            for order in (1, 3):
                for strands in ("both", "forward"):
                    if strands == "forward" and (window != 1000 or model != "danq"):
                        continue
                    for category in ("DNase", "TF", "Histone"):
                        for i in range(2):
                            auprc = score(model, window, order, strands, category) + 0.01 * i
                            rows.append(
                                dict(
                                    model=model,
                                    window=window,
                                    order=order,
                                    strands=strands,
                                    feature=f"{category}_{i}",
                                    category=category,
                                    auprc=auprc,
                                    auroc=0.5,
                                    n_positive=3,
                                )
                            )
    return pd.DataFrame(rows)


def paper_like(model, window, order, strands, category):
    value = 0.3
    value += 0.05 if model == "danq" else 0.0
    value += 0.04 if (category == "Histone" and window == 1000) else 0.0
    value += {"Histone": 0.01, "DNase": 0.04, "TF": 0.2}[category] if order == 3 else 0.0
    value -= 0.02 if strands == "forward" else 0.0
    return value


def test_deepsea_claims_hold_on_a_table_that_follows_the_paper():
    claims = deepsea_claims(deepsea_table(paper_like))
    # The grid has orders 1 and 3 only: the order-2 strands row is NA.
    assert [c.holds for c in claims] == [True] * 7 + [None, True]
    assert (
        by_claim(claims, "DanQ beats").reproduction
        == "12/12 positive (median delta +0.050 to +0.050)"
    )
    assert by_claim(claims, "context").reproduction == "Histone +0.040, DNase +0.000, TF +0.000"
    assert by_claim(claims, "Histone features").reproduction == "+0.010"
    assert by_claim(claims, "DNase features").reproduction == "+0.040"
    assert by_claim(claims, "TF features (").reproduction == "+0.200"
    assert by_claim(claims, "handful").reproduction == "2 of 2 TF features"
    assert by_claim(claims, "order 1 (DanQ").reproduction == "+0.020"


def test_deepsea_claims_fail_on_a_table_against_the_paper():
    def against(model, window, order, strands, category):
        value = 0.5 - (0.05 if model == "danq" else 0.0)
        value -= 0.03 if (category == "Histone" and window == 1000) else 0.0
        value -= 0.02 if order == 3 else 0.0
        value += 0.01 if strands == "forward" else 0.0
        return value

    claims = [c for c in deepsea_claims(deepsea_table(against)) if c.holds is not None]
    assert len(claims) == 8
    assert all(c.holds is False for c in claims), claims


def test_deepsea_context_claim_needs_histone_above_the_other_classes():
    def flat_gain(model, window, order, strands, category):
        return 0.3 + (0.05 if window == 1000 else 0.0)  # every class gains alike

    claim = by_claim(deepsea_claims(deepsea_table(flat_gain)), "context")
    assert claim.holds is False and claim.reproduction.startswith("Histone +0.050")


def test_deepsea_rows_missing_from_the_grid_are_na():
    table = deepsea_table(paper_like)
    claims = deepsea_claims(table)
    assert by_claim(claims, "order 2 (DanQ").holds is None
    assert "not in the grid" in by_claim(claims, "order 2 (DanQ").note
    one_window = table[(table["window"] == 1000) & (table["strands"] == "both")]
    claims = deepsea_claims(one_window)
    assert by_claim(claims, "context").holds is None
    assert by_claim(claims, "order 1 (DanQ").holds is None
    assert by_claim(claims, "TF features (").holds is True
    assert all(c.holds is None for c in deepsea_claims(None))


# ----------------------------------------------------------------------------------------------- CAGE
def cage_table(cells: dict) -> pd.DataFrame:
    rows = []
    for (model, order), values in cells.items():
        for i, r in enumerate(values):
            rows.append(
                dict(
                    model=model,
                    order=order,
                    fold=f"chr{i + 2}",
                    pearson=r,
                    pearson_validation=r,
                    mae=0.5,
                    n_test=100,
                )
            )
    return pd.DataFrame(rows)


def test_cage_cells_hold_within_two_standard_errors():
    cells = {
        ("dna", 1): [0.50, 0.56],
        ("dna", 3): [0.58, 0.60],
        ("chromatin", None): [0.70, 0.72],
        ("combined", 1): [0.77, 0.78],
        ("combined", 3): [0.78, 0.79],
    }
    claims = cage_claims(cage_table(cells))
    assert len(claims) == 9
    dna1 = by_claim(claims, "DNA, order 1")
    # mean 0.53, SE = sd/sqrt(2) = 0.03: 0.533 lies within 2 SE.
    assert dna1.reproduction == "0.530 ± 0.030 (2 folds)" and dna1.holds is True
    # chromatin: mean 0.71, SE 0.01; 0.777 is 6.7 SE away.
    assert by_claim(claims, "Table 1, chromatin").holds is False
    assert by_claim(claims, "Table 1, DNA, order 2").holds is None  # not run
    assert by_claim(claims, "improves with").holds is True
    assert by_claim(claims, "beats DNA alone").holds is True
    assert (
        by_claim(claims, "beats DNA alone").reproduction
        == "order 1 0.775 vs 0.530; order 3 0.785 vs 0.590"
    )


def test_cage_orderings_fail_and_single_folds_are_na():
    cells = {("dna", 1): [0.6], ("dna", 3): [0.5], ("combined", 1): [0.55], ("combined", 3): [0.6]}
    claims = cage_claims(cage_table(cells))
    assert by_claim(claims, "DNA, order 1").holds is None
    assert "one fold" in by_claim(claims, "DNA, order 1").note
    assert by_claim(claims, "improves with").holds is False
    assert by_claim(claims, "beats DNA alone").holds is False
    assert all(c.holds is None for c in cage_claims(None))


# ---------------------------------------------------------------------------------------- the table
def test_table_and_files_keep_every_row_when_cases_are_disabled(tmp_path):
    path = tmp_path / "cage.tsv"
    cage_table({("dna", 1): [0.5, 0.56]}).to_csv(path, sep="\t", index=False)
    table = write_summary(tmp_path / "s" / "t.tsv", tmp_path / "s" / "t.md", {"cage": path})
    assert list(table.columns) == SUMMARY_COLUMNS
    assert len(table) == len(paper_vs_reproduction()) == 7 + 9 + 9
    written = pd.read_csv(tmp_path / "s" / "t.tsv", sep="\t", keep_default_na=False)
    assert set(written["holds"]) == {"True", "NA"}
    assert (written.loc[written["case"] == "jund", "reproduction"] == "NA").all()
    md = (tmp_path / "s" / "t.md").read_text()
    assert "1 hold, 0 do not, 24 not testable" in md
    assert md.count("\n| jund |") == 7


def test_markdown_escapes_pipes():
    table = paper_vs_reproduction()
    table.loc[0, "note"] = "a|b"
    assert "a\\|b" in to_markdown(table)


def test_bad_inputs_are_named(tmp_path):
    path = tmp_path / "jund.tsv"
    pd.DataFrame({"model": ["dna"], "auprc": [0.5]}).to_csv(path, sep="\t", index=False)
    with pytest.raises(ValueError, match=r"jund\.tsv: jund metrics lack columns \['order'"):
        read_metrics(path, "jund")
    with pytest.raises(ValueError, match="unknown case 'foo'"):
        read_metrics(path, "foo")
    with pytest.raises(ValueError, match=r"unknown case\(s\) \['foo'\]"):
        write_summary(tmp_path / "a.tsv", tmp_path / "a.md", {"foo": path})
    with pytest.raises(ValueError, match=r"deepsea metrics table lacks columns \['window'"):
        deepsea_claims(pd.DataFrame({"model": ["danq"]}))
