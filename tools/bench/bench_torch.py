"""PyTorch side of the model benchmark: same models, same batches, one thread.

Prints one JSON object per line like bench/bench_models.cpp. Run through compare.py, which
starts it as `env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench_torch.py`.
"""

import argparse
import json
import os
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
import charsim_models as cm  # noqa: E402
from safetensors_io import load_safetensors  # noqa: E402


def make_call(name, weights_dir, batch):
    cls = cm.MODELS["actor" if name == "actor_eigen" else name]
    model = cls().eval()
    path = os.path.join(weights_dir, ("actor" if name == "actor_eigen" else name) +
                        ".weights.safetensors")
    model.load_state_dict({k: v.float() for k, v in load_safetensors(path).items()})
    inputs = {k: torch.full_like(v, 0.25) for k, v in
              cm.example_inputs(name if name != "actor_eigen" else "actor", batch,
                                torch.Generator().manual_seed(0)).items()}
    if name == "style_vae":
        return lambda: model(inputs["window"])
    if name == "transition_net":
        return lambda: model(inputs["source"], inputs["target"], inputs["style"])
    if name == "deep_phase":
        return lambda: model(inputs["features"])
    return lambda: model(inputs["state"])


def time_calls(call, seconds):
    call()
    times = []
    start = time.perf_counter()
    while len(times) < 5 or (time.perf_counter() - start < seconds and len(times) < 20000):
        t0 = time.perf_counter()
        call()
        times.append(time.perf_counter() - t0)
    mean = sum(times) / len(times)
    times.sort()
    return times[len(times) // 2], mean


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--weights", required=True)
    parser.add_argument("--batches", default="1,64,4096")
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--models", default="deep_phase,style_vae,transition_net,actor,critic")
    args = parser.parse_args()
    torch.set_num_threads(1)
    torch.set_num_interop_threads(1)
    print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads()}),
          flush=True)
    with torch.inference_mode():
        for name in args.models.split(","):
            for batch in (int(b) for b in args.batches.split(",")):
                median, mean = time_calls(make_call(name, args.weights, batch), args.seconds)
                print(json.dumps({"model": name, "batch": batch, "median_us": median * 1e6,
                                  "samples_per_s": batch / mean}), flush=True)


if __name__ == "__main__":
    main()
