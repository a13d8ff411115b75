#!/usr/bin/env python3
"""Writes the PyTorch-exported ONNX test fixtures of tests/fixtures/onnx/ (run once; the .onnx files are committed).

Needs only PyTorch (Debian's python3-torch; torch.onnx.export does not need the `onnx` package):
    /usr/bin/python3 tools/make_onnx_fixtures.py tests/fixtures/onnx
Weights are random from a fixed seed and batch-norm running statistics are set to non-trivial values, except for
normbn, briefly trained on synthetic colour images so that its predictions on CIFAR-10 images differ (its
conversion is tested by the SNN's agreement with it). Every model is exported in evaluation mode with a dynamic
batch axis. The tests compare SnnConvert's import of each
file with ONNX Runtime on random inputs, so the weights need not be trained.
"""
import os
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F


class LeNet(nn.Module):
    """(a) convs with bias, average pooling, nn.Flatten, Linear layers (Gemm)."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.ReLU(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.ReLU(), nn.AvgPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(256, 64), nn.ReLU(), nn.Linear(64, 10))

    def forward(self, x):
        return self.classifier(self.features(x))


class NormBnNet(nn.Module):
    """(b) (x - mean) / std as Sub/Div, conv-BN-ReLU, GlobalAveragePool, x.view(x.size(0), -1), matmul + bias."""

    def __init__(self):
        super().__init__()
        self.register_buffer("mean", torch.tensor([0.4914, 0.4822, 0.4465]).view(1, 3, 1, 1))
        self.register_buffer("std", torch.tensor([0.2470, 0.2435, 0.2616]).view(1, 3, 1, 1))
        self.conv1 = nn.Conv2d(3, 8, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(8)
        self.conv2 = nn.Conv2d(8, 16, 3, stride=2, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.weight = nn.Parameter(torch.randn(16, 10) * 0.3)
        self.bias = nn.Parameter(torch.randn(10) * 0.1)

    def forward(self, x):
        x = (x - self.mean) / self.std
        x = F.relu(self.bn1(self.conv1(x)))
        x = F.relu(self.bn2(self.conv2(x)))
        x = F.adaptive_avg_pool2d(x, 1)
        x = x.view(x.size(0), -1)
        return torch.matmul(x, self.weight) + self.bias


class MaxPoolNet(nn.Module):
    """(c) padding-2 conv, max pooling, dropout."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
            nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25),
            nn.Flatten(), nn.Linear(16 * 7 * 7, 10))

    def forward(self, x):
        return self.body(x)


class DenseBnNet(nn.Module):
    """(d) strided conv, BatchNorm1d after a Linear layer, x.reshape(-1, F)."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 12, 4, stride=2, padding=1)
        self.fc1 = nn.Linear(12 * 8 * 8, 32)
        self.bn = nn.BatchNorm1d(32)
        self.fc2 = nn.Linear(32, 10)

    def forward(self, x):
        x = F.relu(self.conv(x))
        x = x.reshape(-1, 12 * 8 * 8)
        return self.fc2(F.relu(self.bn(self.fc1(x))))


class LogSoftmaxBnNet(nn.Module):
    """(e) opset 7 (as CNTK-era and old exporters write): conv-BN-ReLU, average pooling, a final LogSoftmax."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(1, 6, 3), nn.BatchNorm2d(6), nn.ReLU(), nn.AvgPool2d(2),
            nn.Flatten(), nn.Linear(6 * 13 * 13, 10), nn.LogSoftmax(dim=1))

    def forward(self, x):
        return self.body(x)


