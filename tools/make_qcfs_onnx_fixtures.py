#!/usr/bin/env python3
"""Writes the QCFS ONNX fixtures of tests/fixtures/onnx/ (run once; the .onnx files are committed).

Small CNNs with the quantisation-clip-floor-shift activation of Bu et al. 2022 (ICLR), written as the authors' code
writes it, with the threshold as an nn.Parameter and the floor as an autograd Function with a straight-through gradient
(GradFloor). Their code has two orders of the clamp and the floor:

  github.com/putshua/ANN_SNN_QCFS, Models/layer.py, module IF in ANN mode (T = 0), threshold `thresh`:
    x = x / thresh; x = clamp(x, 0, 1); x = floor(x * L + 0.5) / L; x = x * thresh
  which torch.onnx.export writes as Div, Clip, Mul, Add, Floor, Div, Mul (the order SnnConvert computes and exports);

  github.com/putshua/SNN_conversion_QCFS, modules.py, module MyFloor, threshold `up`:
    x = x / up; x = floor(x * L + 0.5) / L; x = clamp(x, 0, 1); x = x * up
  written as Div, Mul, Add, Floor, Div, Clip, Mul.

Three fixtures are of the first kind, one of the second. One threshold per layer (the paper, shape (1)) or one per
channel (our extension: (C, 1, 1) after a convolution, (F) after a dense layer). The thresholds start from activation
statistics (the 99th percentile of the layer's input) and the model is trained for a few Adam steps on synthetic
images, so they hold trained, unrounded values. Needs only PyTorch (Debian's python3-torch, torch 1.13); re-running it
writes the same bytes:

    /usr/bin/python3 tools/make_qcfs_onnx_fixtures.py tests/fixtures/onnx
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.autograd import Function


class GradFloor(Function):
    """floor with the straight-through gradient, as the authors' GradFloor."""

    @staticmethod
    def forward(ctx, x):
        return x.floor()

    @staticmethod
    def backward(ctx, grad):
        return grad


class IF(nn.Module):
    """The authors' IF in ANN mode (clamp before floor), with `thresh` per layer (shape (1)) or per channel."""

    def __init__(self, levels, shape=(1,), thresh=8.0):
        super().__init__()
        self.thresh = nn.Parameter(torch.full(shape, thresh), requires_grad=True)
        self.L = levels

    def forward(self, x):
        x = x / self.thresh
        x = torch.clamp(x, 0, 1)
        x = GradFloor.apply(x * self.L + 0.5) / self.L
        return x * self.thresh


class MyFloor(nn.Module):
    """The authors' earlier MyFloor (clamp after floor), with `up` per layer or per channel."""

    def __init__(self, levels, shape=(1,), up=8.0):
        super().__init__()
        self.up = nn.Parameter(torch.full(shape, up), requires_grad=True)
        self.t = levels

    def forward(self, x):
        x = x / self.up
        x = GradFloor.apply(x * self.t + 0.5) / self.t
        x = torch.clamp(x, 0, 1)
        return x * self.up


def threshold(module):
    return module.thresh if isinstance(module, IF) else module.up


class QcfsNet(nn.Module):
    """Conv-BN-QCFS-AvgPool twice, then Linear-QCFS-Linear, on (1, 16, 16) images."""

    def __init__(self, levels, per_channel, module):
        super().__init__()

        def act(channels, image):
            return module(levels, ((channels, 1, 1) if image else (channels,)) if per_channel else (1,))

        self.features = nn.Sequential(
            nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), act(8, True), nn.AvgPool2d(2),
            nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), act(16, True), nn.AvgPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(16 * 4 * 4, 32), act(32, False), nn.Linear(32, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


def synthetic_batch(generator, n=64):
    """Grey images of a brightness and a gradient, labelled by brightness decile."""
    level = torch.rand(n, 1, 1, 1, generator=generator)
    slope = (torch.rand(n, 1, 2, 1, generator=generator) - 0.5) * 0.5
    ys = torch.linspace(-1, 1, 16).view(1, 1, -1, 1)
    xs = torch.linspace(-1, 1, 16).view(1, 1, 1, -1)
    images = (level + slope[:, :, :1] * ys + slope[:, :, 1:] * xs).clamp(0, 1)
    return images, (level.view(-1) * 10).long().clamp(max=9)


def init_thresholds(model, generator):
    """Each threshold from the 99th percentile of its input (per channel where up is), layer by layer in order."""
    images, _ = synthetic_batch(generator, 256)
    for module in [m for m in model.modules() if isinstance(m, (IF, MyFloor))]:
        seen = {}
        handle = module.register_forward_pre_hook(lambda m, inputs: seen.setdefault("x", inputs[0]))
        model(images)
        handle.remove()
        x = seen["x"]
        if threshold(module).numel() == 1:
            value = torch.quantile(x.flatten(), 0.99)
        else:
            per_channel = x.transpose(0, 1).reshape(x.shape[1], -1)
            value = torch.quantile(per_channel, 0.99, dim=1).view(threshold(module).shape)
        threshold(module).data.copy_(value.clamp(min=0.05))


def train(model, generator, steps=60):
    optimiser = torch.optim.Adam(model.parameters(), lr=2e-3)
    model.train()
    for _ in range(steps):
        images, labels = synthetic_batch(generator)
        loss = F.cross_entropy(model(images), labels)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/onnx"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(20261203)
    generator = torch.Generator().manual_seed(19)
    fixtures = [
        # IF (clamp first), one threshold per layer as in the paper; opset 13 writes Clip's bounds as inputs.
        (4, False, IF, "qcfs-layer-opset13.onnx", 13),
        # IF with per-channel thresholds; opset 11 (bounds as inputs) and opset 9 (bounds as Clip attributes).
        (8, True, IF, "qcfs-channel-opset11.onnx", 11),
        (2, True, IF, "qcfs-channel-opset9.onnx", 9),
        # MyFloor (clamp after floor), per layer.
        (4, False, MyFloor, "qcfs-myfloor-opset13.onnx", 13),
    ]
    for levels, per_channel, module, name, opset in fixtures:
        model = QcfsNet(levels, per_channel, module)
        with torch.no_grad():
            model.eval()
            init_thresholds(model, generator)
        model.train()
        train(model, generator)
        path = os.path.join(out, name)
        # Eval mode: batch norm is folded into the convolutions; the QCFS modules stay as their seven operators.
        torch.onnx.export(model, torch.rand(1, 1, 16, 16), path, opset_version=opset, training=torch.onnx.TrainingMode.EVAL,
                          input_names=["input"], output_names=["logits"],
                          dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
        ups = [threshold(m).detach().view(-1) for m in model.modules() if isinstance(m, (IF, MyFloor))]
        print(f"{path}: {module.__name__}, opset {opset}, L = {levels}, {'per channel' if per_channel else 'per layer'}, "
              f"{os.path.getsize(path)} bytes; thresholds: " + "; ".join(", ".join(f"{v:.4f}" for v in u[:4].tolist()) + (" ..." if len(u) > 4 else "") for u in ups))


if __name__ == "__main__":
    main()
