#!/usr/bin/env python3
"""Run a NIR file (HDF5) on images with NIR's semantics, independently of SnnConvert, and print the class per image.

Usage: python3 tools/nir_simulate.py FILE.nir IMAGES.h5 --steps T [--batch B]
  IMAGES.h5 holds "pixels", uint8 (N, C, H, W), fed as pixels * (1/255) in float32 (what SnnConvert's direct input
  feeds), or "images", float32 (N, ...). Prints one predicted class per line.
Exit code 0 on success, 1 when the graph uses something this reader does not implement (named on stderr), 2 on
usage errors. Needs h5py and numpy (Debian: apt-get install python3-h5py).

What it implements is the NIR specification (https://neuroir.org), read from the primitives' definitions, not from
SnnConvert's code; metadata is ignored, as NIR says a backend must:
- one time step is dt = 1; every step the Input node emits the image (direct input);
- Conv2d: cross-correlation with zero padding, plus bias; Affine: W x + b; Linear: W x; Scale: x * s;
  SumPool2d: window sums; AvgPool2d: window means; Flatten: start_dim..end_dim of the per-sample shape (NIR's
  shapes have no batch axis);
- IF: v += r * I (forward Euler, dt = 1), spike z = 1 where v > v_threshold, then v = v_reset there;
  I: v += r * I, output v;
- the result: when the node feeding the Output is an integrator (I), its state after T steps; otherwise the sum of
  that node's output over the T steps (a current: a membrane readout; spikes: spike counts). The class is the
  first arg-max.
Nodes are evaluated in topological order within a step; several incoming edges are summed. Recurrent edges, nested
graphs and leaky neurons are refused.
"""
import argparse
import sys

import h5py
import numpy as np

F32 = np.float32


class Unsupported(Exception):
    pass


def text(value):
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def pair(value, name, node):
    a = np.asarray(value).reshape(-1)
    if a.dtype.kind in "SO":
        raise Unsupported(f"node {node}: {name} {text(a[0])!r} is not supported (give integers)")
    if a.size == 1:
        return int(a[0]), int(a[0])
    if a.size == 2:
        return int(a[0]), int(a[1])
    raise Unsupported(f"node {node}: {name} has {a.size} values, expected 1 or 2")


def windows(x, kh, kw, sh, sw, dh=1, dw=1):
    """(N, C, H, W) -> (N, C, Ho, Wo, kh, kw) view of the sliding windows."""
    n, c, h, w = x.shape
    ho, wo = (h - dh * (kh - 1) - 1) // sh + 1, (w - dw * (kw - 1) - 1) // sw + 1
    s = x.strides
    return np.lib.stride_tricks.as_strided(x, (n, c, ho, wo, kh, kw), (s[0], s[1], s[2] * sh, s[3] * sw, s[2] * dh, s[3] * dw), writeable=False)


