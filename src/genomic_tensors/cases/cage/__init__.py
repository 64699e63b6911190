"""Case study 3: CAGE signal at protein-coding promoters from DNA, chromatin and both (Table 1, Fig. 4).

The case, stage by stage:

- :mod:`.grid`: the runs of the grid (DNA and combined models at each one-hot order, the one chromatin
  model), their names and seeds, and the model Fig. 4 shows. Light: the rule file imports it when parsed.
- :mod:`.data`: the raw signal summaries of every promoter (:func:`~.data.promoter_signals`), the per-fold
  split by chromosome (:func:`~.data.fold_masks`), and one fold's tensors: the log z-scores
  (:class:`genomic_tensors.normalize.ZScoreLog`, fitted on the fold's training promoters only) and the DNA
  windows.
- :mod:`.train`: one (run, fold): fit, predict the validation and test promoters, one metrics row.
- :mod:`.tables`: the case's metrics table, the cells of Table 1 and its TSV and markdown.
- :mod:`.figures`: Fig. 4, predicted vs observed with the OLS line and its F test.
- :mod:`.claims`: the paper's Table 1 claims, from the same cells as the table.

Coordinates are 0-based, half-open (BED). A promoter interval ``[start, end)`` comes from the promoter ROI;
a summary window is ``[start - flank, end + flank)``, padded with zero outside the chromosome (never
shifted). The windows are symmetric, so a summary does not depend on the strand; the DNA window of a
minus-strand promoter is reverse-complemented.

Importing this package, :mod:`.grid`, :mod:`.tables` or :mod:`.claims` loads nothing heavy (no pysam,
TensorFlow or matplotlib).
"""
