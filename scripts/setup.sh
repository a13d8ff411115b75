#!/usr/bin/env bash
# Installs what SnnConvert needs on a fresh Debian 12 machine and builds it (Release).
#   - libopenblas0: OpenBLAS for matrix products (SnnConvert falls back to managed code without it)
#   - dataset-fashion-mnist: Fashion-MNIST in /usr/share/datasets/fashion-mnist
#   - python3-h5py: tools/list_nir.py, with which a test checks the NIR files we write (skipped without it)
#   - slurm-wlm and munge: scripts/slurm/local-cluster.sh starts a single-node Slurm from them (its own slurm.conf and
#     munge key in a temporary folder; the system services are neither configured nor used), with which a test runs a
#     sharded simulation and a sharded reproduce as real job arrays (skipped without them)
#   - jq: local-cluster.sh --reproduce compares the merged results.json with the single-process one through it
#   - the .NET 10 SDK (package dotnet-sdk-10.0 from Microsoft's Debian feed) when `dotnet` is missing
#   - the NuGet packages of the solution (dotnet restore)
#   - MNIST and CIFAR-10, which the tests and the main command read, when `snnconvert data where` does not find them
#     (CI keeps them in shared/datasets beside the clone): `snnconvert data fetch` downloads them into
#     ~/.cache/snnconvert/datasets and verifies their SHA-256. SNNCONVERT_MIRROR=URL is tried first (README, Datasets).
# Set SNNCONVERT_WITH_TORCH=1 to also install python3-torch, used only by bench/ to measure PyTorch side by side.
set -euo pipefail
cd "$(dirname "$0")/.."
sudo=""
if [ "$(id -u)" != 0 ]; then sudo=sudo; fi
packages="libopenblas0 dataset-fashion-mnist python3-h5py slurm-wlm munge jq"
if [ "${SNNCONVERT_WITH_TORCH:-0}" = 1 ]; then packages="$packages python3-torch"; fi
missing=""
for p in $packages; do
  dpkg -s "$p" >/dev/null 2>&1 || missing="$missing $p"
done
if [ -n "$missing" ]; then
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q $missing
fi
if ! command -v dotnet >/dev/null 2>&1; then
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q dotnet-sdk-10.0 || {
    echo "error: the .NET 10 SDK is missing; add Microsoft's package feed for Debian 12 and install dotnet-sdk-10.0" >&2
    exit 1
  }
fi
dotnet build SnnConvert.slnx -c Release -nologo -v q
# Fashion-MNIST comes from the Debian package above; the other two are fetched only when not found anywhere.
for dataset in mnist cifar10; do
  if ./snnconvert data where "$dataset" >/dev/null 2>&1; then
    echo "$dataset: found ($(./snnconvert data where "$dataset" | grep "^$dataset/test:" | cut -d' ' -f2-))"
  else
    echo "$dataset: not found; downloading it (snnconvert data fetch $dataset)"
    ./snnconvert data fetch "$dataset" || {
      echo "error: could not download $dataset; put it in ~/.cache/snnconvert/datasets or point SNNCONVERT_DATA at it (README, Datasets)" >&2
      exit 1
    }
  fi
done
echo "setup done: run ./snnconvert --help"
