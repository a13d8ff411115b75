#!/usr/bin/env python3
"""List a NIR file (HDF5) with h5py: version, nodes with their datasets (dtype, shape) and metadata, the edges,
and a check that each node has the fields the NIR reference serializer writes for its type.

Usage: python3 tools/list_nir.py FILE.nir    (Debian: apt-get install python3-h5py)
Exit code 0 when the layout is complete, 1 when something is missing, 2 on usage errors.
Independent of SnnConvert's own reader: the tests use it to check the files we write.
"""
import sys

import h5py

# Fields nir.read needs for each primitive (NIR 1.0 reference serializer); optional ones are not listed.
REQUIRED = {
    "Input": ["shape"],
    "Output": ["shape"],
    "Affine": ["weight", "bias"],
    "Linear": ["weight"],
    "Scale": ["scale"],
    "Conv1d": ["weight", "stride", "padding", "dilation", "groups", "bias"],
    "Conv2d": ["weight", "stride", "padding", "dilation", "groups", "bias"],
    "SumPool2d": ["kernel_size", "stride", "padding"],
    "AvgPool2d": ["kernel_size", "stride", "padding"],
    "Flatten": ["start_dim", "end_dim"],
    "I": ["r"],
    "IF": ["r", "v_threshold"],
    "LI": ["tau", "r", "v_leak"],
    "LIF": ["tau", "r", "v_leak", "v_threshold"],
    "CubaLI": ["tau_syn", "tau_mem", "r", "v_leak"],
    "CubaLIF": ["tau_syn", "tau_mem", "r", "v_leak", "v_threshold"],
    "Delay": ["delay"],
    "Threshold": ["threshold"],
}


def text(value):
    return value.decode("utf8") if isinstance(value, bytes) else str(value)


def describe(dataset):
    if h5py.check_string_dtype(dataset.dtype) is not None or dataset.dtype.kind in "SO":
        value = dataset[()]
        if dataset.shape == ():
            return "string " + repr(text(value))
        return f"string {dataset.shape}"
    if dataset.shape == ():
        return f"{dataset.dtype} scalar {dataset[()]}"
    return f"{dataset.dtype} {dataset.shape}"


def main(argv):
    if len(argv) != 2:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    problems = []
    with h5py.File(argv[1], "r") as f:
        print("version:", text(f["version"][()]) if "version" in f else "(missing)")
        if "version" not in f:
            problems.append("/version is missing")
        graph = f.get("node")
        if graph is None or "nodes" not in graph or "edges" not in graph:
            print("layout: /node with nodes and edges is missing")
            return 1
        if text(graph["type"][()]) != "NIRGraph":
            problems.append("/node/type is not NIRGraph")
        for key in sorted(graph.get("metadata", {})):
            print(f"graph metadata {key}: {describe(graph['metadata'][key])}")
        for name, node in graph["nodes"].items():
            kind = text(node["type"][()]) if "type" in node else "(no type)"
            print(f"{name}: {kind}")
            for key, item in node.items():
                if key == "type":
                    continue
                if isinstance(item, h5py.Group):
                    for sub, value in item.items():
                        if isinstance(value, h5py.Dataset):
                            print(f"  {key}/{sub} {describe(value)}")
                else:
                    print(f"  {key} {describe(item)}")
            if kind not in REQUIRED:
                problems.append(f"node {name}: unknown type {kind}")
                continue
            for field in REQUIRED[kind]:
                if field not in node:
                    problems.append(f"node {name} ({kind}): field {field} is missing")
        edges = [(text(a), text(b)) for a, b in graph["edges"][()]]
        following = dict(edges)
        targets = {b for _, b in edges}
        starts = [a for a, _ in edges if a not in targets]
        if len(starts) == 1 and len(following) == len(edges):
            chain = [starts[0]]
            while chain[-1] in following and len(chain) <= len(edges):
                chain.append(following[chain[-1]])
            print("edges: " + " -> ".join(chain))
        else:
            print("edges: " + ", ".join(f"{a} -> {b}" for a, b in edges))
        for a, b in edges:
            for end in (a, b):
                if end not in graph["nodes"]:
                    problems.append(f"edge {a} -> {b}: no node {end}")
    for problem in problems:
        print("problem:", problem)
    print("layout: ok" if not problems else f"layout: {len(problems)} problem(s)")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
