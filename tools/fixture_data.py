"""Dataset reading shared by the fixture scripts in tools/ (numpy only; the scripts add torch on top).

idx(path): an IDX file (.gz), as MNIST and Fashion-MNIST ship, as a uint8 array of its dimensions.
datasets_dir(): the datasets folder, found as SnnConvert finds it: $SNNCONVERT_DATA, then a shared/datasets folder
beside the checkout.
"""
import gzip
import os
import sys

import numpy as np


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    rank = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(rank)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def datasets_dir():
    here = os.path.dirname(os.path.abspath(__file__))
    for d in [os.environ.get("SNNCONVERT_DATA"), os.path.join(here, "..", "..", "shared", "datasets"),
              os.path.join(here, "..", "..", "..", "shared", "datasets")]:
        if d and os.path.isdir(d):
            return d
    sys.exit("datasets not found; set SNNCONVERT_DATA to the folder holding mnist/ and cifar10/")
