"""Times charsim's C++ models and their PyTorch definitions side by side, one thread each.

    /usr/bin/python3 tools/bench/compare.py --bench build/nn/bench/bench_models

Runs the C++ benchmark (bench/bench_models.cpp) and then PyTorch (bench_torch.py) on the same
machine in the same run, PyTorch as `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
/usr/bin/python3` so OpenBLAS picks its kernel for this CPU (libopenblas0 must be installed;
Debian's torch otherwise falls back to the reference BLAS). Prints one table per model:
batch-1 latency (median) and throughput at each batch, with the ratio ours / PyTorch
(latency: lower is better; throughput: higher is better).
"""

import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = ["deep_phase", "style_vae", "transition_net", "actor", "critic"]


def run(cmd):
    out = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True).stdout
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    info = [r for r in rows if "model" not in r]
    return info, {(r["model"], r["batch"]): r for r in rows if "model" in r}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", required=True, help="path of the bench_models executable")
    parser.add_argument("--weights", default=os.path.join(ROOT, "tests", "data", "models"))
    parser.add_argument("--batches", default="1,64,4096")
    parser.add_argument("--seconds", default="1.0", help="time budget per model and batch")
    args = parser.parse_args()
    common = ["--weights", args.weights, "--batches", args.batches, "--seconds", args.seconds]
    # Model by model, ours then PyTorch, so both see the machine in the same state.
    ours, theirs, ours_info, torch_info = {}, {}, [], []
    for model in MODELS:
        extra = ["actor", "actor_eigen"] if model == "actor" else [model]
        info, rows = run([args.bench, *common, "--models", ",".join(extra)])
        ours_info, ours = info, {**ours, **rows}
        info, rows = run(["env", "-u", "OPENBLAS_CORETYPE", "-u", "OPENBLAS_L2_SIZE",
                          "/usr/bin/python3", os.path.join(HERE, "bench_torch.py"), *common,
                          "--models", model])
        torch_info, theirs = info, {**theirs, **rows}
    print(f"ours: {ours_info}  PyTorch: {torch_info}")
    batches = [int(b) for b in args.batches.split(",")]
    for model in MODELS + ["actor_eigen"]:
        ref_model = "actor" if model == "actor_eigen" else model
        title = "actor (policy::Actor, plain Eigen)" if model == "actor_eigen" else model
        print(f"\n{title}")
        print(f"| {'measure':<26} | {'ours':>12} | {'PyTorch':>12} | {'ratio':>7} |")
        print(f"|{'-' * 28}|{'-' * 14}|{'-' * 14}|{'-' * 9}|")
        for b in batches:
            o, t = ours.get((model, b)), theirs.get((ref_model, b))
            if o is None or t is None:
                continue
            if b == 1:
                print(f"| {'batch 1 latency [us]':<26} | {o['median_us']:>12.1f} | "
                      f"{t['median_us']:>12.1f} | {o['median_us'] / t['median_us']:>7.3f} |")
                continue
            print(f"| {f'batch {b} [samples/s]':<26} | {o['samples_per_s']:>12.0f} | "
                  f"{t['samples_per_s']:>12.0f} | {o['samples_per_s'] / t['samples_per_s']:>7.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
