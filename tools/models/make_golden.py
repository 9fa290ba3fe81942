"""Golden files for the C++ parity tests (tests/policy/models_test.cpp).

For each model: seeded random weights rounded to float16 (stored F16 to keep the files small;
the reference runs on the same rounded values in float32), seeded inputs and PyTorch's float32
outputs at batch 1 and 32.

    /usr/bin/python3 tools/models/make_golden.py [--out tests/data/models]

Writes <model>.weights.safetensors (the state_dict, names as in PyTorch) and
<model>.io.safetensors (tensors b<batch>.in.<name> and b<batch>.out.<name>).
"""

import argparse
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import charsim_models as cm  # noqa: E402
from safetensors_io import save_safetensors  # noqa: E402

SEED = 20240604
BATCHES = (1, 32)


def make(name, index, out_dir):
    torch.manual_seed(SEED + index)
    model = cm.MODELS[name]().eval()
    gen = torch.Generator().manual_seed(SEED + 100 + index)
    cm.randomize(model, gen)
    with torch.no_grad():
        for tensor in model.state_dict().values():
            tensor.copy_(tensor.half().float())
    weights = {k: v.half() for k, v in model.state_dict().items()}
    save_safetensors(os.path.join(out_dir, name + ".weights.safetensors"), weights,
                     {"description": f"charsim parity golden, seed {SEED + index}",
                      "model": name})
    io = {}
    worst = 0.0
    for batch in BATCHES:
        inputs = cm.example_inputs(name, batch, gen)
        outputs = cm.run(name, model, inputs)
        exact = cm.run(name, model.double(), {k: v.double() for k, v in inputs.items()})
        model.float()
        for k, v in inputs.items():
            io[f"b{batch}.in.{k}"] = v
        for k, v in outputs.items():
            io[f"b{batch}.out.{k}"] = v
            err = ((v.double() - exact[k]).abs() / exact[k].abs().clamp(min=1)).max().item()
            worst = max(worst, err)
    save_safetensors(os.path.join(out_dir, name + ".io.safetensors"), io,
                     {"description": f"charsim parity golden io, seed {SEED + index}"})
    print(f"{name}: {sum(v.numel() for v in weights.values())} weights; torch float32 vs "
          f"float64 max scaled error {worst:.2e}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--out", default=os.path.join(root, "tests", "data", "models"))
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    torch.set_num_threads(1)
    for index, name in enumerate(cm.MODELS):
        make(name, index, args.out)


if __name__ == "__main__":
    main()
