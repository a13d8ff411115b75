#!/usr/bin/env python3
"""SnnConvert against SpikingJelly's ann2snn on the same weights (issue 18, peer acceptance). Run through
bench/peer_spikingjelly.sh, which says how to get SpikingJelly's source; the steps are:

  train OUT         the seed network (conv 1->12 5x5, ReLU, dropout 0.5, avgpool 2, conv 12->64 5x5, ReLU, dropout
                    0.5, avgpool 2, flatten, dense 1024->10; no biases) in PyTorch on MNIST: Adam 1e-3, batch 50,
                    EPOCHS epochs, seeded. Writes OUT/seed.pt and OUT/seed.onnx (opset 13) and OUT/cnn.json; reuses them when OUT has them.
  spikingjelly OUT  SpikingJelly's ann2snn Converter, modes 'max' and '99.9%', on the PyTorch weights; calibration
                    on a seeded random subset of CALIB training images (batches of 100, its default momentum 0.1,
                    as its cnn_mnist example); the SNN on all 10,000 test images, output accumulated over T (its
                    example's val()). Writes OUT/spikingjelly.json.
  snnconvert OUT    `snnconvert convert --onnx OUT/seed.onnx` with each method and option the CLI offers (read from
                    `convert --help`, so the options other branches add are measured once merged), calibration on
                    CALIB training images (SnnConvert's own seeded subset), then `simulate --json` on the 10,000
                    test images. Writes OUT/snnconvert.json.
  table OUT         one Markdown table: T x configuration, plus the CNN accuracy in PyTorch and in SnnConvert.

Environment: DATA (folder with the MNIST IDX .gz files), SPIKINGJELLY (the folder holding the `spikingjelly`
package), SNNCONVERT (the CLI), EPOCHS (2), CALIB (10000), TIMESTEPS (2,4,8,16,32), SEED (1), THREADS (1),
SJ_MODES (max,99.9%).
Calibration never touches the test split.
"""
import json
import os
import re
import subprocess
import sys
import time
import types

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tools"))
from fixture_data import idx  # noqa: E402  (the one IDX reader of the Python tools)

TIMESTEPS = [int(t) for t in os.environ.get("TIMESTEPS", "2,4,8,16,32").split(",")]
CALIB = int(os.environ.get("CALIB", "10000"))
SEED = int(os.environ.get("SEED", "1"))


def load(split):
    import torch
    folder = os.environ["DATA"]
    images = idx(os.path.join(folder, f"{split}-images-idx3-ubyte.gz")).astype(np.float32) / 255.0
    labels = idx(os.path.join(folder, f"{split}-labels-idx1-ubyte.gz")).astype(np.int64)
    return torch.from_numpy(images).unsqueeze(1), torch.from_numpy(labels)


def seed_network():
    import torch.nn as nn
    # ReLUs are modules: SpikingJelly's Converter finds them by module type.
    return nn.Sequential(
        nn.Conv2d(1, 12, 5, bias=False), nn.ReLU(), nn.Dropout(0.5), nn.AvgPool2d(2),
        nn.Conv2d(12, 64, 5, bias=False), nn.ReLU(), nn.Dropout(0.5), nn.AvgPool2d(2),
        nn.Flatten(), nn.Linear(1024, 10, bias=False))


def cnn_accuracy(model, images, labels):
    import torch
    model.eval()
    with torch.no_grad():
        correct = sum((model(images[i:i + 1000]).argmax(1) == labels[i:i + 1000]).sum().item()
                      for i in range(0, len(images), 1000))
    return 100.0 * correct / len(images)


def train(out):
    import torch
    if all(os.path.exists(os.path.join(out, f)) for f in ["seed.pt", "seed.onnx", "cnn.json"]):
        print(f"reusing the network trained before in {out}", flush=True)   # rerun both tools on the same weights
        return
    import torch.nn.functional as F
    torch.manual_seed(SEED)
    train_x, train_y = load("train")
    test_x, test_y = load("t10k")
    model = seed_network()
    optimiser = torch.optim.Adam(model.parameters(), lr=1e-3)
    generator = torch.Generator().manual_seed(SEED)
    for epoch in range(int(os.environ.get("EPOCHS", "2"))):
        model.train()
        order = torch.randperm(len(train_x), generator=generator)
        for i in range(0, len(order), 50):
            batch = order[i:i + 50]
            loss = F.cross_entropy(model(train_x[batch]), train_y[batch])
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        print(f"epoch {epoch + 1}: CNN test accuracy {cnn_accuracy(model, test_x, test_y):.2f} %", flush=True)
    model.eval()
    torch.save(model.state_dict(), os.path.join(out, "seed.pt"))
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), os.path.join(out, "seed.onnx"), opset_version=13,
                      input_names=["input"], output_names=["logits"])
    with open(os.path.join(out, "cnn.json"), "w") as f:
        json.dump({"pytorch_cnn_accuracy": cnn_accuracy(model, test_x, test_y), "torch": torch.__version__}, f)


