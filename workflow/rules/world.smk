# The synthetic demo world: real file formats carrying the biology of the three case studies, generated
# deterministically from config["world"] (see docs/demo_world.md). Demo sources point at these files.

from genomic_tensors.synthetic import FORMAT_VERSION as WORLD_FORMAT_VERSION

if "world" in config:

    rule demo_world:
        output:
            world_outputs(),
            manifest=f"{WORLD}/manifest.json",
        log:
            "logs/demo/world.log",
        benchmark:
            "results/benchmarks/demo/world.tsv"
        conda:
            "../../envs/data.yaml"
        params:
            world=config["world"],
            format_version=WORLD_FORMAT_VERSION,  # a new generator rebuilds an existing world
            outdir=lambda wildcards, output: os.path.dirname(output.manifest),
        script:
            "../../scripts/make_world.py"
