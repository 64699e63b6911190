"""Generate the synthetic demo world (rule demo_world) from config["world"]."""

import sys

sys.stderr = open(snakemake.log[0], "w")  # noqa: F821

import logging
from pathlib import Path

from genomic_tensors.synthetic import generate_world

logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(asctime)s %(message)s")
outdir = getattr(snakemake.params, "outdir", None)  # noqa: F821
if not outdir:
    # manifest.json sits at the top of the world folder
    outdir = next(Path(p).parent for p in snakemake.output if Path(p).name == "manifest.json")  # noqa: F821
manifest = generate_world(outdir, dict(snakemake.params.world or {}))  # noqa: F821
missing = [p for p in snakemake.output if not Path(p).is_file()]  # noqa: F821
if missing:
    raise RuntimeError(
        f"the world generator did not write {missing}; it wrote {sorted(manifest.files)}"
    )
logging.info("demo world: %d files, counts %s", len(manifest.files), manifest.counts)
