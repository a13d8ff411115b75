#!/usr/bin/env python3
"""One line naming the machine of a benchmark record, shared by bench/compare*.sh: the CPU model with its x86 family
and model numbers and vector flags (from /proc/cpuinfo, the same as `lscpu` shows), and, from SnnConvert's
`bench --json` "machine" record when given, the vector width its JIT used and the OpenBLAS build (or managed GEMM).
Usage as a script: machine_line.py [snnconvert-bench.json]"""
import json, os, platform, sys


def cpu_line():
    fields = {}
    try:
        for line in open("/proc/cpuinfo"):
            if not line.strip():
                break
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    except OSError:
        pass
    flags = set(fields.get("flags", "").split())
    vectors = "AVX-512" if "avx512f" in flags else "AVX2" if "avx2" in flags else "SSE/other"
    return (f"{fields.get('model name', platform.processor())} (family {fields.get('cpu family', '?')} model "
            f"{fields.get('model', '?')}), {os.cpu_count()} cores, CPU has {vectors}")


def describe(machine=None):
    """machine: the "machine" object of `snnconvert bench --json`, or None."""
    line = f"Machine: {cpu_line()}"
    if machine:
        line += (f"; SnnConvert used {machine['vectorBits']}-bit vectors (Vector<float> {machine['vectorFloatLanes']} lanes, "
                 f"AVX-512F {'yes' if machine['avx512F'] else 'no'}, AVX2 {'yes' if machine['avx2'] else 'no'}), "
                 f"{machine['matrixProducts']}")
    return line


if __name__ == "__main__":
    print(describe(json.load(open(sys.argv[1])).get("machine") if len(sys.argv) > 1 else None))
