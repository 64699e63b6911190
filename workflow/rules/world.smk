# The synthetic demo world: real file formats carrying the biology of the three case studies, generated
# deterministically from config["world"] (see docs/demo_world.md). Demo sources point at these files.

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
            outdir=lambda wildcards, output: os.path.dirname(output.manifest),
        script:
            "../../scripts/make_world.py"
