# The synthetic demo world: real file formats carrying the biology of the three case studies, generated
# deterministically from config["world"] (see docs/demo_world.md). Demo sources point at these files.

WORLD = "results/demo/world"
WORLD_FILES = [
    "genome.fa",
    "genome.fa.fai",
    "genome.chrom.sizes",
    "blacklist.bed",
    "jund/peaks.narrowPeak.gz",
    "jund/dnase_roadmap.bam",
    "jund/dnase_roadmap.bam.bai",
    "jund/dnase_encode.bam",
    "jund/dnase_encode.bam.bai",
    "deepsea/urls.txt",
    "cage/annotation.gtf.gz",
    "cage/cage.bam",
    "cage/cage.bam.bai",
    "cage/dnase.bam",
    "cage/dnase.bam.bai",
    "cage/h3k4me3.bigwig",
    "variants.vcf.gz",
    "manifest.json",
]


def world_outputs():
    return [f"{WORLD}/{name}" for name in WORLD_FILES]


if "world" in config:

    rule demo_world:
        output:
            world_outputs(),
        log:
            "logs/demo/world.log",
        benchmark:
            "results/benchmarks/demo/world.tsv"
        conda:
            "../../envs/data.yaml"
        params:
            world=config["world"],
            outdir=WORLD,
        script:
            "../../scripts/make_world.py"
