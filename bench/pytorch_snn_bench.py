#!/usr/bin/env python3
"""PyTorch-CPU baseline for `snnconvert bench --snn-only`: the converted zoo SNNs simulated step by step.

Each zoo CNN (random weights, biases as batch-norm folding leaves them) becomes an SNN of soft-reset
integrate-and-fire neurons: at every step each weighted layer's current z = W * s + b is added to the membrane,
neurons at or above their per-channel threshold spike and subtract it; average pooling passes spike maps on;
the output layer only accumulates. Direct input: the image is the first layer's input at every step, so its
current is computed once per batch (as SnnConvert does). Workload: batch 100, T = 32 (defaults), no_grad.
Reports the median image-steps/s of `--repeats` runs. Needs only Debian's python3-torch; used by
bench/compare_snn.sh; the product never needs Python.
"""
import argparse, json, os, statistics, time
import torch
import torch.nn as nn
import torch.nn.functional as F

# (kind, args): conv = (cin, cout, k, pad), pool = k, flat, dense = (in, out). Biases on the layers that
# batch norm precedes (folding creates them), none elsewhere, as in SnnConvert's converted networks.
ARCH = {
    "mnist-seed": ((1, 28, 28), [("conv", (1, 12, 5, 0, False)), ("pool", 2), ("conv", (12, 64, 5, 0, False)), ("pool", 2),
                                 ("flat", None), ("dense", (1024, 10, False))]),
    "fmnist-net": ((1, 28, 28), [("conv", (1, 32, 3, 1, True)), ("pool", 2), ("conv", (32, 64, 3, 1, True)), ("pool", 2),
                                 ("conv", (64, 128, 3, 1, True)), ("pool", 2), ("flat", None), ("dense", (1152, 256, False)),
                                 ("dense", (256, 10, False))]),
    "cifar10-vgg": ((3, 32, 32), [("conv", (3, 32, 3, 1, True)), ("conv", (32, 32, 3, 1, True)), ("pool", 2),
                                  ("conv", (32, 64, 3, 1, True)), ("conv", (64, 64, 3, 1, True)), ("pool", 2),
                                  ("conv", (64, 128, 3, 1, True)), ("conv", (128, 128, 3, 1, True)), ("pool", 2),
                                  ("conv", (128, 256, 3, 1, True)), ("pool", 2), ("flat", None), ("dense", (1024, 10, False))]),
}


class Snn:
    def __init__(self, layers):
        self.layers = []
        for kind, a in layers:
            if kind == "conv":
                cin, cout, k, pad, bias = a
                w = torch.randn(cout, cin, k, k) * (2.0 / (cin * k * k)) ** 0.5
                b = torch.randn(cout) * 0.05 if bias else None
                theta = torch.rand(1, cout, 1, 1) + 0.5
                self.layers.append(("conv", (w, b, pad, theta)))
            elif kind == "dense":
                fin, fout, bias = a
                w = torch.randn(fout, fin) * (2.0 / fin) ** 0.5
                self.layers.append(("dense", (w, None, torch.rand(1) + 0.5)))
            else:
                self.layers.append((kind, a))

    def run(self, x, steps):
        n = x.shape[0]
        v = [None] * len(self.layers)
        first = None
        out = None
        for t in range(steps):
            s = x
            for i, (kind, a) in enumerate(self.layers):
                last = i == len(self.layers) - 1
                if kind == "conv":
                    w, b, pad, theta = a
                    if i == 0:
                        if first is None:
                            first = F.conv2d(x, w, b, padding=pad)
                        z = first
                    else:
                        z = F.conv2d(s, w, b, padding=pad)
                elif kind == "dense":
                    w, b, theta = a
                    z = F.linear(s, w, b)
                elif kind == "pool":
                    s = F.avg_pool2d(s, a)
                    continue
                else:
                    s = s.flatten(1)
                    continue
                if last:
                    out = z.clone() if out is None else out.add_(z)
                    continue
                if v[i] is None:
                    v[i] = torch.zeros_like(z)
                v[i].add_(z)
                s = (v[i] >= theta).to(z.dtype)
                v[i].sub_(s * theta)
        return out.argmax(1)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", nargs="*", default=list(ARCH))
    p.add_argument("--batch", type=int, default=100)
    p.add_argument("--steps", type=int, default=32)
    p.add_argument("--images", type=int, default=200)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=0, help="intra-op threads (default: all cores)")
    p.add_argument("--json")
    a = p.parse_args()
    torch.manual_seed(a.seed)
    torch.set_num_threads(a.threads or os.cpu_count())
    results = []
    with torch.no_grad():
        for name in a.model:
            shape, layers = ARCH[name]
            snn = Snn(layers)
            images = torch.rand(a.images, *shape)

            def run_all():
                for start in range(0, a.images, a.batch):
                    snn.run(images[start:start + a.batch], a.steps)

            run_all()
            runs = []
            for _ in range(a.repeats):
                start = time.perf_counter()
                run_all()
                runs.append(a.images * a.steps / (time.perf_counter() - start))
            results.append({"model": name, "steps": a.steps, "simulationImageStepsPerSecond": statistics.median(runs), "simulationRuns": runs})
            print(f"{name}: SNN simulation {statistics.median(runs):.0f} image-steps/s (T = {a.steps}, batch {a.batch})")
    out = {"tool": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(), "batch": a.batch, "results": results}
    if a.json:
        tmp = a.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(out, f, indent=2)
        os.replace(tmp, a.json)


if __name__ == "__main__":
    main()
