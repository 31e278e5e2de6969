"""What one training step asks of a GPU, counted on the CPU: kernels, reads back, transfers.

    python benchmarks/launches.py [--quick] [--out DIR]

At small batches a GPU step is bound by its launches, not its arithmetic: every operator is one
kernel launch (a few microseconds of host and device time whatever its size), and every read of a
value back to the host (``float(cost)``, ``int(correct)``) makes the host wait until the device
has run everything launched before it. Both can be counted without a GPU, from the operators
PyTorch dispatches on its CPU backend, which are the ones it would launch on CUDA.

For deltaprop's ``Trainer`` on PyTorch tensors and for PyTorch's own eager ``nn.Sequential``
training (foreach optimizers, as PyTorch uses on CUDA), per step of the MNIST-shaped epoch
(784-256-128-10, batch 128):

- kernels: operators that compute (views and metadata excluded);
- reads back: tensor values read on the host (``.item()``, ``float``, ``int``, to numpy);
- transfers: host arrays sent to the device (deltaprop's ``Network._on_device``);

and the host time per step of a network too small for its arithmetic to count (32-16-16-4, batch
8, one thread), which is what a launch-bound step costs the host before any launch latency.
Results go to DIR/launches.json and a table to standard output.
"""

from __future__ import annotations

import argparse
import collections
import json
import platform
import time
from pathlib import Path

import numpy as np
from gpu_check import import_torch, torch_mlp  # the same PyTorch network as the GPU check

from deltaprop.core import Network
from deltaprop.training import Adam, GradientDescent, Trainer

#: Operators that launch nothing: views, metadata, profiler markers and the read itself.
NOT_KERNELS = {"detach", "lift_fresh", "alias", "_local_scalar_dense", "scalar_tensor"}


def counting_mode(torch):
    """A dispatch mode that counts the operators run under it, by name."""
    from torch.utils._python_dispatch import TorchDispatchMode

    class Count(TorchDispatchMode):
        def __init__(self):
            super().__init__()
            self.kernels = collections.Counter()
            self.reads = 0

        def __torch_dispatch__(self, func, types, args=(), kwargs=None):
            name = func.overloadpacket.__name__
            if name == "_local_scalar_dense":
                self.reads += 1
            elif not (func.is_view or name in NOT_KERNELS or name.startswith("_record")):
                self.kernels[name] += 1
            return func(*args, **(kwargs or {}))

    return Count()


class Reads:
    """Counts tensors turned into numpy arrays and host arrays sent to deltaprop's device."""

    def __init__(self, torch):
        self.torch, self.to_host, self.to_device, self.saved = torch, 0, 0, []

    def __enter__(self):
        def wrap(owner, name, counter):
            original = getattr(owner, name)

            def counted(*args, **kwargs):
                setattr(self, counter, getattr(self, counter) + 1)
                return original(*args, **kwargs)

            self.saved.append((owner, name, original))
            setattr(owner, name, counted)

        wrap(self.torch.Tensor, "numpy", "to_host")
        wrap(self.torch.Tensor, "__array__", "to_host")
        wrap(Network, "_on_device", "to_device")
        return self

    def __exit__(self, *exc):
        for owner, name, original in reversed(self.saved):
            setattr(owner, name, original)


def data(torch, sizes, m, seed=0):
    rng = np.random.default_rng(seed)
    X_rows = rng.random((m, sizes[0]), dtype=np.float32)
    labels = rng.integers(0, sizes[-1], m)
    return torch.from_numpy(X_rows), torch.from_numpy(labels), labels


def deltaprop_run(torch, sizes, m, batch, optimizer, dropout):
    X_rows, _, labels = data(torch, sizes, m)
    net = Network(sizes, seed=0, dtype=np.float32, xp="torch", device="cpu")
    make = GradientDescent if optimizer == "sgd" else Adam
    lr = 0.01 if optimizer == "sgd" else 0.001

    def epoch():  # a fresh Trainer each time: an epoch of a run that continues from the last
        trainer = Trainer(net, make(lr), epochs=1, batch_size=batch, seed=0, dropout=dropout)
        trainer.fit(X_rows.T, labels)  # X in the notation's layout (n_x, m)

    return epoch


