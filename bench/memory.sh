#!/usr/bin/env bash
# Peak memory of simulate and convert on MNIST for growing T, test images and calibration images
# (docs/reliability.md, "Bounded memory"). Each run reports its peak resident set through SNNCONVERT_PEAK_MEMORY.
#   bench/memory.sh [LIMIT]     # LIMIT test images for the T sweep (default 1000); CALIB_SIZES="1000 10000 60000" for more
set -euo pipefail
cd "$(dirname "$0")/.."
limit=${1:-1000}
dotnet build src/SnnConvert.Cli -c Release -nologo -v q -clp:ErrorsOnly >&2
cli="dotnet src/SnnConvert.Cli/bin/Release/net10.0/SnnConvert.Cli.dll"
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
export SNNCONVERT_PEAK_MEMORY=1
peak() { local start=$SECONDS; local line; line=$("$@" 2>&1 >/dev/null | grep 'peak memory' || true); echo "${line#peak memory: } | $((SECONDS - start)) s"; }
echo "| run | peak | wall |"
echo "|---|---|---|"
for n in ${CALIB_SIZES:-1000 10000}; do
  echo "| convert max-current, $n calibration images, T_calib 64 | $(peak $cli convert --model models/mnist-seed.snnm --calib-samples $n --out "$work/s$n.snn") |"
done
for t in 64 1024; do
  echo "| simulate, $limit test images, T = $t | $(peak $cli simulate --snn "$work/s1000.snn" --limit "$limit" --timesteps $t) |"
done
echo "| simulate, all 10000 test images, T = 64 | $(peak $cli simulate --snn "$work/s1000.snn" --timesteps 64) |"
