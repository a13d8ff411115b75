#!/usr/bin/env python3
"""PyTorch-CPU implementation of the seed calibration (max-current, Ngu & Lee 2022), as `snnconvert convert
--method max-current` computes it (src/SnnConvert/Conversion/SequentialCurrentBalancer.cs, docs/method.md):

weighted layers are calibrated in order; while layer l is calibrated the layers before it run as soft-reset
integrate-and-fire neurons (membrane starts at 0, spike when v >= theta, subtract theta) with their final
thresholds, the image is the first layer's input at every step (direct input), and layer l's threshold per output
channel is the maximum of its current W * s(t) + b over the images, positions and the T steps (one threshold for a
dense hidden layer). Under direct input the first layer's current is constant, so one step suffices there. A group
that never saw a positive current gets the layer's largest live threshold (ThresholdFinalizer). The output layer is
not calibrated (membrane readout).

Reads the CNN straight from SnnConvert's .snnm container (conv2d, linear, relu, dropout, avgpool2d, flatten; no batch
norm or input normalisation: the seed network's layers) and MNIST-style IDX files; images are bytes / 255 in float32.
Prints each layer's thresholds and the calibration time (the work only: loading excluded, as in SnnConvert's
"calibrationSeconds"). Used by bench/compare_calibration.sh; the product never needs Python.
"""
import argparse, gzip, json, os, struct, time
import numpy as np
import torch
import torch.nn.functional as F


def read_container(path):
    """The header and the named float32 tensors of an SNNM container (src/SnnConvert/IO/TensorContainer.cs)."""
    data = open(path, "rb").read()
    if data[:4] != b"SNNM":
        raise SystemExit(f"{path}: not an SNNM container")
    (n,) = struct.unpack("<I", data[8:12])
    meta = json.loads(data[12:12 + n])
    offset = 12 + n + 8
    tensors = {}
    for entry in meta["tensors"]:
        count = int(np.prod(entry["shape"])) if entry["shape"] else 1
        values = np.frombuffer(data, dtype="<f4", count=count, offset=offset)
        tensors[entry["name"]] = torch.from_numpy(values.copy()).reshape(entry["shape"])
        offset += 4 * count
    return meta["header"], tensors


