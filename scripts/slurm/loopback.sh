#!/bin/bash
# A one-node Slurm on this machine's loopback, for testing `sftgo sweep run --executor slurm`:
#   scripts/slurm/loopback.sh start    installs nothing; needs Debian's slurmctld, slurmd, munge
#                                      (apt-get install -y slurmctld slurmd slurm-client munge), runs as root
#   scripts/slurm/loopback.sh stop     stops the daemons it started (by their pid files)
# Everything lives in $SFTGO_SLURM_DIR (default /tmp/sftgo-slurm); clients need
# SLURM_CONF=$SFTGO_SLURM_DIR/slurm.conf.
set -euo pipefail
DIR=${SFTGO_SLURM_DIR:-/tmp/sftgo-slurm}
CONF=$DIR/slurm.conf
export SLURM_CONF=$CONF

stop() {
  for f in slurmd slurmctld munged; do
    if [ -f "$DIR/$f.pid" ]; then kill "$(cat "$DIR/$f.pid")" 2>/dev/null || true; rm -f "$DIR/$f.pid"; fi
  done
}

start() {
  for b in slurmctld slurmd munged sbatch; do
    command -v $b >/dev/null || { echo "missing $b: apt-get install -y slurmctld slurmd slurm-client munge" >&2; exit 2; }
  done
  stop
  mkdir -p "$DIR/ctld" "$DIR/slurmd" "$DIR/munge"
  HOST=$(hostname -s)
  CPUS=$(nproc)
  cat > "$CONF" <<CONF
ClusterName=sftgo
SlurmctldHost=$HOST(127.0.0.1)
SlurmctldPort=16817
SlurmdPort=16818
AuthType=auth/munge
CredType=cred/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
SlurmUser=root
SlurmdUser=root
StateSaveLocation=$DIR/ctld
SlurmdSpoolDir=$DIR/slurmd
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$CPUS State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
  # munge: a key of our own, a socket in $DIR
  [ -f "$DIR/munge/munge.key" ] || dd if=/dev/urandom of="$DIR/munge/munge.key" bs=1024 count=1 2>/dev/null
  chmod 400 "$DIR/munge/munge.key"
  munged --force --key-file="$DIR/munge/munge.key" --socket="$DIR/munge/munge.socket" \
         --pid-file="$DIR/munged.pid" --log-file="$DIR/munged.log" --seed-file="$DIR/munge/munge.seed"
  # Slurm's munge plugin finds the socket through AuthInfo / CredInfo
  printf 'AuthInfo=socket=%s\n' "$DIR/munge/munge.socket" >> "$CONF"
  slurmctld -c
  slurmd -N localhost
  for _ in $(seq 1 60); do
    if sinfo -h -o %T 2>/dev/null | grep -q idle; then echo "slurm up: SLURM_CONF=$CONF"; return 0; fi
    sleep 1
  done
  echo "slurm did not come up; logs in $DIR" >&2
  tail -5 "$DIR"/*.log >&2 || true
  exit 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
