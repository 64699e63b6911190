#!/usr/bin/env bash
# Stop the daemons that slurm_up.sh started, by the PIDs it recorded in STATE/pids, newest first:
# slurmd, slurmctld, slurmdbd, mariadbd, munged. Jobs still queued or running are cancelled first; then
# the configuration files it wrote under /etc/slurm (those carrying its marker line) are removed.
# A PID is signalled only while /proc shows it running the recorded program (no stray kill of a reused PID).
#
#   tests/cluster/slurm_down.sh STATE_DIR
set -uo pipefail

STATE=${1:?usage: slurm_down.sh STATE_DIR}
say() { printf '[slurm_down] %s\n' "$*"; }

[ -f "$STATE/pids" ] || { say "nothing to stop ($STATE/pids is absent)"; exit 0; }

# True while PID $1 is alive and runs program $2.
runs() { [ -r "/proc/$1/comm" ] && [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }

# Cancel our jobs while slurmctld still answers, and give their steps time to end.
ETC=/etc/slurm
MARK="# Written by tests/cluster/slurm_up.sh (genomic_tensors cluster test); removed by slurm_down.sh"
if [ -f "$ETC/slurm.conf" ] && grep -qxF "$MARK" "$ETC/slurm.conf"; then
    if timeout 10 scontrol ping >/dev/null 2>&1; then
        if [ -n "$(timeout 10 squeue -h -o %i 2>/dev/null)" ]; then
            say "cancelling jobs still in the queue"
            timeout 10 scancel --full --quiet --user root 2>/dev/null || true
            for _ in $(seq 30); do
                [ -z "$(timeout 10 squeue -h -o %i 2>/dev/null)" ] && break
                sleep 1
            done
        fi
    fi
fi

status=0
# Newest first: the file lists the daemons in start order.
while read -r name pid; do
    [ -n "${pid:-}" ] || continue
    if ! runs "$pid" "$name"; then
        say "$name (pid $pid) is not running"
        continue
    fi
    kill -TERM "$pid" 2>/dev/null
    for _ in $(seq 100); do
        runs "$pid" "$name" || break
        sleep 0.2
    done
    if runs "$pid" "$name"; then
        say "$name (pid $pid) ignored SIGTERM for 20 s; sending SIGKILL"
        kill -KILL "$pid" 2>/dev/null
        sleep 0.5
        runs "$pid" "$name" && { say "$name (pid $pid) is still running"; status=1; }
    fi
    say "stopped $name (pid $pid)"
done < <(tac "$STATE/pids")

if [ "$status" = 0 ]; then
    : >"$STATE/pids"
    # The configuration files slurm_up.sh wrote (marked), so that the machine is left as it was found.
    for name in slurm.conf gres.conf slurmdbd.conf; do
        if [ -f "$ETC/$name" ] && grep -qxF "$MARK" "$ETC/$name"; then
            rm -f "$ETC/$name"
        fi
    done
fi
exit "$status"
