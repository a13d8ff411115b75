#!/usr/bin/env bash
# Wall time of a simulation split into N = 1, 2, 4 shards run as parallel processes on this machine, against the
# unsharded run, and a check that the N = 4 merge equals it (docs/scaling.md, "Measured").
# Usage: bench/shard_speedup.sh [IMAGES] [REPEATS]   (converts mnist-seed on 1,000 calibration images first)
set -euo pipefail
cd "$(dirname "$0")/.."
images=${1:-2000}
repeats=${2:-2}
dotnet build -c Release src/SnnConvert.Cli -v q -nologo >/dev/null
cli=src/SnnConvert.Cli/bin/Release/net10.0/SnnConvert.Cli
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export NO_COLOR=1
"$cli" convert --model models/mnist-seed.snnm --calib-samples 1000 --out "$work/s.snn" >/dev/null 2>&1
args=(--snn "$work/s.snn" --limit "$images" --timesteps 1,2,4,8,16,32 --batch-size 100)
now() { date +%s.%N; }
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
for rep in $(seq 1 "$repeats"); do
  for n in 1 2 4; do
    start=$(now)
    for k in $(seq 0 $((n - 1))); do "$cli" simulate "${args[@]}" --shard "$k/$n" --json "$work/p$n-$k.json" >/dev/null 2>&1 & done
    wait
    echo "rep $rep: N = $n: $(echo "$(now) - $start" | bc) s (load $(cut -d' ' -f1 /proc/loadavg))"
  done
  start=$(now)
  "$cli" simulate "${args[@]}" --json "$work/single.json" >/dev/null 2>&1
  echo "rep $rep: unsharded: $(echo "$(now) - $start" | bc) s"
done
start=$(now)
"$cli" merge "$work/merged.json" "$work"/p4-*.json >/dev/null 2>&1
echo "merge of 4 parts: $(echo "$(now) - $start" | bc) s"
cmp "$work/merged.json" "$work/single.json" && echo "N = 4 merged JSON is byte-identical to the unsharded run"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
