#!/usr/bin/env bash
# Side-by-side throughput of SnnConvert and PyTorch-CPU on the zoo models, in one run on one machine.
# The two tools alternate ROUNDS times (so drifts in machine load hit both); each round reports the median of
# its repeats, and the table gives the median over rounds and the ratio SnnConvert / PyTorch.
# Usage: bench/compare.sh [ROUNDS] [SECONDS]   (needs Debian's python3-torch)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
seconds=${2:-3}
out=bench/results
mkdir -p "$out"
dotnet build -c Release src/SnnConvert.Cli -v q -nologo >/dev/null
cli=src/SnnConvert.Cli/bin/Release/net10.0/SnnConvert.Cli
for r in $(seq 1 "$rounds"); do
  "$cli" bench --ann-only --repeats 3 --seconds "$seconds" --json "$out/snnconvert-$r.json" >/dev/null
  /usr/bin/python3 bench/pytorch_bench.py --repeats 3 --seconds "$seconds" --json "$out/pytorch-$r.json" >/dev/null
done
/usr/bin/python3 - "$out" "$rounds" <<'PY'
import json, statistics, sys, platform, datetime, os
out, rounds = sys.argv[1], int(sys.argv[2])
def load(tool):
    runs = [json.load(open(f"{out}/{tool}-{r}.json")) for r in range(1, rounds + 1)]
    by = {}
    for run in runs:
        for res in run["results"]:
            by.setdefault(res["model"], {"train": [], "infer": []})
            by[res["model"]]["train"].append(res["trainImagesPerSecond"]); by[res["model"]]["infer"].append(res["inferImagesPerSecond"])
    return runs[0], by
s_meta, s = load("snnconvert"); p_meta, p = load("pytorch")
sys.path.insert(0, "bench"); from machine_line import describe
print(describe(s_meta.get("machine")))
print(f"{datetime.date.today()}; SnnConvert BLAS: {s_meta['blas']}; PyTorch {p_meta['version']} ({p_meta['threads']} threads)")
print(f"Train batch {s_meta['trainBatch']}, inference batch {s_meta['inferBatch']}; median of {rounds} alternating rounds, each the median of 3 repeats.\n")
print("| model | SnnConvert train img/s | PyTorch train img/s | train ratio | SnnConvert infer img/s | PyTorch infer img/s | infer ratio |")
print("|---|---|---|---|---|---|---|")
for m in s:
    if m not in p:   # a zoo model bench/pytorch_bench.py does not define (cifar10-vgg-wide): ours alone
        print(f"| {m} | {statistics.median(s[m]['train']):.0f} | | | {statistics.median(s[m]['infer']):.0f} | | |")
        continue
    st, pt = statistics.median(s[m]["train"]), statistics.median(p[m]["train"])
    si, pi = statistics.median(s[m]["infer"]), statistics.median(p[m]["infer"])
    print(f"| {m} | {st:.0f} | {pt:.0f} | {st/pt:.2f}x | {si:.0f} | {pi:.0f} | {si/pi:.2f}x |")
PY