def torch_run(torch, sizes, m, batch, optimizer, dropout):
    X_rows, y, _ = data(torch, sizes, m)
    model = torch_mlp(torch, sizes, dropout)
    if optimizer == "sgd":
        step = torch.optim.SGD(model.parameters(), lr=0.01, foreach=True)
    else:
        step = torch.optim.Adam(model.parameters(), lr=0.001, foreach=True)
    loss_fn = torch.nn.CrossEntropyLoss()

    def epoch():
        order = torch.randperm(m)
        for first in range(0, m, batch):
            index = order[first : first + batch]
            step.zero_grad(set_to_none=True)
            loss_fn(model(X_rows[index]), y[index]).backward()
            step.step()

    return epoch


def count(torch, make_run, sizes, m, batch, optimizer, dropout) -> dict:
    """Per-step counts of one epoch (after a first epoch that sets everything up)."""
    run = make_run(torch, sizes, m, batch, optimizer, dropout)
    run()
    mode = counting_mode(torch)
    with Reads(torch) as reads, mode:
        run()
    steps = -(-m // batch)
    return {
        "kernels": sum(mode.kernels.values()) / steps,
        "reads_back": (mode.reads + reads.to_host) / steps,
        "transfers": reads.to_device / steps,
        "by_operator": {k: v / steps for k, v in mode.kernels.most_common()},
    }


def host_time(torch, make_run, repeats: int) -> float:
    """Microseconds per step of a 32-16-16-4 network at batch 8: the host's own cost per step."""
    sizes, m, batch = (32, 16, 16, 4), 4096, 8
    run = make_run(torch, sizes, m, batch, "sgd", 0.0)
    run()
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best / (m // batch) * 1e6


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer examples and repeats")
    parser.add_argument("--out", default=".", help="folder for launches.json")
    args = parser.parse_args(argv)
    torch = import_torch("launches")
    if torch is None:
        return 2
    torch.set_num_threads(1)
    sizes, batch = (784, 256, 128, 10), 128
    m = 1024 if args.quick else 8192
    runs = {"deltaprop": deltaprop_run, "torch": torch_run}
    cases = [("sgd", 0.0), ("adam", 0.0), ("sgd", 0.2)]
    result = {
        "machine": platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "network": "-".join(map(str, sizes)),
        "batch": batch,
        "steps": [
            {
                "optimizer": optimizer,
                "dropout": dropout,
                **{
                    name: count(torch, make, sizes, m, batch, optimizer, dropout)
                    for name, make in runs.items()
                },
            }
            for optimizer, dropout in cases
        ],
        "host_us_per_step": {
            name: host_time(torch, make, 1 if args.quick else 5) for name, make in runs.items()
        },
    }
    Path(args.out).mkdir(parents=True, exist_ok=True)
    out = Path(args.out) / "launches.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"per step, {result['network']} at batch {batch} (torch {result['torch']}):")
    print(f"{'case':<16} {'':<10} {'kernels':>8} {'reads back':>11} {'transfers':>10}")
    for row in result["steps"]:
        case = row["optimizer"] + (f" dropout {row['dropout']}" if row["dropout"] else "")
        for name in runs:
            counts = row[name]
            print(
                f"{case:<16} {name:<10} {counts['kernels']:>8.1f} "
                f"{counts['reads_back']:>11.2f} {counts['transfers']:>10.2f}"
            )
            case = ""
    times = result["host_us_per_step"]
    print(
        "host time per step, 32-16-16-4 at batch 8: "
        + ", ".join(f"{name} {us:.0f} us" for name, us in times.items())
    )
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
