"""The DeepSEA feature table: one row per peak file of the paper's ``urls.txt``, in model output order.

Written by the feature checkpoint (:func:`write_features`) and read by the label, evaluation and region
rules (:func:`read_features`). Columns :data:`FEATURE_COLUMNS`: ``index`` (output column), ``feature`` (the
file name without ``.narrowPeak.gz``), ``category`` (DNase, TF or Histone), ``url`` (resolved location) and
``path`` (the downloaded file).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

import pandas as pd

from genomic_tensors.download import is_local, local_path, resolve_location

__all__ = ["CATEGORIES", "FEATURE_COLUMNS", "feature_table", "read_features", "write_features"]

#: Columns of the feature table, in this order.
FEATURE_COLUMNS = ("index", "feature", "category", "url", "path")
#: The feature classes of the paper.
CATEGORIES = ("DNase", "TF", "Histone")


def _feature_name(location: str) -> tuple[str, str]:
    """(feature name, file name) of a peak-file location: ``.../E003-H2A.Z.narrowPeak.gz`` ->
    (``E003-H2A.Z``, ``E003-H2A.Z.narrowPeak.gz``)."""
    base = (
        Path(local_path(location)).name
        if is_local(location)
        else PurePosixPath(location.split("?", 1)[0]).name
    )
    name = re.sub(r"(\.(narrowPeak|broadPeak|bed))?(\.(gz|bgz))?$", "", base, flags=re.IGNORECASE)
    return (name or base), base


def _locate_feature(ref: str, base: str, where: str) -> str:
    """Resolve one line of a feature list (see :func:`feature_table`)."""
    if not is_local(base) or not is_local(ref) or os.path.isabs(local_path(ref)):
        return resolve_location(ref, base)
    candidates = [local_path(ref), resolve_location(local_path(ref), base)]
    for candidate in candidates:
        if os.path.exists(candidate):
            return candidate
    raise ValueError(
        f"{where}: peak file {ref!r} not found, neither relative to the working "
        f"directory ({candidates[0]}) nor beside the list ({candidates[1]})"
    )


def _compile_categories(categories: Mapping[str, str]) -> list[tuple[str, re.Pattern]]:
    compiled = []
    for category, pattern in categories.items():
        try:
            compiled.append((category, re.compile(pattern)))
        except re.error as err:
            raise ValueError(
                f"deepsea categories: bad regex for '{category}': {pattern!r} ({err})"
            ) from err
    return compiled


def feature_table(
    urls: str | Path, base: str, categories: Mapping[str, str], *, download_dir: str
) -> pd.DataFrame:
    """The DeepSEA feature table from a list of peak-file URLs or paths, in list order.

    Parameters
    ----------
    urls
        Text file, one URL or path per line (blank and ``#`` lines skipped), in model output order.
    base
        The list's own location (URL or path). A relative line of a list found at a URL is
        resolved against that URL. A relative line of a local list is a path relative to the
        working directory (as the paths in the config are) when that file exists, else a path
        beside the list (``TF_x.narrowPeak.gz`` in ``demo/deepsea/urls.txt`` is
        ``demo/deepsea/TF_x.narrowPeak.gz``); neither existing is an error.
    categories
        ``{category: regex}``, tried in order with ``re.search`` on the resolved location; the
        first match names the category.
    download_dir
        Folder of the downloaded peak files (column ``path``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`FEATURE_COLUMNS`.

    Raises
    ------
    ValueError
        Naming the file and line: a location no category matches, two lines with the same file
        name, a bad regex, or an empty list.
    """
    compiled = _compile_categories(categories)
    rows = []
    seen: dict[str, int] = {}
    with open(urls) as handle:
        for number, line in enumerate(handle, start=1):
            ref = line.strip()
            if not ref or ref.startswith("#"):
                continue
            location = _locate_feature(ref, base, f"{urls}, line {number}")
            category = next((c for c, rx in compiled if rx.search(location)), None)
            if category is None:
                raise ValueError(
                    f"{urls}, line {number}: {ref!r} matches no category regex "
                    f"({', '.join(f'{c}: {rx.pattern!r}' for c, rx in compiled)})"
                )
            feature, filename = _feature_name(location)
            if filename in seen:
                raise ValueError(
                    f"{urls}, line {number}: file name {filename!r} repeats line "
                    f"{seen[filename]}; feature files must have distinct names"
                )
            seen[filename] = number
            rows.append(
                (len(rows), feature, category, location, f"{download_dir.rstrip('/')}/{filename}")
            )
    if not rows:
        raise ValueError(f"{urls}: no feature URLs found")
    return pd.DataFrame(rows, columns=list(FEATURE_COLUMNS))


def write_features(
    urls: str | Path,
    base: str,
    categories: Mapping[str, str],
    dest: str | Path,
    *,
    download_dir: str,
) -> pd.DataFrame:
    """:func:`feature_table`, written to ``dest`` as a TSV with a header line (the feature checkpoint)."""
    table = feature_table(urls, base, categories, download_dir=download_dir)
    Path(dest).parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(dest, sep="\t", index=False)
    return table


def read_features(path: str | Path) -> pd.DataFrame:
    """Read the feature table written by :func:`write_features`, sorted by ``index``.

    Raises
    ------
    ValueError
        A missing column, an empty table, or a category other than :data:`CATEGORIES`.
    """
    path = Path(path)
    table = pd.read_csv(
        path, sep="\t", dtype={"feature": str, "category": str, "url": str, "path": str}
    )
    missing = [c for c in FEATURE_COLUMNS if c not in table.columns]
    if missing:
        raise ValueError(
            f"{path}: feature table lacks columns {missing}; expected {list(FEATURE_COLUMNS)}"
        )
    if table.empty:
        raise ValueError(f"{path}: the feature table is empty")
    bad = table.loc[~table["category"].isin(CATEGORIES), "category"]
    if len(bad):
        row = bad.index[0]
        raise ValueError(
            f"{path}: feature {table.loc[row, 'feature']!r} has category {bad.iloc[0]!r}; "
            f"expected one of {CATEGORIES}"
        )
    return table.sort_values("index").reset_index(drop=True)
