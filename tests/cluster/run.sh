#!/usr/bin/env bash
# The cluster test (`make test-cluster`): the tiny config of the real rules (tests/cluster/tiny.yaml) runs
# through profiles/slurm on a real single-node Slurm started here, and again locally (--cores); then
# sacct must list every non-local job COMPLETED in the partition and account the profile gives it, and
# both runs' outputs must be identical (tests/cluster/check_run.py). Every daemon started is stopped by PID
# on exit, also on failure or interruption.
#
# Needs root (it installs Debian packages and starts daemons); as another user it skips, exit status 0.
# Environment: VENV (default .venv, made by `make setup`), CLUSTER_TEST_DIR (default
# /tmp/genomic-tensors-cluster-test; a previous run's leftovers there are stopped and wiped),
# KEEP_CLUSTER_TEST=1 keeps the run directories after a success (they are always kept after a failure),
# CLUSTER_TEST_RUN_TIMEOUT (default 900) bounds each Snakemake run in seconds (a job Slurm can never
# start stays pending forever).
set -euo pipefail

REPO=$(cd "$(dirname "$0")/../.." && pwd)
HERE=$REPO/tests/cluster
say() { printf '[cluster-test] %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
    say "SKIPPED: needs root to install and start Slurm (munge, slurmctld, slurmd, slurmdbd, MariaDB);"
    say "run 'sudo make test-cluster' on a disposable Debian machine or CI runner."
    exit 0
fi

VENV=${VENV:-$REPO/.venv}
if [ ! -x "$VENV/bin/snakemake" ]; then
    say "ERROR: no snakemake in $VENV; run 'make setup' first" >&2
    exit 1
fi
VENV=$(cd "$VENV" && pwd)  # absolute: the jobs run in other directories
WORK=${CLUSTER_TEST_DIR:-/tmp/genomic-tensors-cluster-test}
STATE=$WORK/slurm-state
CONFIG=$HERE/tiny.yaml
PARTITION_CPU=cpu
PARTITION_GPU=gpu
ACCOUNT=gtest
T0=$SECONDS

# The largest mem_mb a rule of the tiny config asks for (jund_train, combined model): the node must offer it.
export MIN_NODE_MEMORY_MB=24000

status=1
child=""
cleanup() {
    trap - EXIT INT TERM
    # A Snakemake run still going (interruption, failure elsewhere) is stopped first, by its PID.
    if [ -n "$child" ] && kill -0 "$child" 2>/dev/null; then
        say "stopping the Snakemake run (pid $child)"
        kill -TERM "$child" 2>/dev/null
        for _ in $(seq 30); do kill -0 "$child" 2>/dev/null || break; sleep 1; done
        kill -KILL "$child" 2>/dev/null || true
    fi
    "$HERE/slurm_down.sh" "$STATE" || status=1
    if [ "$status" = 0 ] && [ "${KEEP_CLUSTER_TEST:-0}" != 1 ]; then
        rm -rf "$WORK/local" "$WORK/slurm" "$WORK/profile"
    else
        say "run directories kept in $WORK (Slurm logs in $STATE/log)"
    fi
    say "$([ "$status" = 0 ] && echo PASSED || echo FAILED) in $((SECONDS - T0)) s"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Run a command in the background (so that a signal reaches the traps at once), bounded in time; its
# output goes to the log file $1; on failure show the log's end.
run_logged() {
    local log=$1; shift
    timeout --kill-after=30 "${CLUSTER_TEST_RUN_TIMEOUT:-900}" "$@" >"$log" 2>&1 &
    child=$!
    local rc=0
    wait "$child" || rc=$?
    child=""
    if [ "$rc" != 0 ]; then
        tail -40 "$log" >&2
        say "ERROR: exit status $rc$([ "$rc" = 124 ] && echo ' (timed out)') of: $* (log: $log)" >&2
        return "$rc"
    fi
}

mkdir -p "$WORK"
rm -rf "$WORK/local" "$WORK/slurm" "$WORK/profile"

# --- Slurm (configured in /etc/slurm, where every client looks)
unset SLURM_CONF
"$HERE/slurm_up.sh" "$STATE"
say "Slurm up after $((SECONDS - T0)) s"

# Jobs inherit this environment (the plugin submits with --export=ALL): the venv's python and tools.
export PATH=$VENV/bin:$PATH
export TF_CPP_MIN_LOG_LEVEL=2 PYTHONUNBUFFERED=1

# --- The profile as a user prepares it: a copy with the site's partitions and account.
cp -r "$REPO/profiles/slurm" "$WORK/profile"
sed -i -e "s/\"CPU_PARTITION\"/\"$PARTITION_CPU\"/g" -e "s/\"GPU_PARTITION\"/\"$PARTITION_GPU\"/g" \
    -e "s/\"ACCOUNT\"/\"$ACCOUNT\"/g" "$WORK/profile/config.yaml"
if grep -nE 'CPU_PARTITION|GPU_PARTITION|"ACCOUNT"' "$WORK/profile/config.yaml"; then
    say "ERROR: placeholders left in the profile copy (above)" >&2
    exit 1
fi

# --- The Slurm run. Two settings fit the test node: no rule asks for more CPUs than it has (--max-threads;
# a job asking more would pend forever), status checks every 5 s instead of the profile's 20.
CPUS=$(nproc)
mkdir -p "$WORK/slurm"
say "run through --profile profiles/slurm (copy in $WORK/profile)"
start=$(date +%Y-%m-%dT%H:%M:%S)
run_logged "$WORK/slurm.log" "$VENV/bin/snakemake" --snakefile "$REPO/workflow/Snakefile" \
    --directory "$WORK/slurm" --configfile "$CONFIG" --profile "$WORK/profile" \
    --max-threads "$CPUS" --slurm-init-seconds-before-status-checks 5
say "Slurm run done after $((SECONDS - T0)) s"

# --- The same config locally
mkdir -p "$WORK/local"
run_logged "$WORK/local.log" "$VENV/bin/snakemake" --snakefile "$REPO/workflow/Snakefile" \
    --directory "$WORK/local" --configfile "$CONFIG" --cores "$CPUS"
say "local run done after $((SECONDS - T0)) s"

# --- Checks: what sacct says about the jobs, then the outputs
sacct -X -n -P -a --starttime "$start" -o JobID,Partition,Account,State,ExitCode,Comment \
    >"$WORK/sacct.txt"
sacct -X -a --starttime "$start" -o JobID,Partition,Account,State,ExitCode,Elapsed,Comment%45
"$VENV/bin/python" "$HERE/check_run.py" --sacct "$WORK/sacct.txt" \
    --profile "$WORK/profile/config.yaml" --rules-dir "$REPO/workflow/rules" \
    --local "$WORK/local" --slurm "$WORK/slurm" --account "$ACCOUNT"
status=0