def calibration_indices(count, total):
    """A seeded random subset of the training split (never the test split)."""
    return np.random.default_rng(SEED).permutation(total)[:count]


def spikingjelly(out):
    import torch
    sys.path.insert(0, os.environ["SPIKINGJELLY"])
    # ann2snn imports tqdm only for progress bars; Debian's Python lacks it.
    if "tqdm" not in sys.modules:
        try:
            import tqdm  # noqa: F401
        except ImportError:
            stub = types.ModuleType("tqdm")
            stub.tqdm = lambda iterable, *args, **kwargs: iterable
            sys.modules["tqdm"] = stub
    from spikingjelly.activation_based import ann2snn
    train_x, train_y = load("train")
    test_x, test_y = load("t10k")
    pick = torch.from_numpy(calibration_indices(CALIB, len(train_x)))
    calib = [(train_x[pick[i:i + 100]], train_y[pick[i:i + 100]]) for i in range(0, len(pick), 100)]
    results = {}
    for mode in os.environ.get("SJ_MODES", "max,99.9%").split(","):
        model = seed_network()
        model.load_state_dict(torch.load(os.path.join(out, "seed.pt")))
        model.eval()
        torch.manual_seed(SEED)
        started = time.time()
        snn = ann2snn.Converter(mode=mode, dataloader=calib, device="cpu")(model)
        converted = time.time()
        snn.eval()
        steps = max(TIMESTEPS)
        correct = np.zeros(steps)
        with torch.no_grad():
            for i in range(0, len(test_x), 100):
                images, labels = test_x[i:i + 100], test_y[i:i + 100]
                for m in snn.modules():
                    if hasattr(m, "reset"):
                        m.reset()
                total = None
                for t in range(steps):
                    step = snn(images)
                    total = step if total is None else total + step
                    correct[t] += (total.argmax(1) == labels).sum().item()
        accuracy = {str(t): 100.0 * correct[t - 1] / len(test_x) for t in TIMESTEPS}
        results[mode] = {"accuracy": accuracy, "convert_s": converted - started, "simulate_s": time.time() - converted}
        print(f"SpikingJelly {mode}: " + ", ".join(f"T={t} {a:.2f}" for t, a in accuracy.items()), flush=True)
    with open(os.path.join(out, "spikingjelly.json"), "w") as f:
        json.dump({"calibration_images": CALIB, "modes": results}, f, indent=1)


def cli(*args):
    command = os.environ["SNNCONVERT"].split() + [str(a) for a in args]
    return subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True).stdout


def configurations(convert_help):
    """(name, convert flags, per_T): every method and option today's CLI offers, plus those other branches add once
    they are merged (detected from `convert --help`). per_T: converted once for each T with --target-T/--low-latency.
    The low-latency candidates come first, so that a run cut short has measured the ones that decide the comparison."""
    has = lambda flag: re.search(r"(^|\s)" + re.escape(flag) + r"[\s,<]", convert_help) is not None
    rescale = ["--rescale-inputs"] if has("--rescale-inputs") and not has("--as-written") else []
    configs = []
    if has("--low-latency"):
        configs.append(("--low-latency T", [], True))
        if has("--readout-delay"):   # delayed evaluation, the output layer's wait chosen for T on the training images
            configs.append(("--low-latency T --readout-delay auto", ["--readout-delay", "auto"], True))
    if has("--target-T"):
        for method in ["max-current", "percentile"]:
            if has("--calibrate"):
                configs.append((f"{method} --target-T T --calibrate bias,membrane",
                                ["--method", method, "--calibrate", "bias,membrane"] + (rescale if method == "max-current" else []), True))
            configs.append((f"{method} --target-T T", ["--method", method] + (rescale if method == "max-current" else []), True))
    configs.append(("percentile", ["--method", "percentile"], False))
    if has("--initial-membrane"):
        configs.append(("percentile --initial-membrane half", ["--method", "percentile", "--initial-membrane", "half"],
                        False))
    configs.append(("max-current --percentile 99.9" + (" --rescale-inputs" if rescale else ""),
                    ["--method", "max-current", "--percentile", "99.9"] + rescale, False))
    if has("--initial-membrane"):
        configs.append(("max-current --percentile 99.9" + (" --rescale-inputs" if rescale else "") + " --initial-membrane half",
                        ["--method", "max-current", "--percentile", "99.9", "--initial-membrane", "half"] + rescale,
                        False))
    if has("--as-written"):
        configs.append(("max-current (rescaled, default)", ["--method", "max-current"], False))
        configs.append(("max-current --as-written", ["--method", "max-current", "--as-written"], False))
    else:
        configs.append(("max-current (as written)", ["--method", "max-current"], False))
        if rescale:
            configs.append(("max-current --rescale-inputs", ["--method", "max-current"] + rescale, False))
    for method in ["channel-max-activation", "max-activation", "spike-norm"]:
        configs.append((method, ["--method", method], False))
    if "PEER_CONFIGS" in os.environ:   # e.g. PEER_CONFIGS="percentile,spike-norm" for a quick run
        wanted = [w.strip() for w in os.environ["PEER_CONFIGS"].split(",")]
        configs = [c for c in configs if c[0] in wanted]
    return configs


