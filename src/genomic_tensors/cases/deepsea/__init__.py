"""Case study 2: DeepSEA and DanQ predict 919 chromatin features of 200-bp bins from sequence (Fig. 3a-c,
Supplementary Fig. 1).

The package follows the workflow's stages:

- :mod:`~genomic_tensors.cases.deepsea.features`: the feature table from the paper's list of peak files;
- :mod:`~genomic_tensors.cases.deepsea.regions`: the region set (TF-bound grid bins) and its split;
- :mod:`~genomic_tensors.cases.deepsea.grid`: the training grid (model x window x order x strands) and the
  width-scaled architectures;
- :mod:`~genomic_tensors.cases.deepsea.data`: the tensors, k-mer codes of the windows
  (:class:`~genomic_tensors.sequence.Bioseq`) and sparse labels by the half-bin rule
  (:class:`~genomic_tensors.coverage.Cover`);
- :mod:`~genomic_tensors.cases.deepsea.train`: a grid point fitted, predicted and scored per feature;
- :mod:`~genomic_tensors.cases.deepsea.tables`: the metrics table and the summary table;
- :mod:`~genomic_tensors.cases.deepsea.measures`: the per-feature deltas the summary, the claims and the
  figures share;
- :mod:`~genomic_tensors.cases.deepsea.claims`: the paper's claims, one row each;
- :mod:`~genomic_tensors.cases.deepsea.figures`: the four figures.

Importing the package, its ``grid``, ``tables``, ``measures`` or ``claims`` loads nothing heavy (no pysam,
TensorFlow or matplotlib): the Snakefile imports the grid when parsed. Coordinates are 0-based, half-open.
"""
