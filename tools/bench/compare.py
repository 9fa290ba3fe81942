"""Times charsim's C++ models and their PyTorch definitions side by side, one thread each.

    /usr/bin/python3 tools/bench/compare.py --bench build/nn/bench/bench_models

Runs the C++ benchmark (bench/bench_models.cpp) and then PyTorch (bench_torch.py) on the same
machine in the same run, PyTorch as `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE
/usr/bin/python3` so OpenBLAS picks its kernel for this CPU (libopenblas0 must be installed;
Debian's torch otherwise falls back to the reference BLAS). Prints one table per model:
batch-1 latency (median) and throughput at each batch, with the ratio ours / PyTorch
(latency: lower is better; throughput: higher is better). The machine's speed wanders, so the
whole alternation runs --repeat times and the table gives medians (the ratio is the median of
the per-round ratios). "weights read once" is the floor under any batch-1 latency here: the
time to stream the model's float32 weights from the caches that repeated calls keep them in.
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
    measured = {(r["model"], r["batch"]): r for r in rows if "batch" in r}
    floors = {r["model"]: r for r in rows if "weights_read_us" in r}
    return info, measured, floors


def median(values):
    ordered = sorted(values)
    mid = len(ordered) // 2
    return ordered[mid] if len(ordered) % 2 else 0.5 * (ordered[mid - 1] + ordered[mid])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bench", required=True, help="path of the bench_models executable")
    parser.add_argument("--weights", default=os.path.join(ROOT, "tests", "data", "models"))
    parser.add_argument("--batches", default="1,64,4096")
    parser.add_argument("--seconds", default="1.0", help="time budget per model and batch")
    parser.add_argument("--repeat", type=int, default=3,
                        help="rounds of ours-then-PyTorch; the table gives medians over them")
    args = parser.parse_args()
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    common = ["--weights", args.weights, "--batches", args.batches, "--seconds", args.seconds]
    batches = [int(b) for b in args.batches.split(",")]
    # Per (model, batch): our value, PyTorch's and their ratio, one entry per round. Model by
    # model, ours then PyTorch, so both see the machine in the same state.
    ours, theirs, ratios, floors = {}, {}, {}, {}
    ours_info, torch_info = [], []
    for _ in range(args.repeat):
        for model in MODELS:
            extra = ["actor", "policy_actor"] if model == "actor" else [model]
            ours_info, mine, floor = run([args.bench, *common, "--models", ",".join(extra)])
            torch_info, reference, _ = run(
                ["env", "-u", "OPENBLAS_CORETYPE", "-u", "OPENBLAS_L2_SIZE", "/usr/bin/python3",
                 os.path.join(HERE, "bench_torch.py"), *common, "--models", model])
            for name, row in floor.items():
                floors.setdefault(name, []).append(row["weights_read_us"])
            for (name, b), row in mine.items():
                ref = reference.get((model, b))
                if ref is None:
                    continue
                key = "latency" if b == 1 else "throughput"
                value = row["median_us"] if b == 1 else row["samples_per_s"]
                ref_value = ref["median_us"] if b == 1 else ref["samples_per_s"]
                ours.setdefault((name, b), []).append(value)
                theirs.setdefault((name, b), []).append(ref_value)
                ratios.setdefault((name, b), []).append(value / ref_value)
    print(f"ours: {ours_info}  PyTorch: {torch_info}  rounds: {args.repeat} (medians below)")
    for model in MODELS + ["policy_actor"]:
        title = "actor as policy::Actor (the simulation's)" if model == "policy_actor" else model
        print(f"\n{title}")
        print(f"| {'measure':<26} | {'ours':>12} | {'PyTorch':>12} | {'ratio':>7} |")
        print(f"|{'-' * 28}|{'-' * 14}|{'-' * 14}|{'-' * 9}|")
        for b in batches:
            if (model, b) not in ours:
                continue
            o, t, r = median(ours[(model, b)]), median(theirs[(model, b)]), median(
                ratios[(model, b)])
            if b == 1:
                print(f"| {'batch 1 latency [us]':<26} | {o:>12.1f} | {t:>12.1f} | {r:>7.3f} |")
            else:
                print(f"| {f'batch {b} [samples/s]':<26} | {o:>12.0f} | {t:>12.0f} | {r:>7.2f} |")
        if model in floors:
            f = median(floors[model])
            print(f"| {'weights read once [us]':<26} | {f:>12.1f} | {'':>12} | {'':>7} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
