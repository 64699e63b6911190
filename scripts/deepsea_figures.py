"""Fig. 3a-c and Supplementary Fig. 1 from the metrics table (PNG and SVG)."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

from pathlib import Path

from genomic_tensors.cases.deepsea import write_figures

stems = {
    fig: Path(snakemake.output[f"{fig}_png"]).with_suffix("") for fig in snakemake.params.figures
}  # noqa: F821
write_figures(snakemake.input[0], stems)  # noqa: F821
