"""Case study 1: JunD binding in 200-bp bins from DNA, DNase and both (Kopp et al. 2020, Fig. 2).

One module per stage, each serving the workflow rules of that stage:

- :mod:`.grid`: the model grid (:class:`~.grid.Setting`, replicate seeds, the model folders of the
  training rule's wildcard); light, the Snakefile imports it when parsed;
- :mod:`.data`: the tensors (labels, DNA, DNase counts and their normalizations);
- :mod:`.train`: one training job (fit, predict the validation and test chromosomes, score);
- :mod:`.tables`: the metrics rows and table, the best setting of each model family;
- :mod:`.export`: the test predictions of a model family as a bigWig;
- :mod:`.locus` and :mod:`.attribution`: the Fig. 2d locus and its tracks;
- :mod:`.figures`: Fig. 2a-d;
- :mod:`.claims`: the paper's claims on Fig. 2a-c (light).

Conventions: coordinates are 0-based half-open; every tensor of the case is built from the same ROI with
the same bin size, so row ``i`` of the labels, DNA and DNase tensors is the same 200-bp bin (checked when
a job loads them). The DNase replicates are the conditions, in the order of the config's ``jund.dnase``
mapping (the paper: roadmap, encode) for training and validation; the test split sees them swapped
(:class:`genomic_tensors.dataset.ReversedConditions`), as in the paper.

Importing this package, :mod:`.grid` or :mod:`.claims` loads nothing heavy (no pysam, pyBigWig,
TensorFlow or matplotlib).
"""
