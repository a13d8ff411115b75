#!/usr/bin/env bash
# The seed calibration side by side: `snnconvert convert --method max-current` and its PyTorch implementation
# (bench/pytorch_calibration_bench.py) on the same images, T, batch and seed; the tools alternate ROUNDS times. Prints
# both tools' calibration seconds (loading excluded on both sides), the ratio PyTorch / SnnConvert (above 1: SnnConvert
# is faster) and the largest relative difference between the two tools' thresholds (float tolerance: the tools add
# in different orders).
# SnnConvert runs with --as-written: the seed's copied weights, as the PyTorch side computes them (the default
# max-current scales the synapses by the presynaptic thresholds, which changes the later layers' current units, not the work).
# Usage: bench/compare_calibration.sh [ROUNDS] [IMAGES] [STEPS]   IMAGES 0 = the whole training set (the seed)
# The first IMAGES training images go to a temporary MNIST folder that both tools read in full, so the images are the
# same without --calib-samples' seeded subset. THREADS=1 runs both on one core (as in bench/compare_snn.sh);
# MODEL=path.snnm (default models/mnist-seed.snnm); BATCH (100), SEED (1), MNIST=folder of the IDX files. Needs Debian's python3-torch.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-2}
images=${2:-0}
steps=${3:-64}
batch=${BATCH:-100}
seed=${SEED:-1}
model=${MODEL:-models/mnist-seed.snnm}
mnist=${MNIST:-}
if [ -z "$mnist" ]; then   # shared/datasets/mnist here or in a folder above, as the CLI looks for it
  for dir in "$PWD" "$(dirname "$PWD")" "$(dirname "$(dirname "$PWD")")" "$(dirname "$(dirname "$(dirname "$PWD")")")"; do
    [ -d "$dir/shared/datasets/mnist" ] && mnist="$dir/shared/datasets/mnist" && break
  done
fi
[ -n "$mnist" ] || { echo "MNIST not found: set MNIST=folder" >&2; exit 1; }
out=bench/results
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/mnist"
/usr/bin/python3 - "$mnist" "$work/mnist" "$images" <<'PY'
import gzip, os, shutil, struct, sys
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def read(name):
    path = os.path.join(src, name)
    return (gzip.open(path + ".gz") if os.path.exists(path + ".gz") else open(path, "rb")).read()
images, labels = read("train-images-idx3-ubyte"), read("train-labels-idx1-ubyte")
total = struct.unpack(">I", images[4:8])[0]
n = total if n <= 0 or n > total else n
open(os.path.join(dst, "train-images-idx3-ubyte"), "wb").write(images[:4] + struct.pack(">I", n) + images[8:16] + images[16:16 + n * 784])
open(os.path.join(dst, "train-labels-idx1-ubyte"), "wb").write(labels[:4] + struct.pack(">I", n) + labels[8:8 + n])
for split in ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"):
    open(os.path.join(dst, split), "wb").write(read(split))
PY
dotnet build -c Release src/SnnConvert.Cli -v q -nologo >/dev/null
cli=src/SnnConvert.Cli/bin/Release/net10.0/SnnConvert.Cli
for r in $(seq 1 "$rounds"); do
  DOTNET_PROCESSOR_COUNT=${THREADS:-$(nproc)} "$cli" convert --model "$model" --method max-current --as-written --data-dir "$work" \
    --calib-steps "$steps" --batch-size "$batch" --seed "$seed" --out "$work/ours.snn" >"$work/ours-$r.txt" 2>"$work/ours-$r.log"
  /usr/bin/python3 bench/pytorch_calibration_bench.py --model "$model" --data "$work/mnist" --steps "$steps" --batch "$batch" \
    --threads "${THREADS:-0}" --json "$out/pytorch-calibration-$r.json" >/dev/null
  /usr/bin/python3 - "$work/ours.snn" "$work/ours-$r.txt" "$out/snnconvert-calibration-$r.json" <<'PY'
import json, re, struct, sys
import numpy as np
snn, text, target = sys.argv[1:4]
data = open(snn, "rb").read()
(n,) = struct.unpack("<I", data[8:12])
meta = json.loads(data[12:12 + n])
offset, thresholds = 12 + n + 8, {}
for t in meta["tensors"]:
    count = int(np.prod(t["shape"]))
    if t["name"].endswith(".thresholds"):
        thresholds[t["name"].split(".")[0]] = np.frombuffer(data, "<f4", count, offset).tolist()
    offset += 4 * count
seconds = float(re.search(r"\(max-current, ([0-9.]+) s\)", open(text).read()).group(1))
json.dump({"tool": "snnconvert", "seconds": seconds, "thresholds": thresholds}, open(target, "w"), indent=2)
PY
done
grep -h "^cpu:\|^matrix products:" "$work/ours-1.log" || true
/usr/bin/python3 - "$out" "$rounds" "$images" "$steps" "$batch" <<'PY'
import json, statistics, sys, datetime
import numpy as np
sys.path.insert(0, "bench"); from machine_line import describe
out, rounds, images, steps, batch = sys.argv[1], int(sys.argv[2]), *sys.argv[3:6]
ours = [json.load(open(f"{out}/snnconvert-calibration-{r}.json")) for r in range(1, rounds + 1)]
torch = [json.load(open(f"{out}/pytorch-calibration-{r}.json")) for r in range(1, rounds + 1)]
print(describe())
print(f"{datetime.date.today()}; PyTorch {torch[0]['version']} ({torch[0]['threads']} threads); {torch[0]['images']} images, T = {steps}, batch {batch}")
worst = 0.0
for stage, values in ours[0]["thresholds"].items():
    a, b = np.array(values, dtype=np.float64), np.array(torch[0]["thresholds"][stage], dtype=np.float64)
    rel = float(np.max(np.abs(a - b) / np.abs(a)))
    worst = max(worst, rel)
    print(f"stage {stage}: {len(a)} thresholds, largest relative difference {rel:.2e}")
o = [r["seconds"] for r in ours]; t = [r["seconds"] for r in torch]
print(f"SnnConvert: {' '.join(f'{x:.2f}' for x in o)} s; PyTorch: {' '.join(f'{x:.2f}' for x in t)} s")
print(f"max-current calibration, median of {rounds} alternating rounds: SnnConvert {statistics.median(o):.2f} s, "
      f"PyTorch {statistics.median(t):.2f} s, PyTorch / SnnConvert {statistics.median(t) / statistics.median(o):.2f}x; "
      f"thresholds agree within {worst:.1e} (relative)")
PY
