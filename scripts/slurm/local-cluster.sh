#!/usr/bin/env bash
# Starts a single-node Slurm on this machine (munged, slurmctld and slurmd with a generated slurm.conf in a temporary
# folder, nothing installed or changed outside it), runs a sharded simulation as a job array with a merge job that
# depends on it (afterok), runs the same simulation in one process, compares the two JSON files byte for byte, and
# stops the daemons. Needs Debian's slurm-wlm and munge (scripts/setup.sh installs them); the daemons run as the
# calling user (slurm.conf's SlurmUser), so no root is needed.
#   scripts/slurm/local-cluster.sh SHARDS NET.snn WORKDIR [simulate options...]
# With --reproduce, a sharded reproduce instead: the calibration job once, the array after it (afterok), the merge
# after the array (afterok); then the same reproduce in one process, and the two report folders compared (plots byte
# for byte; results.json, with jq, and report.md without the fields and lines that time the run):
#   scripts/slurm/local-cluster.sh --reproduce SHARDS WORKDIR [reproduce options...]
# Exit status: 0 when the merged result equals the single-process run, 1 when it differs, 2 on bad usage, 3 when
# Slurm or munge (or, for --reproduce, jq) is missing, 4 when the cluster does not come up or a job fails. SNNCONVERT names the CLI (default:
# ./snnconvert of this checkout). KEEP_SLURM_DIR=1 keeps the temporary folder (logs) for a look afterwards.
set -euo pipefail
mode=simulate
if [ "${1:-}" = --reproduce ]; then
  mode=reproduce; shift
  if [ $# -lt 2 ]; then echo "usage: $0 --reproduce SHARDS WORKDIR [reproduce options]" >&2; exit 2; fi
  shards="$1"; work="$(mkdir -p "$2" && realpath "$2")"; shift 2
  command -v jq >/dev/null 2>&1 || { echo "jq is not installed (apt-get install jq); --reproduce compares results.json with it" >&2; exit 3; }
else
  if [ $# -lt 3 ]; then echo "usage: $0 SHARDS NET.snn WORKDIR [simulate options]" >&2; exit 2; fi
  shards="$1"; snn="$(realpath "$2")"; work="$(mkdir -p "$3" && realpath "$3")"; shift 3
fi
here="$(cd "$(dirname "$0")" && pwd)"
for tool in munged slurmctld slurmd sbatch squeue scontrol sinfo; do
  command -v "$tool" >/dev/null 2>&1 || [ -x "/usr/sbin/$tool" ] || { echo "$tool is not installed (apt-get install slurm-wlm munge)" >&2; exit 3; }
done
export PATH="$PATH:/usr/sbin"
export SNNCONVERT="${SNNCONVERT:-$(cd "$here/../.." && pwd)/snnconvert}"
tmp="$(mktemp -d /tmp/snnconvert-slurm.XXXXXX)"
chmod 700 "$tmp"
mkdir -p "$tmp/state" "$tmp/spool" "$tmp/munge"
chmod 711 "$tmp/munge"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP_SLURM_DIR:-0}" = 1 ]; then echo "slurm folder kept: $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT
fail() { echo "error: $*" >&2; for log in "$tmp"/*.log; do echo "--- $log" >&2; tail -20 "$log" >&2; done; exit 4; }

# munge: a fresh key and a socket of our own, so a system munged (if any) is neither used nor disturbed.
head -c 1024 /dev/urandom > "$tmp/munge/munge.key"
chmod 600 "$tmp/munge/munge.key"
munged --foreground --force --socket="$tmp/munge/munge.sock" --key-file="$tmp/munge/munge.key" \
  --pid-file="$tmp/munge/munged.pid" --seed-file="$tmp/munge/munged.seed" > "$tmp/munged.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/munge/munge.sock" ] && break; sleep 0.1; done
[ -S "$tmp/munge/munge.sock" ] || fail "munged did not start"

host="$(hostname -s)"
user="$(id -un)"
port=$((20000 + RANDOM % 20000))
cat > "$tmp/slurm.conf" <<CONF
ClusterName=snnconvert
SlurmctldHost=$host
SlurmctldPort=$port
SlurmdPort=$((port + 1))
SlurmUser=$user
SlurmdUser=$user
AuthType=auth/munge
AuthInfo=socket=$tmp/munge/munge.sock
CredType=cred/munge
StateSaveLocation=$tmp/state
SlurmdSpoolDir=$tmp/spool
SlurmctldPidFile=$tmp/slurmctld.pid
SlurmdPidFile=$tmp/slurmd.pid
SlurmctldLogFile=$tmp/slurmctld.log
SlurmdLogFile=$tmp/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
ReturnToService=2
MinJobAge=600
NodeName=$host CPUs=$(nproc) State=UNKNOWN
PartitionName=local Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$tmp/slurm.conf"
slurmctld -D -i -f "$SLURM_CONF" > "$tmp/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" > "$tmp/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do
  state="$(sinfo -h -n "$host" -o %t 2>/dev/null || true)"
  [ "$state" = idle ] && break
  sleep 0.2
done
[ "$state" = idle ] || fail "the node did not become idle (state: ${state:-none})"
echo "slurm is up: node $host, $(nproc) CPUs, port $port, config $SLURM_CONF"

parts="$work/parts"
rm -rf "$parts" "$work"/slurm-*.out "$work/merged.json" "$work/merged" "$work/single" "$work/conversions"
cd "$work"
if [ "$mode" = reproduce ]; then
  calibrate=$(sbatch --parsable "$here/calibrate.sbatch" "$work/conversions" "$@")
  array=$(sbatch --parsable --dependency=afterok:"$calibrate" --array=0-$((shards - 1)) "$here/reproduce-array.sbatch" "$work/conversions" "$parts" "$@")
  merge=$(sbatch --parsable --dependency=afterok:"$array" "$here/merge.sbatch" "$work/merged" "$parts")
  echo "submitted calibration job $calibrate, array job $array ($shards shards, afterok:$calibrate) and merge job $merge (afterok:$array)"
else
  array=$(sbatch --parsable --array=0-$((shards - 1)) "$here/simulate-array.sbatch" "$snn" "$parts" "$@")
  merge=$(sbatch --parsable --dependency=afterok:"$array" "$here/merge.sbatch" "$work/merged.json" "$parts")
  echo "submitted array job $array ($shards shards) and merge job $merge (afterok:$array)"
fi
for _ in $(seq 1800); do
  state="$(scontrol show job "$merge" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | cut -d= -f2 || true)"
  case "$state" in COMPLETED|FAILED|CANCELLED|TIMEOUT|NODE_FAIL|OUT_OF_MEMORY) break ;; esac
  sleep 0.5
done
echo "merge job $merge: $state"
cat slurm-*.out > "$work/jobs.log" 2>/dev/null || true
[ "$state" = COMPLETED ] || { cat "$work/jobs.log" >&2; fail "the merge job ended $state"; }

if [ "$mode" = reproduce ]; then
  # The single process calibrates itself; wall times, the start time and the command line are each run's own.
  $SNNCONVERT reproduce --out "$work/single" "$@" > "$work/single.log" 2>&1
  untimed_json() { jq -S 'del(.run) | .methods[] |= (.calibrationSeconds = 0 | .simulationSeconds = 0)' "$1/results.json"; }
  untimed_md() { sed -n '/^## Timings (seconds)$/q; /^Command: /d; /^Run /d; p' "$1/report.md"; }
  same=1
  cmp <(untimed_json "$work/single") <(untimed_json "$work/merged") || same=0
  cmp <(untimed_md "$work/single") <(untimed_md "$work/merged") || same=0
  for plot in "$work/single"/*.png; do cmp "$plot" "$work/merged/$(basename "$plot")" || same=0; done
  if [ "$same" = 1 ]; then
    echo "merged result of $shards shards (calibrated once) equals the single-process run: $work/merged"
    exit 0
  fi
  echo "merged result differs from the single-process run" >&2
  exit 1
fi
$SNNCONVERT simulate --snn "$snn" --json "$work/single.json" "$@" > "$work/single.log" 2>&1
if cmp "$work/single.json" "$work/merged.json"; then
  echo "merged result of $shards shards equals the single-process run: $work/merged.json"
else
  echo "merged result differs from the single-process run" >&2
  exit 1
fi
