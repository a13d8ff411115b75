#!/usr/bin/env bash
# Shows that a fresh clone with no datasets beside it passes the README's test command after scripts/setup.sh,
# with the datasets downloaded over HTTP (a loopback mirror standing in for the internet):
#   1. clones this checkout (its committed HEAD) into a new temporary folder with no shared/ in any parent;
#   2. lays out a mirror like the download cache (mirror/mnist/*.gz, mirror/cifar10/cifar-10-binary.tar.gz) from
#      DATASETS (default: the shared/datasets beside this checkout; the CIFAR-10 archive is built with tar from
#      cifar-10-batches-bin when no archive is there) and serves it with python3 -m http.server on 127.0.0.1;
#   3. runs setup.sh there with a fresh HOME (so an empty ~/.cache/snnconvert) and SNNCONVERT_MIRROR pointing at
#      the mirror, then `dotnet test SnnConvert.slnx -c Release`, and prints its summary line.
# A served file whose SHA-256 differs from the catalogue's (a rebuilt CIFAR-10 archive cannot equal the official
# bytes) is listed in SNNCONVERT_MIRROR_SHA256 with the mirror's own hash, and the script says so.
# NuGet packages come from the caller's cache (NUGET_PACKAGES), so no package is downloaded again.
# Usage: tools/fresh_clone_check.sh [DATASETS]   (KEEP=1 keeps the temporary folder; SETUP_ONLY=1 stops after setup)
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
datasets="${1:-}"
if [ -z "$datasets" ]; then
  for dir in "$repo" "$repo"/.. "$repo"/../.. "$repo"/../../..; do
    if [ -d "$dir/shared/datasets" ]; then datasets="$(cd "$dir/shared/datasets" && pwd)"; break; fi
  done
fi
[ -d "$datasets/mnist" ] || { echo "error: no MNIST under '$datasets'; pass the datasets folder as the argument" >&2; exit 2; }
python=/usr/bin/python3
[ -x "$python" ] || python=python3
nuget="${NUGET_PACKAGES:-$HOME/.nuget/packages}"

work="$(mktemp -d "${TMPDIR:-/tmp}/snnconvert-fresh.XXXXXX")"
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
  if [ "${KEEP:-0}" != 1 ]; then rm -rf "$work"; else echo "kept $work"; fi
}
trap cleanup EXIT
for dir in "$work" $(d="$work"; while [ "$d" != / ]; do d="$(dirname "$d")"; echo "$d"; done); do
  if [ -e "$dir/shared" ]; then echo "error: $dir/shared exists: choose TMPDIR elsewhere" >&2; exit 2; fi
done

echo "== clone $(git -C "$repo" rev-parse --short HEAD) into $work/clone"
git clone -q "$repo" "$work/clone"

echo "== mirror in $work/mirror from $datasets"
mkdir -p "$work/mirror/mnist" "$work/mirror/cifar10"
cp "$datasets"/mnist/*-ubyte.gz "$work/mirror/mnist/"
archive="$work/mirror/cifar10/cifar-10-binary.tar.gz"
if [ -f "$datasets/cifar10/cifar-10-binary.tar.gz" ]; then
  cp "$datasets/cifar10/cifar-10-binary.tar.gz" "$archive"
else
  tar -C "$datasets/cifar10" -czf "$archive" cifar-10-batches-bin
fi
# The catalogue's hash of the official archive (src/SnnConvert/Data/DatasetCatalog.cs).
official="c4a38c50a1bc5f3a1c5537f2155ab9d68f9f25eb1ed8d9ddda3db29a59bca1dd"
served="$(sha256sum "$archive" | cut -d' ' -f1)"
sums="$work/mirror-SHA256SUMS"
: >"$sums"
if [ "$served" != "$official" ]; then
  echo "note: the served CIFAR-10 archive is not the official one (sha256 $served, catalogue $official);"
  echo "      it is listed in SNNCONVERT_MIRROR_SHA256, so fetch checks it against the mirror's hash instead"
  echo "$served  cifar10/cifar-10-binary.tar.gz" >>"$sums"
fi

port="$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
"$python" -m http.server "$port" --bind 127.0.0.1 --directory "$work/mirror" >"$work/http.log" 2>&1 &
server=$!
for _ in $(seq 50); do
  curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && break
  sleep 0.2
done

echo "== setup.sh with HOME=$work/home, SNNCONVERT_MIRROR=http://127.0.0.1:$port/"
mkdir -p "$work/home"
cd "$work/clone"
run() {
  env -u SNNCONVERT_DATA HOME="$work/home" NUGET_PACKAGES="$nuget" DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    SNNCONVERT_MIRROR="http://127.0.0.1:$port/" SNNCONVERT_MIRROR_SHA256="$([ -s "$sums" ] && echo "$sums")" "$@"
}
run bash scripts/setup.sh
echo "== files fetched from the mirror:"
grep -o '"GET [^"]*" 200' "$work/http.log" | sort | uniq -c || true
find "$work/home/.cache/snnconvert/datasets" -type f | sort

if [ "${SETUP_ONLY:-0}" = 1 ]; then exit 0; fi

echo "== dotnet test SnnConvert.slnx -c Release"
set +e
run dotnet test SnnConvert.slnx -c Release 2>&1 | tee "$work/test.log"
rc=${PIPESTATUS[0]}
set -e
echo "== summary (exit $rc):"
grep -E "(Passed|Failed)! +- +Failed:" "$work/test.log" | tail -n 1
exit "$rc"
