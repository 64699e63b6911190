"""The paper-vs-reproduction table: each case's claims (their True, False and NA cases on hand-made metrics
tables) and the table that joins them."""

from __future__ import annotations

import pandas as pd
import pytest

from genomic_tensors.cases.summary import (
    SUMMARY_COLUMNS,
    case_claims,
    paper_vs_reproduction,
    read_metrics,
    to_markdown,
    write_summary,
)


def deepsea_claims(metrics):
    return case_claims("deepsea", metrics)


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


# ---------------------------------------------------------------------------------------- the table
def test_table_and_files_keep_every_row_when_cases_are_disabled(tmp_path):
    path = tmp_path / "cage.tsv"
    cage_table({("dna", 1): [0.5, 0.56]}).to_csv(path, sep="\t", index=False)
    table = write_summary(tmp_path / "s" / "t.tsv", tmp_path / "s" / "t.md", {"cage": path})
    assert list(table.columns) == SUMMARY_COLUMNS
    assert len(table) == len(paper_vs_reproduction()) == 7 + 9 + 9 + 2  # + the variant rows
    written = pd.read_csv(tmp_path / "s" / "t.tsv", sep="\t", keep_default_na=False)
    assert set(written["holds"]) == {"True", "NA"}
    assert (written.loc[written["case"] == "jund", "reproduction"] == "NA").all()
    md = (tmp_path / "s" / "t.md").read_text()
    assert "1 hold, 0 do not, 26 not testable" in md
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
