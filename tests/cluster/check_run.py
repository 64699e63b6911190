"""Checks of the cluster test (tests/cluster/run.sh): jobs went through Slurm, outputs match.

Usage::

    python tests/cluster/check_run.py --sacct SACCT.txt --profile PROFILE/config.yaml \
        --rules-dir workflow/rules --local LOCAL_RUN --slurm SLURM_RUN

``SACCT.txt`` is the pipe-separated output of
``sacct -X -n -P -a -o JobID,Partition,Account,State,ExitCode,Comment``; the executor plugin writes
``rule_<name>[_wildcards_<...>]`` into each job's comment.
``LOCAL_RUN`` and ``SLURM_RUN`` are the working directories of the two runs of the same config: the
local one (``--cores``) and the one through ``--profile``. Exits 1 with every problem listed.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
from collections import Counter
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import NamedTuple

import yaml

SACCT_FIELDS = ("jobid", "partition", "account", "state", "exitcode", "comment")
FINISHED = re.compile(r"^Finished jobid: \d+ \(Rule: ([A-Za-z0-9_]+)\)", re.MULTILINE)
#: Outputs that legitimately differ between two runs of the same config: rule benchmark tables
#: (timing), SVG figures (creation date in their metadata) and Keras archives (zip entry dates; the
#: weights are covered by the identical predictions and metrics).
VOLATILE = (re.compile(r"^results/benchmarks/"), re.compile(r"\.svg$"), re.compile(r"\.keras$"))
#: Columns of TSV outputs that hold wall-clock times.
TIME_COLUMNS = frozenset({"seconds"})


class SlurmJob(NamedTuple):
    """One row of ``sacct -X``: a Slurm job and the Snakemake rule it ran (from its comment)."""

    jobid: str
    partition: str
    account: str
    state: str
    exitcode: str
    rule: str


def parse_sacct(text: str) -> list[SlurmJob]:
    """Parse pipe-separated ``sacct -n -P`` rows of :data:`SACCT_FIELDS`.

    Raises
    ------
    ValueError
        On a row without six fields, or a comment that is not ``rule_<name>...`` (line number
        given).
    """
    jobs = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.split("|")
        if len(fields) != len(SACCT_FIELDS):
            raise ValueError(
                f"sacct line {number}: {len(fields)} fields in {line!r}; expected "
                f"{len(SACCT_FIELDS)} ({','.join(SACCT_FIELDS)}) separated by '|'"
            )
        jobid, partition, account, state, exitcode, comment = fields
        match = re.match(r"^rule_([A-Za-z0-9_]+?)(?:_wildcards_.*)?$", comment)
        if not match:
            raise ValueError(
                f"sacct line {number}: comment {comment!r} of job {jobid} is not 'rule_<name>...'; "
                "was the job submitted by the Snakemake executor plugin, with "
                "AccountingStoreFlags=job_comment?"
            )
        jobs.append(SlurmJob(jobid, partition, account, state, exitcode, match.group(1)))
    return jobs


def finished_rules(log_text: str) -> Counter[str]:
    """Rule names of the jobs a Snakemake log reports as finished, with their counts."""
    return Counter(FINISHED.findall(log_text))


def local_rules(rules_dir: Path) -> set[str]:
    """Rules of the ``localrules:`` blocks of the ``*.smk`` files, plus ``all`` (run in place)."""
    names = {"all"}
    for path in sorted(Path(rules_dir).glob("*.smk")):
        for block in re.findall(
            r"^localrules:\s*\n((?:[ \t]+\S.*\n?)+)", path.read_text(), re.MULTILINE
        ):
            names.update(name for name in re.split(r"[\s,]+", block) if name)
    return names


def rule_partitions(profile: Mapping) -> tuple[str, dict[str, str]]:
    """The default partition of a profile and the per-rule ones of its ``set-resources``."""
    default = profile.get("default-resources", {}).get("slurm_partition", "")
    per_rule = {
        rule: str(resources["slurm_partition"])
        for rule, resources in (profile.get("set-resources") or {}).items()
        if "slurm_partition" in resources
    }
    return str(default), per_rule


def check_jobs(
    jobs: Iterable[SlurmJob],
    expected_rules: Counter[str],
    default_partition: str,
    partitions: Mapping[str, str],
    account: str,
) -> list[str]:
    """Problems with the Slurm jobs: a rule missing or extra, a state other than COMPLETED with exit
    code 0:0, a job in the wrong partition (the profile's) or account. Empty when all is well."""
    jobs = list(jobs)
    problems = []
    seen = Counter(job.rule for job in jobs)
    for rule in sorted(set(seen) | set(expected_rules)):
        if seen[rule] != expected_rules[rule]:
            problems.append(
                f"rule {rule}: {seen[rule]} Slurm job(s) in sacct, {expected_rules[rule]} expected"
            )
    for job in jobs:
        if job.state != "COMPLETED" or job.exitcode != "0:0":
            problems.append(
                f"job {job.jobid} ({job.rule}): state {job.state}, exit code {job.exitcode}"
            )
        want = partitions.get(job.rule, default_partition)
        if job.partition != want:
            problems.append(
                f"job {job.jobid} ({job.rule}): partition {job.partition!r}, expected {want!r}"
            )
        if job.account != account:
            problems.append(
                f"job {job.jobid} ({job.rule}): account {job.account!r}, expected {account!r}"
            )
    return problems


def comparable_bytes(path: Path) -> bytes:
    """The content of an output as compared between runs: TSV files without their time columns."""
    data = path.read_bytes()
    if path.suffix != ".tsv":
        return data
    lines = data.decode().splitlines()
    if not lines:
        return data
    header = lines[0].split("\t")
    keep = [i for i, name in enumerate(header) if name not in TIME_COLUMNS]
    return "\n".join("\t".join(row.split("\t")[i] for i in keep) for row in lines).encode()


def output_digests(run_dir: Path) -> dict[str, str]:
    """md5 of :func:`comparable_bytes` of every file under ``results/`` (POSIX relative path ->
    digest), leaving out :data:`VOLATILE` files."""
    digests = {}
    for path in sorted((Path(run_dir) / "results").rglob("*")):
        rel = path.relative_to(run_dir).as_posix()
        if path.is_file() and not any(pattern.search(rel) for pattern in VOLATILE):
            digests[rel] = hashlib.md5(comparable_bytes(path)).hexdigest()
    return digests


def compare_outputs(local: Mapping[str, str], slurm: Mapping[str, str]) -> list[str]:
    """Problems between two runs' :func:`output_digests`: a file in one only, or other content."""
    problems = []
    for rel in sorted(set(local) | set(slurm)):
        if rel not in slurm:
            problems.append(f"{rel}: made by the local run only")
        elif rel not in local:
            problems.append(f"{rel}: made by the Slurm run only")
        elif local[rel] != slurm[rel]:
            problems.append(f"{rel}: differs (md5 {local[rel]} local, {slurm[rel]} Slurm)")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sacct", type=Path, required=True)
    parser.add_argument(
        "--profile", type=Path, required=True, help="the profile's config.yaml as used"
    )
    parser.add_argument("--rules-dir", type=Path, required=True)
    parser.add_argument("--local", type=Path, required=True)
    parser.add_argument("--slurm", type=Path, required=True)
    parser.add_argument("--account", required=True)
    args = parser.parse_args(argv)

    def log_of(run: Path) -> str:
        logs = sorted((run / ".snakemake" / "log").glob("*.snakemake.log"))
        if not logs:
            raise SystemExit(f"no Snakemake log under {run}/.snakemake/log")
        return logs[-1].read_text()

    local_run, slurm_run = finished_rules(log_of(args.local)), finished_rules(log_of(args.slurm))
    problems = []
    if local_run != slurm_run:
        problems.append(
            f"the runs finished different jobs: local {dict(local_run)}, Slurm {dict(slurm_run)}"
        )
    on_head = local_rules(args.rules_dir)
    expected = Counter({rule: n for rule, n in slurm_run.items() if rule not in on_head})
    jobs = parse_sacct(args.sacct.read_text())
    default, partitions = rule_partitions(yaml.safe_load(args.profile.read_text()))
    problems += check_jobs(jobs, expected, default, partitions, args.account)
    local_digests, slurm_digests = output_digests(args.local), output_digests(args.slurm)
    problems += compare_outputs(local_digests, slurm_digests)

    by_partition = ", ".join(
        f"{p}: {n}" for p, n in sorted(Counter(job.partition for job in jobs).items())
    )
    head_rules = ", ".join(sorted(on_head & set(slurm_run)))
    n_head = sum(slurm_run.values()) - len(jobs)
    print(
        f"[check] {len(jobs)} Slurm jobs ({by_partition}), {n_head} jobs on the head node "
        f"({head_rules}); {len(local_digests)} output files compared"
    )
    for problem in problems:
        print(f"[check] PROBLEM: {problem}", file=sys.stderr)
    if problems:
        return 1
    print("[check] every job COMPLETED through Slurm in its profile's partition; outputs identical")
    return 0


if __name__ == "__main__":
    sys.exit(main())