def conv2d(x, p, name):
    weight = p["weight"]
    o, cg, kh, kw = weight.shape
    sh, sw = pair(p["stride"], "stride", name)
    ph, pw = pair(p["padding"], "padding", name)
    dh, dw = pair(p.get("dilation", 1), "dilation", name)
    groups = int(np.asarray(p.get("groups", 1)).reshape(-1)[0])
    x = np.ascontiguousarray(np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))))
    outs = []
    for g in range(groups):
        xs = np.ascontiguousarray(x[:, g * cg:(g + 1) * cg])
        win = windows(xs, kh, kw, sh, sw, dh, dw)
        n, _, ho, wo, _, _ = win.shape
        cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, cg * kh * kw)
        wg = weight[g * (o // groups):(g + 1) * (o // groups)].reshape(o // groups, -1)
        outs.append((cols @ wg.T).reshape(n, ho, wo, o // groups).transpose(0, 3, 1, 2))
    y = np.concatenate(outs, axis=1)
    if "bias" in p:
        y = y + p["bias"].reshape(1, -1, 1, 1)
    return np.ascontiguousarray(y, dtype=F32)


def pool2d(x, p, name, mean):
    kh, kw = pair(p["kernel_size"], "kernel_size", name)
    sh, sw = pair(p.get("stride", p["kernel_size"]), "stride", name)
    ph, pw = pair(p.get("padding", 0), "padding", name)
    x = np.ascontiguousarray(np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw))))
    y = windows(x, kh, kw, sh, sw).sum(axis=(4, 5), dtype=F32)
    return (y * F32(1.0 / (kh * kw))).astype(F32) if mean else y


def flatten(x, p):
    per_sample = x.shape[1:]
    rank = len(per_sample)
    start, end = int(p["start_dim"]), int(p["end_dim"])
    start, end = (start + rank if start < 0 else start), (end + rank if end < 0 else end)
    shape = per_sample[:start] + (int(np.prod(per_sample[start:end + 1])),) + per_sample[end + 1:]
    return x.reshape((x.shape[0],) + shape)


class Graph:
    def __init__(self, path):
        with h5py.File(path, "r") as f:
            graph = f["node"]
            self.nodes = {}
            for name, group in graph["nodes"].items():
                kind = text(group["type"][()])
                fields = {k: v[()] for k, v in group.items() if isinstance(v, h5py.Dataset) and k != "type"}
                for k, v in fields.items():
                    if isinstance(v, np.ndarray) and v.dtype.kind == "f":
                        fields[k] = v.astype(F32)
                self.nodes[name] = (kind, fields)
            self.edges = [(text(a), text(b)) for a, b in graph["edges"][()]]
        kinds = {k for k, _ in self.nodes.values()}
        for name, (kind, _) in self.nodes.items():
            if kind not in ("Input", "Output", "Conv2d", "Affine", "Linear", "Scale", "SumPool2d", "AvgPool2d", "Flatten", "IF", "I"):
                raise Unsupported(f"node {name}: type {kind} is not implemented by this reader")
        if sum(1 for k, _ in self.nodes.values() if k == "Input") != 1 or sum(1 for k, _ in self.nodes.values() if k == "Output") != 1:
            raise Unsupported(f"expected one Input and one Output node, found types {sorted(kinds)}")
        self.order = self.topological()
        self.output = next(n for n, (k, _) in self.nodes.items() if k == "Output")
        self.last = [a for a, b in self.edges if b == self.output]
        if len(self.last) != 1:
            raise Unsupported(f"the Output node {self.output} has {len(self.last)} incoming edges, expected 1")

    def topological(self):
        incoming = {n: 0 for n in self.nodes}
        for _, b in self.edges:
            incoming[b] += 1
        ready = [n for n, c in incoming.items() if c == 0]
        order = []
        while ready:
            n = ready.pop()
            order.append(n)
            for a, b in self.edges:
                if a == n:
                    incoming[b] -= 1
                    if incoming[b] == 0:
                        ready.append(b)
        if len(order) != len(self.nodes):
            raise Unsupported("the graph has a cycle (recurrent edges are not implemented by this reader)")
        return order

    def run(self, images, steps):
        """images: float32 (N, ...). Returns the result per image (N, K): see the module docstring."""
        state = {}
        total = None
        last = self.last[0]
        integrator_last = self.nodes[last][0] == "I"
        for _ in range(steps):
            out = {}
            for name in self.order:
                kind, p = self.nodes[name]
                sources = [out[a] for a, b in self.edges if b == name]
                x = images if kind == "Input" else sum(sources[1:], sources[0]) if sources else None
                if kind in ("Input", "Output"):
                    y = x
                elif kind == "Conv2d":
                    y = conv2d(x, p, name)
                elif kind == "Affine":
                    y = (x @ p["weight"].T + p["bias"]).astype(F32)
                elif kind == "Linear":
                    y = (x @ p["weight"].T).astype(F32)
                elif kind == "Scale":
                    y = (x * p["scale"]).astype(F32)
                elif kind == "SumPool2d":
                    y = pool2d(x, p, name, mean=False)
                elif kind == "AvgPool2d":
                    y = pool2d(x, p, name, mean=True)
                elif kind == "Flatten":
                    y = flatten(x, p)
                elif kind == "IF":
                    v = state.get(name, np.zeros_like(x, dtype=F32))
                    v = (v + p["r"] * x).astype(F32)
                    spikes = v > p["v_threshold"]
                    v = np.where(spikes, np.broadcast_to(p.get("v_reset", F32(0)), v.shape), v).astype(F32)
                    state[name] = v
                    y = spikes.astype(F32)
                elif kind == "I":
                    v = (state.get(name, np.zeros_like(x, dtype=F32)) + p["r"] * x).astype(F32)
                    state[name] = v
                    y = v
                out[name] = y
            y = out[last]
            if integrator_last:
                total = y
            else:
                total = y.copy() if total is None else (total + y).astype(F32)
        return total.reshape(total.shape[0], -1)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("nir")
    parser.add_argument("images")
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--batch", type=int, default=100)
    args = parser.parse_args(argv[1:])
    if args.steps < 1 or args.batch < 1:
        print("--steps and --batch must be at least 1", file=sys.stderr)
        return 2
    with h5py.File(args.images, "r") as f:
        if "pixels" in f:
            images = f["pixels"][()].astype(F32) * (F32(1) / F32(255))
        elif "images" in f:
            images = f["images"][()].astype(F32)
        else:
            print(f"{args.images}: no dataset 'pixels' or 'images'", file=sys.stderr)
            return 2
    try:
        graph = Graph(args.nir)
        predictions = []
        for start in range(0, images.shape[0], args.batch):
            result = graph.run(np.ascontiguousarray(images[start:start + args.batch]), args.steps)
            predictions.extend(int(k) for k in result.argmax(axis=1))
    except Unsupported as e:
        print(f"{args.nir}: {e}", file=sys.stderr)
        return 1
    sys.stdout.write("".join(f"{k}\n" for k in predictions))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