def read_idx(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        data = f.read()
    (magic,) = struct.unpack(">I", data[:4])
    dims = magic & 0xFF
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def find(folder, base):
    for name in (base + ".gz", base):
        if os.path.exists(os.path.join(folder, name)):
            return os.path.join(folder, name)
    raise SystemExit(f"{folder}: {base}(.gz) not found")


def default_mnist():
    """shared/datasets/mnist in the working folder or one above it, as the CLI looks for it."""
    folder = os.path.abspath(".")
    while True:
        candidate = os.path.join(folder, "shared", "datasets", "mnist")
        if os.path.isdir(candidate):
            return candidate
        if os.path.dirname(folder) == folder:
            raise SystemExit("MNIST not found: pass --data FOLDER")
        folder = os.path.dirname(folder)


def snn_stages(header, tensors):
    """The SNN the converter builds from the CNN: weighted layers, average pooling and flatten (ReLU and dropout
    vanish: the IF neurons stand for the ReLU)."""
    stages = []
    for i, layer in enumerate(header["architecture"]):
        kind = layer["type"]
        if kind == "conv2d":
            stages.append({"kind": "conv", "w": tensors[f"{i}.weight"], "b": tensors.get(f"{i}.bias"),
                           "stride": layer["stride"], "pad": layer["padding"], "index": i})
        elif kind == "linear":
            stages.append({"kind": "dense", "w": tensors[f"{i}.weight"], "b": tensors.get(f"{i}.bias"), "index": i})
        elif kind == "avgpool2d":
            stages.append({"kind": "pool", "k": layer["kernel"], "s": layer.get("effectiveStride") or layer["kernel"]})
        elif kind == "flatten":
            stages.append({"kind": "flat"})
        elif kind in ("relu", "dropout"):
            continue
        else:
            raise SystemExit(f"layer {i} ({kind}): this benchmark handles the seed network's layers only")
    return stages


def current(stage, s):
    if stage["kind"] == "conv":
        return F.conv2d(s, stage["w"], stage["b"], stride=stage["stride"], padding=stage["pad"])
    return F.linear(s, stage["w"], stage["b"])


def finalize(raw):
    """ThresholdFinalizer: non-positive groups get the layer's largest live threshold (1 when none is live)."""
    live = raw[raw > 0]
    fill = live.max() if live.numel() else torch.tensor(1.0)
    return torch.where(raw > 0, raw, fill)


def calibrate(stages, images, steps, batch):
    """Thresholds per weighted stage index, layer by layer, as SequentialCurrentBalancer with direct input."""
    weighted = [i for i, s in enumerate(stages) if s["kind"] in ("conv", "dense")]
    thresholds = {}
    for l in weighted[:-1]:   # the output layer accumulates its membrane: no threshold
        per_channel = stages[l]["kind"] == "conv"
        channels = stages[l]["w"].shape[0]
        best = torch.full((channels if per_channel else 1,), float("-inf"))
        first = l == weighted[0]
        for start in range(0, images.shape[0], batch):
            x = images[start:start + batch]
            first_current = current(stages[weighted[0]], x)
            membranes = {}
            for _ in range(1 if first else steps):
                s = None
                z = first_current
                for i in range(weighted[0], l + 1):
                    st = stages[i]
                    if st["kind"] == "pool":
                        s = F.avg_pool2d(s, st["k"], st["s"])
                        continue
                    if st["kind"] == "flat":
                        s = s.flatten(1)
                        continue
                    if i != weighted[0]:
                        z = current(st, s)
                    if i == l:
                        m = z.amax(dim=(0, 2, 3)) if per_channel else z.max().reshape(1)
                        torch.maximum(best, m, out=best)
                        break
                    v = membranes.get(i)
                    if v is None:
                        v = membranes[i] = torch.zeros_like(z)
                    v.add_(z)
                    theta = thresholds[i].reshape(1, -1, 1, 1) if v.dim() == 4 and thresholds[i].numel() > 1 else thresholds[i]
                    s = (v >= theta).to(z.dtype)
                    v.sub_(s * theta)
        thresholds[l] = finalize(best)
    return thresholds


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model", default="models/mnist-seed.snnm", help="SnnConvert CNN (.snnm)")
    p.add_argument("--data", help="folder with train-images-idx3-ubyte(.gz) (default: shared/datasets/mnist in this folder or above)")
    p.add_argument("--images", type=int, default=0, help="first N training images (default: all)")
    p.add_argument("--steps", type=int, default=64)
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--threads", type=int, default=0, help="intra-op threads (default: all cores)")
    p.add_argument("--json")
    a = p.parse_args()
    torch.set_num_threads(a.threads or os.cpu_count())
    header, tensors = read_container(a.model)
    stages = snn_stages(header, tensors)
    pixels = read_idx(find(a.data or default_mnist(), "train-images-idx3-ubyte"))
    if a.images:
        pixels = pixels[:a.images]
    images = torch.from_numpy(pixels.astype(np.float32)).reshape(-1, *header["inputShape"]) * np.float32(1 / 255)
    with torch.no_grad():
        clock = time.perf_counter()
        thresholds = calibrate(stages, images, a.steps, a.batch)
        seconds = time.perf_counter() - clock
    result = {"tool": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(), "images": images.shape[0],
              "steps": a.steps, "batch": a.batch, "seconds": seconds,
              "thresholds": {str(l): thresholds[l].tolist() for l in thresholds}}   # keys: SNN stage numbers
    for l, t in thresholds.items():
        print(f"stage {l}: " + " ".join(f"{x:.9g}" for x in t.tolist()))
    print(f"pytorch max-current calibration: {seconds:.2f} s ({images.shape[0]} images, T = {a.steps}, batch {a.batch}, "
          f"{torch.get_num_threads()} threads, torch {torch.__version__})")
    if a.json:
        with open(a.json + ".tmp", "w") as f:
            json.dump(result, f, indent=2)
        os.replace(a.json + ".tmp", a.json)


if __name__ == "__main__":
    main()
