#!/usr/bin/env bash
# Side-by-side SNN simulation throughput of SnnConvert and PyTorch-CPU (bench/pytorch_snn_bench.py) on the zoo models:
# soft-reset IF, direct input, batch 100, T = STEPS; the tools alternate ROUNDS times and the table gives medians and
# the ratio SnnConvert / PyTorch. SnnConvert uses the bundled model and its test images where present (real firing
# rates); PyTorch's dense step-by-step loop costs the same whatever the weights.
# Usage: bench/compare_snn.sh [ROUNDS] [IMAGES] [STEPS]   (needs Debian's python3-torch)
# THREADS=1 bench/compare_snn.sh ... runs both tools on one core (DOTNET_PROCESSOR_COUNT=1, torch.set_num_threads(1)):
# on a loaded machine PyTorch's OpenMP threads collapse, which inflates the two-core ratio.
# MODELS="mnist-seed cifar10-vgg" bench/compare_snn.sh ... measures only those zoo models.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
images=${2:-200}
steps=${3:-32}
out=bench/results
mkdir -p "$out"
dotnet build -c Release src/SnnConvert.Cli -v q -nologo >/dev/null
cli=src/SnnConvert.Cli/bin/Release/net10.0/SnnConvert.Cli
for r in $(seq 1 "$rounds"); do
  DOTNET_PROCESSOR_COUNT=${THREADS:-$(nproc)} "$cli" bench --snn-only ${MODELS:+--model $MODELS} --repeats 3 --snn-images "$images" --snn-steps "$steps" --json "$out/snnconvert-snn-$r.json" >/dev/null
  /usr/bin/python3 bench/pytorch_snn_bench.py ${MODELS:+--model $MODELS} --threads "${THREADS:-0}" --repeats 3 --images "$images" --steps "$steps" --json "$out/pytorch-snn-$r.json" >/dev/null
done
/usr/bin/python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys, platform, datetime, os
out, rounds = sys.argv[1], int(sys.argv[2])
ours = [json.load(open(f"{out}/snnconvert-snn-{r}.json")) for r in range(1, rounds + 1)]
torch = [json.load(open(f"{out}/pytorch-snn-{r}.json")) for r in range(1, rounds + 1)]
sys.path.insert(0, "bench"); from machine_line import describe
print(describe(ours[0].get("machine")))
print(f"{datetime.date.today()}; PyTorch {torch[0]['version']} ({torch[0]['threads']} threads); median of {rounds} alternating rounds\n")
print("| model | weights and images | firing rate | SnnConvert dense | SnnConvert event-driven | SnnConvert auto | PyTorch | auto / PyTorch | calibration image-steps/s |")
print("|---|---|---|---|---|---|---|---|---|")
for res in ours[0]["snnResults"]:
    m = res["model"]
    pick = lambda runs, key: statistics.median(x[key] for run in runs for x in run["snnResults" if "snnResults" in run else "results"] if x["model"] == m)
    dense, event, auto, calib = (pick(ours, k) for k in ("denseImageStepsPerSecond", "eventDrivenImageStepsPerSecond", "autoImageStepsPerSecond", "calibrationImageStepsPerSecond"))
    pt = pick(torch, "simulationImageStepsPerSecond")
    print(f"| {m} | {res['source']} | {res['firingRate']:.4f} | {dense:.0f} | {event:.0f} | {auto:.0f} | {pt:.0f} | {auto/pt:.2f}x | {calib:.0f} |")
PY
