# The paper's claims beside this reproduction's numbers, and the configuration used, for the report.


rule summary_paper_vs_reproduction:
    input:
        # Only the cases that ran: the claims of the others are written as NA.
        **{case: f"results/{case}/metrics.tsv" for case in enabled_cases()},
        # The variant effect rows, when the config has a `variants` section.
        **variants_summary_input(),
    output:
        tsv=report(
            f"{SUMMARY}/paper_vs_reproduction.tsv",
            caption="../report/summary.rst",
            category="Summary",
        ),
        md=report(
            f"{SUMMARY}/paper_vs_reproduction.md",
            caption="../report/summary.rst",
            category="Summary",
        ),
    log:
        "logs/summary/paper_vs_reproduction.log",
    conda:
        "../../envs/plot.yaml"
    script:
        "../../scripts/summary.py"


rule summary_config:
    output:
        report(
            f"{SUMMARY}/config.yaml",
            caption="../report/config.rst",
            category="Summary",
        ),
    log:
        "logs/summary/config.log",
    conda:
        "../../envs/plot.yaml"
    params:
        config=config,
    script:
        "../../scripts/dump_config.py"
