#!/usr/bin/env python3
"""PyTorch-CPU baseline for `snnconvert bench`: the same zoo networks, batch sizes and workloads.

Training step: forward + cross-entropy + backward + SGD (momentum 0.9, weight decay 5e-4) on random
images; inference: eval-mode forward under no_grad. Each workload runs one warm-up batch, then
`--repeats` repeats of at least `--seconds` seconds; the median images/s is reported.
Needs only Debian's python3-torch. Used by bench/compare.sh; the product never needs Python.
"""
import argparse, json, os, statistics, time
import torch
import torch.nn as nn


def mnist_seed():
    return nn.Sequential(
        nn.Conv2d(1, 12, 5, bias=False), nn.ReLU(), nn.Dropout(0.5), nn.AvgPool2d(2),
        nn.Conv2d(12, 64, 5, bias=False), nn.ReLU(), nn.Dropout(0.5), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(1024, 10, bias=False))


def conv_bn(cin, cout):
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU()]


def fmnist_net():
    return nn.Sequential(
        *conv_bn(1, 32), nn.AvgPool2d(2), *conv_bn(32, 64), nn.AvgPool2d(2), *conv_bn(64, 128), nn.AvgPool2d(2),
        nn.Flatten(), nn.Dropout(0.3), nn.Linear(1152, 256, bias=False), nn.ReLU(), nn.Dropout(0.3),
        nn.Linear(256, 10, bias=False))


def cifar10_vgg():
    return nn.Sequential(
        *conv_bn(3, 32), *conv_bn(32, 32), nn.AvgPool2d(2),
        *conv_bn(32, 64), *conv_bn(64, 64), nn.AvgPool2d(2),
        *conv_bn(64, 128), *conv_bn(128, 128), nn.AvgPool2d(2),
        *conv_bn(128, 256), nn.AvgPool2d(2),
        nn.Flatten(), nn.Dropout(0.2), nn.Linear(1024, 10, bias=False))


MODELS = {"mnist-seed": (mnist_seed, (1, 28, 28)), "fmnist-net": (fmnist_net, (1, 28, 28)), "cifar10-vgg": (cifar10_vgg, (3, 32, 32))}


def measure(step, batch, repeats, seconds):
    step()
    runs = []
    for _ in range(repeats):
        start, images = time.perf_counter(), 0
        while True:
            step()
            images += batch
            if time.perf_counter() - start >= seconds:
                break
        runs.append(images / (time.perf_counter() - start))
    return runs


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--model", nargs="*", default=list(MODELS))
    p.add_argument("--train-batch", type=int, default=64)
    p.add_argument("--infer-batch", type=int, default=256)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--seconds", type=float, default=3.0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=0, help="intra-op threads (default: all cores)")
    p.add_argument("--json")
    a = p.parse_args()
    torch.manual_seed(a.seed)
    # Debian's build starts with one thread; use every core, as SnnConvert does.
    torch.set_num_threads(a.threads or os.cpu_count())
    results = []
    for name in a.model:
        build, shape = MODELS[name]
        net = build()
        opt = torch.optim.SGD(net.parameters(), lr=1e-3, momentum=0.9, weight_decay=5e-4)
        x_train = torch.rand(a.train_batch, *shape)
        y_train = torch.arange(a.train_batch) % 10
        x_infer = torch.rand(a.infer_batch, *shape)
        loss_fn = nn.CrossEntropyLoss()

        def train_step():
            net.train()
            opt.zero_grad(set_to_none=False)
            loss_fn(net(x_train), y_train).backward()
            opt.step()

        def infer_step():
            net.eval()
            with torch.no_grad():
                net(x_infer)

        train = measure(train_step, a.train_batch, a.repeats, a.seconds)
        infer = measure(infer_step, a.infer_batch, a.repeats, a.seconds)
        results.append({"model": name, "trainImagesPerSecond": statistics.median(train), "inferImagesPerSecond": statistics.median(infer),
                        "trainRuns": train, "inferRuns": infer})
        print(f"{name}: train {statistics.median(train):.1f} img/s, inference {statistics.median(infer):.1f} img/s")
    out = {"tool": "pytorch", "version": torch.__version__, "threads": torch.get_num_threads(), "processors": os.cpu_count(),
           "trainBatch": a.train_batch, "inferBatch": a.infer_batch, "results": results}
    if a.json:
        tmp = a.json + ".tmp"
        with open(tmp, "w") as f:
            json.dump(out, f, indent=2)
        os.replace(tmp, a.json)


if __name__ == "__main__":
    main()
