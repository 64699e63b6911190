"""The effective configuration of this run (config file, schema defaults, command-line overrides) as YAML."""

import sys

sys.stderr = open(snakemake.log[0], "w")

import yaml

with open(snakemake.output[0], "w") as out:
    out.write("# The effective configuration of this run, schema defaults filled in.\n")
    yaml.safe_dump(dict(snakemake.params.config), out, sort_keys=False, default_flow_style=False)
