#!/usr/bin/env python3
"""Trains the small average-pool CNN of tests/fixtures/onnx/fmnist-normalized-opset13.onnx (run once; the file is committed).

The model is trained the way most public PyTorch files are: with transforms.Normalize((0.5,), (0.5,)) applied to the
images *outside* the model, so the exported graph expects (x - 0.5) / 0.5 for pixels x in [0, 1] and has no
normalisation of its own. SnnConvert reproduces its accuracy only with `--input-mean 0.5 --input-std 0.5`.

    /usr/bin/python3 tools/train_onnx_fixture.py /usr/share/datasets/fashion-mnist tests/fixtures/onnx

Reads the IDX .gz files with numpy; 2 epochs of Adam on one CPU thread take about two minutes. Prints the PyTorch
test accuracy with the normalisation (documented in tests/fixtures/onnx/README.md) and without it (what a [0, 1]
input gives).
"""
import os
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from fixture_data import idx


def load(folder, split):
    images = idx(os.path.join(folder, f"{split}-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    labels = idx(os.path.join(folder, f"{split}-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels)


class SmallAvgPoolNet(nn.Module):
    """Conv-BN-ReLU-AvgPool twice and a linear layer (batch norm is folded into the convolutions by the eval-mode export)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 5, padding=2), nn.BatchNorm2d(8), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(8, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.AvgPool2d(2))
        self.classifier = nn.Linear(16 * 5 * 5, 10)

    def forward(self, x):
        return self.classifier(torch.flatten(self.features(x), 1))


def normalize(x):
    return (x - 0.5) / 0.5   # transforms.Normalize((0.5,), (0.5,)), outside the model


def accuracy(model, images, labels, transform):
    model.eval()
    with torch.no_grad():
        correct = sum((model(transform(images[i:i + 1000])).argmax(1) == labels[i:i + 1000]).sum().item()
                      for i in range(0, len(images), 1000))
    return 100.0 * correct / len(images)


def main():
    data, out = sys.argv[1], sys.argv[2]
    torch.set_num_threads(1)
    torch.manual_seed(20261203)
    train_x, train_y = load(data, "train")
    test_x, test_y = load(data, "t10k")
    model = SmallAvgPoolNet()
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3)
    generator = torch.Generator().manual_seed(1)
    for epoch in range(2):
        model.train()
        order = torch.randperm(len(train_x), generator=generator)
        for i in range(0, len(order), 128):
            batch = order[i:i + 128]
            loss = F.cross_entropy(model(normalize(train_x[batch])), train_y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        print(f"epoch {epoch + 1}: test accuracy {accuracy(model, test_x, test_y, normalize):.2f}%", flush=True)
    with_norm = accuracy(model, test_x, test_y, normalize)
    without = accuracy(model, test_x, test_y, lambda x: x)
    path = os.path.join(out, "fmnist-normalized-opset13.onnx")
    torch.onnx.export(model, torch.randn(1, 1, 28, 28), path, opset_version=13,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    print(f"{path}: {os.path.getsize(path)} bytes; PyTorch test accuracy {with_norm:.2f}% with Normalize((0.5,), (0.5,)), "
          f"{without:.2f}% on raw [0, 1] pixels")


if __name__ == "__main__":
    main()
