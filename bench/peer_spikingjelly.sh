#!/usr/bin/env bash
# SnnConvert against SpikingJelly's ann2snn (modes max and 99.9%) on the same seed network, trained in PyTorch and
# imported by SnnConvert through ONNX (issue 18, peer acceptance). Prints one table, T x configuration, on stdout.
#
# Usage: bench/peer_spikingjelly.sh SPIKINGJELLY_SRC [OUT]     (or SPIKINGJELLY=... bench/peer_spikingjelly.sh)
#   SPIKINGJELLY_SRC  a folder holding SpikingJelly's `spikingjelly` package. The measurement in docs/peers.md used
#                     commit a733b9bef08b7fb619ceae5bdbb83bae903ead71 (22 September 2023), which runs on Debian's
#                     PyTorch 1.13 (/usr/bin/python3); get it with
#                       git clone https://github.com/fangwei123456/spikingjelly /tmp/sj-git
#                       git -C /tmp/sj-git checkout a733b9bef08b7fb619ceae5bdbb83bae903ead71
#                     or, from a bare snapshot, extract only the package (nothing is installed, nothing vendored):
#                       mkdir /tmp/sj && git --git-dir=SNAPSHOT archive a733b9b spikingjelly | tar -x -C /tmp/sj
#                       echo a733b9bef08b7fb619ceae5bdbb83bae903ead71 > /tmp/sj/COMMIT
#                     Its optional dependencies (cupy, tqdm) are not needed: the script stubs tqdm when it is missing.
#   OUT               working folder (default: a new temporary one): seed.pt, seed.onnx, *.snn, *.json; a folder
#                     that already holds seed.pt, seed.onnx and cnn.json reuses that network (no training)
# Environment: DATA (MNIST IDX .gz folder; default shared/datasets/mnist beside the checkout), EPOCHS (2), CALIB
#   (calibration images from the training split, both tools; 10000), TIMESTEPS (2,4,8,16,32), SEED (1), THREADS (1: PyTorch's
#   second thread only spins on a loaded machine),
#   PYTHON (/usr/bin/python3), PEER_CONFIGS (comma-separated SnnConvert configuration names, to run only those).
# SnnConvert's configurations are read from `snnconvert convert --help`: --as-written, --target-T, --calibrate and
# --low-latency (and --readout-delay auto on top of it) are measured when the CLI offers them. Takes about 15-30
# minutes on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
export SPIKINGJELLY="${1:-${SPIKINGJELLY:-}}"
[ -d "$SPIKINGJELLY/spikingjelly" ] || { echo "usage: $0 SPIKINGJELLY_SRC [OUT] (a folder holding the spikingjelly package; see the header)" >&2; exit 2; }
out="${2:-$(mktemp -d)}"; mkdir -p "$out"
export DATA="${DATA:-$(cd "$root/.." && pwd)/shared/datasets/mnist}"
[ -d "$DATA" ] || DATA=/work/shared/datasets/mnist
python="${PYTHON:-/usr/bin/python3}"
dotnet build "$root/src/SnnConvert.Cli" -c Release -nologo -v q -clp:ErrorsOnly >&2
export SNNCONVERT="$root/src/SnnConvert.Cli/bin/Release/net10.0/SnnConvert.Cli"

commit="$(git -C "$SPIKINGJELLY" rev-parse HEAD 2>/dev/null || cat "$SPIKINGJELLY/COMMIT" 2>/dev/null || echo unknown)"
echo "$(date -u '+%Y-%m-%d %H:%M UTC'); $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores;" \
     "SpikingJelly $commit; SnnConvert $(git -C "$root" rev-parse --short HEAD); torch $("$python" -c 'import torch; print(torch.__version__)')"
for step in train spikingjelly snnconvert; do
  echo "== $step" >&2
  "$python" "$root/bench/peer_spikingjelly.py" "$step" "$out" >&2
done
"$python" "$root/bench/peer_spikingjelly.py" table "$out"
