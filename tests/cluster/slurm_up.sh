#!/usr/bin/env bash
# Install (Debian packages), configure and start a single-node Slurm with accounting on localhost:
# munged, mariadbd, slurmdbd, slurmctld and slurmd, each as a foreground process started here, its PID
# recorded in STATE/pids so that slurm_down.sh stops exactly these processes.
#
#   tests/cluster/slurm_up.sh STATE_DIR
#
# The state lives under STATE_DIR (munge key and socket, database, spool, logs); no system service is
# started, so a MariaDB or munged already on the machine is left alone. The configuration goes where every
# Slurm client looks without SLURM_CONF, /etc/slurm/{slurm,gres,slurmdbd}.conf (the executor plugin's job
# steps drop SLURM_CONF before calling srun), each file marked as written here: an unmarked one is never
# overwritten, and slurm_down.sh removes the marked ones. A previous run's STATE_DIR is stopped (by its
# recorded PIDs) and wiped first. On success the cluster has partitions `cpu` (default) and `gpu` on one
# node with the machine's CPUs and memory and one fake `gpu` GRES, and an account `gtest` holding root.
# MIN_NODE_MEMORY_MB (optional): the node declares at least this much memory (see below).
# Ports (override with the environment): SLURMCTLD_PORT 16817, SLURMD_PORT 16818, SLURMDBD_PORT 16819,
# MARIADB_PORT 13306 (127.0.0.1 only).
set -euo pipefail

STATE=${1:?usage: slurm_up.sh STATE_DIR}
HERE=$(cd "$(dirname "$0")" && pwd)
SLURMCTLD_PORT=${SLURMCTLD_PORT:-16817}
SLURMD_PORT=${SLURMD_PORT:-16818}
SLURMDBD_PORT=${SLURMDBD_PORT:-16819}
MARIADB_PORT=${MARIADB_PORT:-13306}
CLUSTER=gtcluster
ACCOUNT=gtest
ETC=/etc/slurm
MARK="# Written by tests/cluster/slurm_up.sh (genomic_tensors cluster test); removed by slurm_down.sh"
PACKAGES=(munge slurmctld slurmd slurm-client slurmdbd mariadb-server)