def accuracies(document):
    """T -> SNN accuracy (%) and the CNN accuracy (%) from `simulate --json` ({snn, method, report: {cnnAccuracy, rows})."""
    report = document["report"]
    return {str(row["T"]): row["accuracy"] for row in report["rows"]}, report.get("cnnAccuracy")


def snnconvert(out):
    onnx = os.path.join(out, "seed.onnx")
    data = ["--dataset", "mnist", "--data-dir", os.path.dirname(os.path.abspath(os.environ["DATA"]))]
    convert_help = cli("convert", "--help")
    results, cnn = {}, None
    for name, flags, per_t in configurations(convert_help):
        started = time.time()
        by_t = {}
        for t in (TIMESTEPS if per_t else [None]):
            extra = [] if t is None else (["--low-latency", t] if name.startswith("--low-latency") else ["--target-T", t])
            snn = os.path.join(out, re.sub(r"[^a-zA-Z0-9]+", "_", name).strip("_") + (f"_T{t}" if t else "") + ".snn")
            report = os.path.join(out, os.path.basename(snn)[:-4] + ".json")
            cli("convert", "--onnx", onnx, *data, "--calib-samples", CALIB, "--seed", SEED, *flags, *extra,
                "--out", snn)
            cli("simulate", "--snn", snn, "--onnx", onnx, *data, "--seed", SEED, "--json", report,
                "--timesteps", ",".join(map(str, TIMESTEPS if t is None else [t])))
            with open(report) as f:
                got, c = accuracies(json.load(f))
            by_t.update(got)
            cnn = c if c is not None else cnn
        results[name] = {"accuracy": by_t, "seconds": time.time() - started}
        print(f"SnnConvert {name}: " + ", ".join(f"T={t} {a:.2f}" for t, a in by_t.items()), flush=True)
        # Written after every configuration, so that `table` shows what a run cut short has measured.
        with open(os.path.join(out, "snnconvert.json"), "w") as f:
            json.dump({"calibration_images": CALIB, "cnn_accuracy": cnn, "configurations": results}, f, indent=1)


def table(out):
    read = lambda name: json.load(open(os.path.join(out, name)))
    cnn, sj, sc = read("cnn.json"), read("spikingjelly.json"), read("snnconvert.json")
    columns = [(f"SpikingJelly `{m}`", r["accuracy"]) for m, r in sj["modes"].items()]
    columns += [(f"SnnConvert {n}", r["accuracy"]) for n, r in sc["configurations"].items()]
    print(f"CNN test accuracy: PyTorch {cnn['pytorch_cnn_accuracy']:.2f} %, SnnConvert (ONNX import) "
          f"{sc['cnn_accuracy']:.2f} %; calibration: {sj['calibration_images']} (SpikingJelly) / "
          f"{sc['calibration_images']} (SnnConvert) training images; all 10,000 test images.\n")
    print("| configuration | " + " | ".join(f"T = {t}" for t in TIMESTEPS) + " |")
    print("|---|" + "---|" * len(TIMESTEPS))
    best_sj = {str(t): max(a[str(t)] for n, a in columns if n.startswith("SpikingJelly")) for t in TIMESTEPS}
    best_sc = {str(t): max(a[str(t)] for n, a in columns if n.startswith("SnnConvert")) for t in TIMESTEPS}
    for name, acc in columns:
        best = best_sj if name.startswith("SpikingJelly") else best_sc
        cells = [(f"**{acc[str(t)]:.2f}**" if acc[str(t)] == best[str(t)] else f"{acc[str(t)]:.2f}") for t in TIMESTEPS]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print("| **SnnConvert best - SpikingJelly best** | " +
          " | ".join(f"{best_sc[str(t)] - best_sj[str(t)]:+.2f}" for t in TIMESTEPS) + " |")


if __name__ == "__main__":
    step, out = sys.argv[1], sys.argv[2]
    import torch
    torch.set_num_threads(int(os.environ.get("THREADS", "1")))
    {"train": train, "spikingjelly": spikingjelly, "snnconvert": snnconvert, "table": table}[step](out)
