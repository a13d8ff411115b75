#!/usr/bin/env bash
# Issue 17's measurements on the CPU at hand, in one go, for a table per CPU kind in docs/benchmarks.md: the CPU
# (lscpu, vector widths .NET uses, OpenBLAS's kernel), then training/inference, SNN simulation and the seed
# calibration side by side with PyTorch, then the README's main command timed. Each step's output goes to its own
# file in OUT; nothing is summarised or edited for you.
# Usage: bench/cpu_tables.sh [OUT] [ROUNDS]     (default OUT: bench/results/cpu-<model>-<date>, ROUNDS 3)
# QUICK=1: one round on few images (a check that the steps run, not a measurement); SKIP_REPRODUCE=1: no reproduce.
# Needs the README setup with SNNCONVERT_WITH_TORCH=1 (Debian's python3-torch). Takes about 40-60 minutes on 2 cores
# (the reproduction alone 15-25). OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE are unset, so OpenBLAS autodetects its
# kernels as for a user; set KEEP_OPENBLAS_ENV=1 to keep them.
set -euo pipefail
cd "$(dirname "$0")/.."
model=$(lscpu | sed -n 's/^Model name: *//p' | head -1 | tr -c 'A-Za-z0-9\n' '-' | tr -s '-')
family=$(lscpu | sed -n 's/^CPU family: *//p' | head -1)
cpumodel=$(lscpu | sed -n 's/^Model: *//p' | head -1)
out=${1:-bench/results/cpu-${model}-f${family}m${cpumodel}-$(date -u +%Y%m%d-%H%M)}
rounds=${2:-3}
mkdir -p "$out"
[ "${KEEP_OPENBLAS_ENV:-0}" = 1 ] || unset OPENBLAS_CORETYPE OPENBLAS_L2_SIZE
quick=${QUICK:-0}
stamp() { { date -u '+%Y-%m-%d %H:%M:%S UTC'; uptime; } >> "$out/$1"; }

lscpu > "$out/lscpu.txt"
if grep -qw avx512f /proc/cpuinfo; then echo "avx512f: yes" >> "$out/lscpu.txt"; else echo "avx512f: no (AVX2 path)" >> "$out/lscpu.txt"; fi
dotnet build -c Release src/SnnConvert.Cli -v q -nologo >/dev/null
cli=src/SnnConvert.Cli/bin/Release/net10.0/SnnConvert.Cli
# The CLI's log lines name the vector width and OpenBLAS's kernel.
"$cli" eval --model models/mnist-seed.snnm --limit 10 2>&1 | grep -E "^(cpu|matrix products|OPENBLAS)" > "$out/backend.txt" || true

if [ "$quick" = 1 ]; then train=(1 1); snn=(1 50 32); calib=(1 2000 64); else train=("$rounds" 3); snn=("$rounds" 200 32); calib=("$rounds" 0 64); fi
stamp train.txt; bench/compare.sh "${train[@]}" >> "$out/train.txt" 2>&1; stamp train.txt
stamp snn.txt; MODELS="mnist-seed cifar10-vgg" bench/compare_snn.sh "${snn[@]}" >> "$out/snn.txt" 2>&1; stamp snn.txt
stamp calibration.txt; bench/compare_calibration.sh "${calib[@]}" >> "$out/calibration.txt" 2>&1; stamp calibration.txt
if [ "${SKIP_REPRODUCE:-0}" != 1 ]; then
  limit=(); [ "$quick" = 1 ] && limit=(--limit 200 --calib-samples 500 --timesteps 1,8,32)
  stamp reproduce.txt
  { /usr/bin/time -v "$cli" reproduce --dataset mnist "${limit[@]}" --out "$out/reproduce-mnist" >/dev/null; } 2>> "$out/reproduce.txt"
  stamp reproduce.txt
fi
echo "$out"