say() { printf '[slurm_up] %s\n' "$*"; }
die() { printf '[slurm_up] ERROR: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (it installs packages and starts daemons)"

# Wait up to $1 seconds for the command after it to succeed.
wait_for() {
    local seconds=$1; shift
    local deadline=$((SECONDS + seconds))
    until "$@" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || return 1
        sleep 0.5
    done
}

# ------------------------------------------------------------------------------------------- packages
install_packages() {
    local missing=()
    for pkg in "${PACKAGES[@]}"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && { say "packages already installed"; return; }
    command -v apt-get >/dev/null || die "missing packages ${missing[*]} and no apt-get to install them"
    say "installing ${missing[*]} with apt-get"
    # Packages must not start their system services: a policy-rc.d denies it during the install (one
    # already present, as in container images, is kept as it is).
    local policy=/usr/sbin/policy-rc.d own_policy=""
    if [ ! -e "$policy" ]; then
        printf '#!/bin/sh\n# tests/cluster/slurm_up.sh: no service starts during its install\nexit 101\n' \
            >"$policy"
        chmod 755 "$policy"
        own_policy=1
    fi
    local rc=0
    {
        apt-get update -qq &&
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
    } >"$STATE/log/apt.log" 2>&1 || rc=$?
    [ -n "$own_policy" ] && rm -f "$policy"
    if [ "$rc" != 0 ]; then
        tail -20 "$STATE/log/apt.log" >&2
        die "apt-get install failed (log: $STATE/log/apt.log)"
    fi
}

# ------------------------------------------------------------------------------------------- daemons
# Start "$name" in the foreground of its own session, logging to STATE/log/$name.out; record its PID.
start_daemon() {
    local name=$1; shift
    setsid "$@" </dev/null >"$STATE/log/$name.out" 2>&1 &
    echo "$name $!" >>"$STATE/pids"
    say "started $name (pid $!)"
}

# Fail with the daemon's log when it died or the readiness check timed out.
expect_ready() {
    local name=$1 seconds=$2; shift 2
    if ! wait_for "$seconds" "$@"; then
        tail -30 "$STATE/log/$name.out" "$STATE/log/$name.log" 2>/dev/null >&2 || true
        die "$name did not become ready within ${seconds}s (logs in $STATE/log)"
    fi
}

# ------------------------------------------------------------------------------------------- main
# A previous run's daemons (a crash before its clean-up) are stopped by PID, then its state is wiped.
if [ -f "$STATE/pids" ]; then
    say "stopping the daemons of a previous run in $STATE"
    "$HERE/slurm_down.sh" "$STATE" || true
fi
rm -rf "$STATE"
mkdir -p "$STATE"/{log,run,munge,mysql,ctld,spool}
chmod 700 "$STATE" "$STATE/munge"
: >"$STATE/pids"

install_packages
for name in slurm.conf gres.conf slurmdbd.conf; do
    if [ -e "$ETC/$name" ] && ! grep -qxF "$MARK" "$ETC/$name"; then
        die "$ETC/$name exists and was not written by this test: this machine has a Slurm" \
            "configuration of its own; run the test on a disposable machine"
    fi
done

HOST=$(hostname -s)
# Sockets, cores, threads and memory as slurmd sees them (e.g. "CPUs=2 Boards=1 ... RealMemory=24105").
NODE_HW=$(slurmd -C | head -1 | sed 's/^NodeName=[^ ]* //')
say "node $HOST: $NODE_HW"
# Slurm refuses a job asking more memory than the node has. With MIN_NODE_MEMORY_MB above the real
# memory, the node declares that much instead and slurmd is told to trust the configuration.
OVERRIDES=""
REAL_MB=$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$NODE_HW")
if [ "${MIN_NODE_MEMORY_MB:-0}" -gt "$REAL_MB" ]; then
    say "NOTE: declaring RealMemory=$MIN_NODE_MEMORY_MB (real: $REAL_MB MB) so that every job fits"
    NODE_HW=${NODE_HW/RealMemory=$REAL_MB/RealMemory=$MIN_NODE_MEMORY_MB}
    OVERRIDES="SlurmdParameters=config_overrides"
fi

# --- munge: a key and socket of our own (Slurm finds the socket through AuthInfo and, for slurmdbd
# connections, AccountingStoragePass)
MUNGE_SOCKET=$STATE/munge/munge.socket
mungekey --create --keyfile="$STATE/munge/munge.key" --bits=1024
start_daemon munged munged --foreground --force \
    --key-file="$STATE/munge/munge.key" --socket="$MUNGE_SOCKET" \
    --pid-file="$STATE/run/munged.pid" --seed-file="$STATE/munge/munged.seed" \
    --log-file="$STATE/log/munged.log"
expect_ready munged 20 bash -c "munge --socket='$MUNGE_SOCKET' -n | unmunge --socket='$MUNGE_SOCKET'"

# --- MariaDB for slurmdbd: a data directory of our own, TCP on 127.0.0.1 only
DB_PASS=$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')
DB_SOCKET=$STATE/run/mysqld.sock
if ! mariadb-install-db --no-defaults --user=root --datadir="$STATE/mysql" \
    --auth-root-authentication-method=socket >"$STATE/log/mariadb-install.log" 2>&1; then
    tail -20 "$STATE/log/mariadb-install.log" >&2
    die "mariadb-install-db failed"
fi
start_daemon mariadbd mariadbd --no-defaults --user=root --datadir="$STATE/mysql" \
    --socket="$DB_SOCKET" --bind-address=127.0.0.1 --port="$MARIADB_PORT" \
    --pid-file="$STATE/run/mariadbd.pid" --log-error="$STATE/log/mariadbd.log" \
    --innodb-buffer-pool-size=64M --skip-name-resolve
expect_ready mariadbd 60 mariadb --no-defaults --socket="$DB_SOCKET" -u root -e "SELECT 1"
mariadb --no-defaults --socket="$DB_SOCKET" -u root <<SQL
CREATE USER 'slurm'@'127.0.0.1' IDENTIFIED BY '$DB_PASS';
GRANT ALL ON slurm_acct_db.* TO 'slurm'@'127.0.0.1';
SQL

# --- Slurm configuration
mkdir -p "$ETC"
cat >"$ETC/slurm.conf" <<EOF
$MARK
# Single-node test cluster; state under $STATE
ClusterName=$CLUSTER
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=$SLURMCTLD_PORT
SlurmdPort=$SLURMD_PORT
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
CredType=cred/munge
StateSaveLocation=$STATE/ctld
SlurmdSpoolDir=$STATE/spool
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
# No cgroups: processes tracked through /proc, no task binding.
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/linux
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
MpiDefault=none
ReturnToService=2
# Accounting through slurmdbd, so that sacct (the executor plugin's status command) works.
AccountingStorageType=accounting_storage/slurmdbd
AccountingStorageHost=127.0.0.1
AccountingStoragePort=$SLURMDBD_PORT
# Connections to slurmdbd take their munge socket from here, not from AuthInfo.
AccountingStoragePass=$MUNGE_SOCKET
AccountingStoreFlags=job_comment
JobCompType=jobcomp/none
GresTypes=gpu
$OVERRIDES
NodeName=$HOST NodeAddr=127.0.0.1 $NODE_HW Gres=gpu:1 State=UNKNOWN
PartitionName=cpu Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
PartitionName=gpu Nodes=$HOST MaxTime=INFINITE State=UP
EOF
# A fake GPU for the scheduler: slurmd counts a gpu only with a device file, and /dev/null stands in.
printf '%s\nNodeName=%s Name=gpu File=/dev/null Count=1\n' "$MARK" "$HOST" >"$ETC/gres.conf"
# slurmdbd refuses a configuration file readable by others (it holds the database password).
touch "$ETC/slurmdbd.conf"
chmod 600 "$ETC/slurmdbd.conf"
cat >"$ETC/slurmdbd.conf" <<EOF
$MARK
AuthType=auth/munge
AuthInfo=socket=$MUNGE_SOCKET
DbdHost=localhost
DbdAddr=127.0.0.1
DbdPort=$SLURMDBD_PORT
SlurmUser=root
LogFile=$STATE/log/slurmdbd.log
PidFile=$STATE/run/slurmdbd.pid
StorageType=accounting_storage/mysql
StorageHost=127.0.0.1
StoragePort=$MARIADB_PORT
StorageUser=slurm
StoragePass=$DB_PASS
StorageLoc=slurm_acct_db
EOF

# --- slurmdbd, then the cluster, account and user in the database, then slurmctld and slurmd
start_daemon slurmdbd slurmdbd -D
expect_ready slurmdbd 60 sacctmgr -n list cluster
sacctmgr -i add cluster "$CLUSTER" >/dev/null
sacctmgr -i add account "$ACCOUNT" cluster="$CLUSTER" description="cluster test" organization=test >/dev/null
sacctmgr -i add user root account="$ACCOUNT" cluster="$CLUSTER" >/dev/null

start_daemon slurmctld slurmctld -D -i
expect_ready slurmctld 60 scontrol ping
start_daemon slurmd slurmd -D
# The node must register and become idle.
expect_ready slurmd 60 bash -c "sinfo -h -N -n '$HOST' -o '%t' | grep -qx idle"
sinfo -N -o '%N %P %c %m %G %t'
say "ready: configuration in $ETC, account $ACCOUNT, partitions cpu (default) and gpu"