class TwoLinearSoftmaxNet(nn.Module):
    """(f) opset 8: two Linear layers without an activation between them (a Dropout, dropped in eval mode), final Softmax."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv2d(1, 4, 5, stride=2), nn.ReLU(), nn.AvgPool2d(2))
        self.classifier = nn.Sequential(nn.Flatten(), nn.Linear(4 * 6 * 6, 32), nn.Dropout(0.5), nn.Linear(32, 10), nn.Softmax(dim=1))

    def forward(self, x):
        return self.classifier(self.features(x))


class ExternalDataNet(nn.Module):
    """(g) saved with its weights in model.onnx.data beside model.onnx, as PyTorch 2.x does for larger models."""

    def __init__(self):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(3, 8, 3, padding=1), nn.ReLU(), nn.AvgPool2d(2),
            nn.Flatten(), nn.Linear(8 * 8 * 8, 10))

    def forward(self, x):
        return self.body(x)


def save_with_external_data(path):
    """Moves every weight of the exported file into <name>.data beside it (torch 1.13 does so only above 2 GB);
    needs the `onnx` package (Debian's python3-onnx)."""
    import onnx
    model = onnx.load(path)
    onnx.save_model(model, path, save_as_external_data=True, all_tensors_to_one_file=True,
                    location=os.path.basename(path) + ".data", size_threshold=0)


def randomise_batch_norm(model, generator):
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=generator) * 0.5)
            m.running_var.copy_(torch.rand(n, generator=generator) * 2 + 0.2)
            m.weight.data.copy_(torch.rand(n, generator=generator) + 0.5)
            m.bias.data.copy_(torch.randn(n, generator=generator) * 0.2)


def train_on_colours(model, shape, generator, steps=150):
    """A short training on synthetic images (a colour plus a gradient) labelled by their dominant channel and
    brightness, so the CNN's predictions differ between real images: the conversion test needs an SNN whose
    agreement with the CNN means something. Batch-norm running statistics come from this training."""
    optimiser = torch.optim.Adam(model.parameters(), lr=3e-3)
    model.train()
    ys = torch.linspace(-1, 1, shape[1]).view(1, 1, -1, 1)
    xs = torch.linspace(-1, 1, shape[2]).view(1, 1, 1, -1)
    for _ in range(steps):
        colour = torch.rand(64, shape[0], 1, 1, generator=generator)
        slope = (torch.rand(64, shape[0], 2, 1, generator=generator) - 0.5) * 0.5
        images = (colour + slope[:, :, :1] * ys + slope[:, :, 1:] * xs).clamp(0, 1)
        brightness = colour.mean(dim=(1, 2, 3))
        labels = colour.view(64, -1).argmax(dim=1) * 3 + (brightness * 3).long().clamp(max=2)
        loss = F.cross_entropy(model(images), labels)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()


def export(model, shape, path, opset, preserve):
    model.eval()
    # EVAL folds batch norm into the preceding conv; PRESERVE (with the model in eval mode) keeps the
    # BatchNormalization nodes, with running statistics, so the importer's batch-norm mapping is exercised.
    mode = torch.onnx.TrainingMode.PRESERVE if preserve else torch.onnx.TrainingMode.EVAL
    torch.onnx.export(model, torch.randn(1, *shape), path, opset_version=opset, training=mode,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "N"}, "logits": {0: "N"}})
    print(f"{path}: opset {opset}, {os.path.getsize(path)} bytes")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fixtures/onnx"
    os.makedirs(out, exist_ok=True)
    torch.manual_seed(20240611)
    generator = torch.Generator().manual_seed(7)
    fixtures = [
        (LeNet(), (1, 28, 28), "lenet-opset11.onnx", 11, False),
        (NormBnNet(), (3, 32, 32), "normbn-opset13.onnx", 13, True),
        (MaxPoolNet(), (1, 28, 28), "maxpool-opset9.onnx", 9, True),
        # torch 1.13 exports at most opset 17 (it refuses 18).
        (DenseBnNet(), (3, 16, 16), "densebn-opset17.onnx", 17, False),
        # Issue 15's shapes: the oldest opsets, a final (Log)Softmax, two linear layers in a row, external weights.
        (LogSoftmaxBnNet(), (1, 28, 28), "logsoftmax-opset7.onnx", 7, True),
        (TwoLinearSoftmaxNet(), (1, 28, 28), "twolinear-softmax-opset8.onnx", 8, False),
        (ExternalDataNet(), (3, 16, 16), "external/model.onnx", 17, False),
    ]
    with torch.no_grad():
        for model, shape, name, opset, preserve in fixtures:
            if name.startswith("normbn"):
                with torch.enable_grad():
                    train_on_colours(model, shape, generator)
            else:
                randomise_batch_norm(model, generator)
            path = os.path.join(out, name)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            export(model, shape, path, opset, preserve)
            if name.startswith("external/"):
                save_with_external_data(path)


if __name__ == "__main__":
    main()
