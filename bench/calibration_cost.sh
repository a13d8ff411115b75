#!/usr/bin/env bash
# The cost of the low-latency steps (issue 18, point 5) against a plain max-current calibration on the same images:
# `convert` with and without --target-T, --calibrate bias,membrane and --low-latency, for two builds of the CLI run
# alternately in each round (the machine is shared: only ratios within a round count). Prints one line per run:
# round, build, model, setting, the CLI's conversion seconds (wall), the process's CPU seconds (user + system). The
# setting "startup" (plain, one calibration image) is the process's fixed cost (reading the dataset, compiling): subtract
# its CPU seconds from the others' for the conversion's CPU time on a loaded machine, where wall seconds are inflated.
#   bench/calibration_cost.sh OLD_BIN_DIR NEW_BIN_DIR ROUNDS "model:images model:images ..."
# e.g. bench/calibration_cost.sh /tmp/old/net10.0 src/SnnConvert.Cli/bin/Release/net10.0 3 "mnist-seed:512 fmnist-net:256"
set -euo pipefail
old="$1"; new="$2"; rounds="${3:-3}"; models="${4:-mnist-seed:512 fmnist-net:256 cifar10-vgg:32}"
root="$(cd "$(dirname "$0")/.." && pwd)"
out="$(mktemp -d)"
settings=("startup|" "plain|" "target8|--target-T 8" "calibrate64|--calibrate bias,membrane" "lowlatency8|--low-latency 8")
echo "round build model images setting convert_s cpu_s"
for r in $(seq 1 "$rounds"); do
  for spec in $models; do
    model="${spec%%:*}"; images="${spec##*:}"
    for setting in "${settings[@]}"; do
      name="${setting%%|*}"; flags="${setting#*|}"
      for build in old new; do
        dir="$old"; [ "$build" = new ] && dir="$new"
        count="$images"; [ "$name" = startup ] && count=1
        # shellcheck disable=SC2086
        /usr/bin/time -f "%U %S" -o "$out/time" "$dir/SnnConvert.Cli" convert --model "$root/models/$model.snnm" --calib-samples "$count" \
          --out "$out/$build.snn" $flags > "$out/log" 2>&1
        seconds="$(grep -oE '\(max-current, [0-9.]+ s\)' "$out/log" | grep -oE '[0-9.]+' | tail -1)"
        cpu="$(awk '{print $1 + $2}' "$out/time")"
        echo "$r $build $model $images $name $seconds $cpu"
      done
      python3 - "$out/old.snn" "$out/new.snn" <<'PY' || echo "DIFFERENT $model $name"
import re, sys
def body(p):
    b = open(p, 'rb').read()[:-32]   # the trailing checksum covers the recorded seconds
    b = re.sub(rb'"calibrationSeconds":[0-9.eE+-]+', b'', b)
    return b[b.index(b'{'):]
sys.exit(0 if body(sys.argv[1]) == body(sys.argv[2]) else 1)
PY
    done
  done
done
rm -rf "$out"
