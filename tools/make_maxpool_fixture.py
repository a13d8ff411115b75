#!/usr/bin/env python3
"""Trains the small max-pooling CNNs of tests/fixtures/maxpool/ and exports them as ONNX (run once; files committed).

Needs Debian's python3-torch and numpy (no torchvision: the datasets are read from their IDX .gz / CIFAR-10 binary
files with numpy):
    /usr/bin/python3 tools/make_maxpool_fixture.py tests/fixtures/maxpool [mnist|cifar10|all]
Datasets are looked for in $SNNCONVERT_DATA, then shared/datasets beside the checkout (tools/fixture_data.py).
Everything is seeded (torch.manual_seed, a fixed shuffling generator) and runs on one CPU thread, so a rerun on the
same torch build gives the same weights. Each model is exported in evaluation mode, opset 13, dynamic batch axis.

  lenet-maxpool:  MNIST, conv 5x5 (8) - ReLU - maxpool 2x2 - conv 5x5 (16) - ReLU - maxpool 2x2 - FC 256->32 - ReLU - FC 32->10,
                  2 epochs of Adam (lr 2e-3, batch 64).
  cifar-maxpool3: CIFAR-10, three conv 3x3 (pad 1) - ReLU - maxpool 3x3 stride 2 (overlapping windows) blocks
                  (16, 32, 32 channels) - FC 288->10, 2 epochs of Adam (lr 2e-3, batch 64).
"""
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn

from fixture_data import datasets_dir, idx


def mnist(split):
    d = os.path.join(datasets_dir(), "mnist")
    prefix = "train" if split == "train" else "t10k"
    x = idx(os.path.join(d, f"{prefix}-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    y = idx(os.path.join(d, f"{prefix}-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(x[:, None]), torch.from_numpy(y)


def cifar10(split):
    d = os.path.join(datasets_dir(), "cifar10", "cifar-10-batches-bin")
    files = [f"data_batch_{i}.bin" for i in range(1, 6)] if split == "train" else ["test_batch.bin"]
    rec = np.concatenate([np.fromfile(os.path.join(d, f), dtype=np.uint8).reshape(-1, 3073) for f in files])
    x = rec[:, 1:].reshape(-1, 3, 32, 32).astype(np.float32) / 255.0
    return torch.from_numpy(x), torch.from_numpy(rec[:, 0].astype(np.int64))


class LeNetMaxPool(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 5), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(8, 16, 5), nn.ReLU(), nn.MaxPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(256, 32), nn.ReLU(), nn.Linear(32, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


class CifarMaxPool3(nn.Module):
    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, stride=2),
            nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, stride=2),
            nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(3, stride=2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(288, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        correct = sum((model(x[i:i + 1000]).argmax(1) == y[i:i + 1000]).sum().item() for i in range(0, len(x), 1000))
    return 100.0 * correct / len(x)


def train(name, model, data, out_dir, epochs=2, lr=2e-3, batch=64, seed=1):
    torch.manual_seed(seed)
    (xt, yt), (xv, yv) = data("train"), data("test")
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    gen = torch.Generator().manual_seed(seed)
    start = time.time()
    for epoch in range(epochs):
        model.train()
        order = torch.randperm(len(xt), generator=gen)
        for i in range(0, len(xt), batch):
            b = order[i:i + batch]
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(xt[b]), yt[b])
            loss.backward()
            opt.step()
        print(f"{name}: epoch {epoch + 1}: test accuracy {accuracy(model, xv, yv):.2f} % ({time.time() - start:.0f} s)", flush=True)
    model.eval()
    path = os.path.join(out_dir, f"{name}.onnx")
    torch.onnx.export(model, xv[:1], path, opset_version=13, input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    print(f"{path}: {os.path.getsize(path)} bytes, test accuracy {accuracy(model, xv, yv):.2f} %", flush=True)


def main():
    out_dir = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/maxpool"
    which = sys.argv[2] if len(sys.argv) > 2 else "all"
    torch.set_num_threads(1)
    os.makedirs(out_dir, exist_ok=True)
    if which in ("mnist", "all"):
        torch.manual_seed(1)
        train("lenet-maxpool", LeNetMaxPool(), mnist, out_dir)
    if which in ("cifar10", "all"):
        torch.manual_seed(1)
        train("cifar-maxpool3", CifarMaxPool3(), cifar10, out_dir)


if __name__ == "__main__":
    main()
