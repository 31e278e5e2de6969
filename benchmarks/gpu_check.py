"""deltaprop on a GPU through the array API: correctness first, then speed next to PyTorch.

    python benchmarks/gpu_check.py [--device cuda] [--libraries torch cupy] [--out DIR]
    python benchmarks/gpu_check.py --device cpu --quick --libraries numpy torch   # a dry run

One script that checks and times everything in a few minutes, so that a session lent a GPU can
run it once. For each array library deltaprop computes with (PyTorch and CuPy by default; one
that is not installed is skipped, and the results say why):

1. Gradients. The same network and data on the device and in numpy float64 (the reference):
   float64 on the device must pass central finite differences (< 1e-7) and equal the reference
   to 1e-12; float32 on the device must equal the reference within float32 tolerance.
2. Speed. One epoch of an MNIST-shaped set (60,000 x 784, 784-256-128-10, plain SGD) for each
   batch size, deltaprop's ``Trainer`` on the device against PyTorch's own eager
   ``nn.Sequential`` training on the same device, float32 with TF32 off (true fp32 products),
   timed with the device synchronised; Adam (the command line's default) at batch 128; and the
   large case 784-4096-4096-10 at batch 4096, where both should reach the device's fp32 matrix
   rate. Work is counted as 6 x weights x examples.
   On CUDA each epoch also counts the times the host waits for the device (PyTorch's sync debug
   mode, which sees PyTorch's waits only).
3. CUDA graphs, the path past the launch limit: with plain SGD, deltaprop's step on PyTorch
   tensors and PyTorch's own eager step, each captured once as a CUDA graph
   (``torch.cuda.graph``) and replayed for every mini-batch, one launch a step. The graphed
   epoch must leave the weights a ``Trainer`` epoch leaves (within float32 tolerance) before
   its time means anything. The capture is not timed (once per fit), but its own waits for the
   device are among the epoch's counted waits. Only through PyTorch: CuPy refuses every cuBLAS
   call while a stream is capturing (``NotImplementedError``), so a step with matrix products
   cannot be captured there.

A run that fails (out of memory, a library's missing function) is recorded as one line and the
others go on; DIR/gpu_check.json is rewritten after every case, so a run stopped early keeps
what it measured. A table goes to standard output; the exit code is 1 if anything failed.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from deltaprop.core import Network, gradcheck
from deltaprop.core.arrays import asarray, resolve, to_numpy
from deltaprop.core.errors import InputError
from deltaprop.training import GradientDescent, Trainer, make_optimizer


def import_torch(script: str):
    """The torch module, or None after saying on stderr that PyTorch is missing."""
    try:
        import torch
    except ImportError:
        print(f"{script}: PyTorch is not installed (pip install 'deltaprop[gpu]')", file=sys.stderr)
        return None
    return torch


def synchronise(torch, device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def largest_relative_error(dW: dict, reference: dict) -> float:
    """max over l of ||dW[l] - reference[l]|| / ||reference[l]|| (dW of any array library)."""
    return max(
        float(np.linalg.norm(to_numpy(dW[l]) - reference[l]) / np.linalg.norm(reference[l]))
        for l in reference
    )


def check_gradients(library: str, device: str) -> list[dict]:
    """Gradients of deltaprop on ``library`` against numpy float64, for the seed's network and
    an MNIST-shaped one."""
    rng = np.random.default_rng(0)
    rows = []
    for sizes, m in (((3, 4, 3, 2), 5), ((784, 256, 128, 10), 64)):
        reference = Network(sizes, seed=1)
        for l in range(1, reference.L + 1):  # random biases: no ReLU input sits on its kink
            reference.b[l] = rng.normal(0, 0.5, reference.b[l].shape)
        X = rng.standard_normal((sizes[0], m))
        y = rng.integers(0, sizes[-1], m)
        dW_ref, _ = reference.gradients(X, y)
        on_device = reference.to(library, device)
        fd = gradcheck(on_device, X, y, max_per_array=20)
        dW64, _ = on_device.gradients(X, y)
        dW32, _ = on_device.copy(np.float32).gradients(X, y)

        row = {
            "library": library,
            "network": "-".join(map(str, sizes)),
            "finite_differences_float64": fd.relative_error,
            "float64_vs_numpy": largest_relative_error(dW64, dW_ref),
            "float32_vs_numpy": largest_relative_error(dW32, dW_ref),
        }
        row["passed"] = (
            row["finite_differences_float64"] < 1e-7
            and row["float64_vs_numpy"] < 1e-12
            and row["float32_vs_numpy"] < 1e-4
        )
        rows.append(row)
    return rows


def torch_mlp(torch, sizes, dropout: float = 0.0):
    """PyTorch's nn.Sequential of the same network: Linear layers, ReLU (and dropout) between."""
    nn = torch.nn
    layers = []
    for l in range(1, len(sizes)):
        layers.append(nn.Linear(sizes[l - 1], sizes[l]))
        if l < len(sizes) - 1:
            layers += [nn.ReLU()] + ([nn.Dropout(dropout)] if dropout else [])
    return nn.Sequential(*layers)


#: The optimizers timed, with their learning rates: the seed's rule and the command line's default.
LEARNING_RATES = {"sgd": 0.01, "adam": 0.001}


def torch_epoch(torch, sizes, X_rows, y, batch: int, optimizer: str, device: str) -> float:
    """Seconds for one epoch of PyTorch's eager nn.Sequential training (data on device), with
    its own SGD or Adam (foreach on CUDA, PyTorch's default there)."""
    nn = torch.nn
    model = torch_mlp(torch, sizes).to(device)
    make = torch.optim.SGD if optimizer == "sgd" else torch.optim.Adam
    optimizer = make(model.parameters(), lr=LEARNING_RATES[optimizer])
    loss_fn = nn.CrossEntropyLoss()
    m = X_rows.shape[0]
    order = torch.randperm(m, device=device)
    synchronise(torch, device)
    start = time.perf_counter()
    for first in range(0, m, batch):
        index = order[first : first + batch]
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(X_rows[index]), y[index])
        loss.backward()
        optimizer.step()
    synchronise(torch, device)
    return time.perf_counter() - start


def deltaprop_epoch(torch, sizes, X, y, batch: int, optimizer: str, device: str, library: str):
    """Seconds for one epoch of deltaprop's Trainer on a network that computes with ``library``
    on the device (X already there, in the notation's layout (n_x, m))."""
    net = Network(sizes, seed=0, dtype=np.float32, xp=library, device=device)
    rule = make_optimizer(optimizer, lr=LEARNING_RATES[optimizer])
    trainer = Trainer(net, rule, epochs=1, batch_size=batch, seed=0)
    synchronise(torch, device)
    start = time.perf_counter()
    trainer.fit(X, y)
    synchronise(torch, device)
    return time.perf_counter() - start


def capture(torch, device: str, step):
    """``step`` (a function of no arguments) captured as a CUDA graph: a function that replays
    it in one launch. Off CUDA (the dry run) ``step`` itself, run as it is. Three steps run
    first on a side stream, as capture needs: a library sets up its handles and workspaces at a
    first call, which must not happen inside the capture."""
    if not device.startswith("cuda"):
        return step
    side = torch.cuda.Stream()
    side.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(side):
        for _ in range(3):
            step()
    torch.cuda.current_stream().wait_stream(side)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        step()
    return graph.replay


def replay_epoch(replay, step, inputs: tuple, epoch: tuple) -> None:
    """One epoch of a captured step: each full mini-batch of ``epoch`` (arrays whose rows are
    the epoch's examples, permuted once, so that a mini-batch is a slice) is copied into the
    graph's fixed ``inputs``, one copy each, and the graph replayed; the last, shorter
    mini-batch runs through ``step`` as it is."""
    m, batch = epoch[0].shape[0], inputs[0].shape[0]
    full = m // batch
    for k in range(full):
        for buffer, rows in zip(inputs, epoch, strict=True):
            buffer.copy_(rows[k * batch : (k + 1) * batch])
        replay()
    if full * batch < m:
        step(*(rows[full * batch :] for rows in epoch))


def deltaprop_graph_run(torch, sizes, X_rows, y, batch: int, device: str):
    """(seconds, network) for one epoch of deltaprop's SGD step on PyTorch tensors, captured as a
    CUDA graph and replayed for each full mini-batch (the last, shorter one runs as it is).

    The step is the Trainer's without its bookkeeping (cost and accuracy), on fixed input
    buffers that each mini-batch is copied into, and the epoch visits the examples in the order
    ``Trainer(seed=0)`` does, so it must leave the Trainer's weights. X_rows (m, n_x) and y (m,)
    on the device. Capture is not timed (once per fit); the weights it moved are put back."""
    m = X_rows.shape[0]
    net = Network(sizes, seed=0, dtype=np.float32, xp="torch", device=device)
    rule = GradientDescent(lr=LEARNING_RATES["sgd"])
    Y_rows = net._one_hot(y).T.contiguous()  # (m, n_y), one-hot rows as the Trainer lays them
    X_b, Y_b = X_rows[:batch].clone(), Y_rows[:batch].clone()  # the graph's fixed inputs

    def step(X_b, Y_b):  # (Algorithm "Training": forward, backward, update)
        net._forward(X_b.T)
        dW, db = net._backward(Y_b.T, 1 / X_b.shape[0])
        rule.step(net, dW, db)

    start_weights = {name: P.clone() for name, P in net.parameters()}
    rule.step(net, *net.gradients(X_b.T, Y_b.T))  # W[l], b[l] become views of one vector
    replay = capture(torch, device, lambda: step(X_b, Y_b))
    for name, P in net.parameters():  # in place: the graph holds these very arrays
        P.copy_(start_weights[name])
    synchronise(torch, device)
    start = time.perf_counter()
    order = torch.from_numpy(np.random.default_rng(0).permutation(m)).to(device)
    replay_epoch(replay, step, (X_b, Y_b), (X_rows[order], Y_rows[order]))
    synchronise(torch, device)
    return time.perf_counter() - start, net


def deltaprop_graph_epoch(torch, sizes, X_rows, y, batch: int, device: str) -> float:
    """Seconds for one epoch of ``deltaprop_graph_run``."""
    return deltaprop_graph_run(torch, sizes, X_rows, y, batch, device)[0]


def torch_graph_epoch(torch, sizes, X_rows, y, batch: int, device: str) -> float:
    """Seconds for one epoch of PyTorch's eager nn.Sequential SGD step captured as a CUDA graph
    (PyTorch's whole-network capture) and replayed for each full mini-batch."""
    model = torch_mlp(torch, sizes).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=LEARNING_RATES["sgd"])
    loss_fn = torch.nn.CrossEntropyLoss()
    X_b, y_b = X_rows[:batch].clone(), y[:batch].clone()

    def step(X_b, y_b):
        optimizer.zero_grad(set_to_none=True)  # on the host: backward writes fresh gradients
        loss_fn(model(X_b), y_b).backward()
        optimizer.step()

    replay = capture(torch, device, lambda: step(X_b, y_b))
    m = X_rows.shape[0]
    synchronise(torch, device)
    start = time.perf_counter()
    order = torch.randperm(m, device=device)
    replay_epoch(replay, step, (X_b, y_b), (X_rows[order], y[order]))  # as deltaprop's
    synchronise(torch, device)
    return time.perf_counter() - start


def check_graph(torch, device: str) -> dict:
    """A graphed epoch of deltaprop's step against a Trainer epoch from the same weights, in
    the same order: the graph must replay the step itself, not stale values baked into it."""
    sizes, m, batch = (784, 256, 128, 10), 2000, 128  # 15 graphed steps and a shorter last one
    rng = np.random.default_rng(1)
    X_rows = torch.from_numpy(rng.random((m, sizes[0]), dtype=np.float32)).to(device)
    y = torch.from_numpy(rng.integers(0, sizes[-1], m)).to(device)
    _, graphed = deltaprop_graph_run(torch, sizes, X_rows, y, batch, device)
    net = Network(sizes, seed=0, dtype=np.float32, xp="torch", device=device)
    rule = GradientDescent(lr=LEARNING_RATES["sgd"])
    Trainer(net, rule, epochs=1, batch_size=batch, seed=0).fit(X_rows.T, y)
    reference = {name: to_numpy(P) for name, P in net.parameters()}
    initial = dict(Network(sizes, seed=0, dtype=np.float32).parameters())
    error = max(
        float(np.linalg.norm(to_numpy(P) - reference[name]))
        / float(np.linalg.norm(reference[name] - initial[name]))
        for name, P in graphed.parameters()
    )
    # Relative to how far the epoch moved the weights: a graph that replays stale values is
    # off by about 1; float32 rounding, even with other product algorithms, by far less.
    return {"network": "-".join(map(str, sizes)), "graph_vs_trainer": error, "passed": error < 1e-3}


def device_syncs(torch, device: str, run, *args) -> int | None:
    """How many times ``run(*args)`` makes the host wait for the device (CUDA's synchronisation
    debug mode warns at each); None off CUDA. PyTorch sees only its own waits, so a run on
    CuPy counts none of its own."""
    if not device.startswith("cuda"):
        return None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        try:
            run(*args)
        finally:
            torch.cuda.set_sync_debug_mode("default")
    return sum("synchroniz" in str(w.message) for w in caught)


def available(library: str, device: str) -> str | None:
    """None when deltaprop can compute with ``library`` on ``device``, else why not."""
    try:
        resolve(library, device)
    except (ImportError, InputError) as e:
        return str(e)
    return None


def failure(e: Exception) -> str:
    """One line for the results: a failure on one library must not lose the others' numbers."""
    lines = str(e).strip().splitlines()
    return f"{type(e).__name__}: {lines[0] if lines else ''}"


def time_training(
    libraries, device: str, examples: int, batches, repeats: int, large: bool, save
) -> list[dict]:
    """One row per case: the median epoch of deltaprop on each library and of PyTorch eager.
    ``save(rows)`` is called after every case, so that a run stopped early keeps its rows."""
    import torch

    torch.backends.cuda.matmul.allow_tf32 = False  # true fp32 products, as the targets assume
    torch.backends.cudnn.allow_tf32 = False
    rng = np.random.default_rng(0)
    cases = [((784, 256, 128, 10), b, "sgd") for b in batches]
    cases.append(((784, 256, 128, 10), 128, "adam"))
    if large:
        cases.append(((784, 4096, 4096, 10), 4096, "sgd"))
    X_rows = rng.random((examples, 784), dtype=np.float32)
    labels = rng.integers(0, 10, examples)
    X_torch = torch.from_numpy(X_rows).to(device)
    y_torch = torch.from_numpy(labels).to(device)
    X_on = {}  # deltaprop's layout (n_x, m), already on the device, for each library
    for library in libraries:
        xp, where = resolve(library, device)
        X_on[library] = asarray(X_rows, xp, where).T
    rows = []
    for sizes, batch, optimizer in cases:
        weights = sum(sizes[l - 1] * sizes[l] for l in range(1, len(sizes)))
        flop = 6 * weights * examples
        setting = (batch, optimizer, device)
        epochs = {
            f"deltaprop[{library}]": (
                deltaprop_epoch,
                torch,
                sizes,
                X_on[library],
                labels,
                *setting,
                library,
            )
            for library in libraries
        }
        epochs["torch"] = (torch_epoch, torch, sizes, X_torch, y_torch, *setting)
        if optimizer == "sgd":  # one launch a step (see capture)
            graphed = {"torch graph": torch_graph_epoch}
            if "torch" in libraries:
                graphed = {"deltaprop[torch] graph": deltaprop_graph_epoch, **graphed}
            for name, run in graphed.items():
                epochs[name] = (run, torch, sizes, X_torch, y_torch, batch, device)
        times, syncs, errors = {}, {}, {}
        for name, (run, *args) in epochs.items():
            try:
                run(*args)  # warm-up
                times[name] = float(np.median([run(*args) for _ in range(repeats)]))
                syncs[name] = device_syncs(torch, device, run, *args)
            except Exception as e:  # noqa: BLE001 - recorded, and the other runs go on
                errors[name] = failure(e)
        rows.append(
            {
                "network": "-".join(map(str, sizes)),
                "batch": batch,
                "optimizer": optimizer,
                "seconds": times,
                "tflops": {name: flop / t / 1e12 for name, t in times.items()},
                "torch_time_over": {  # above 1: faster than PyTorch eager
                    name: times["torch"] / t
                    for name, t in times.items()
                    if name != "torch" and "torch" in times
                },
                "syncs_per_epoch": syncs,
                "errors": errors,
            }
        )
        save(rows)
    return rows


def write_json(path: Path, result: dict) -> None:
    """Write ``result`` to ``path`` whole or not at all (a temporary file, then a rename)."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(result, indent=2) + "\n")
    temporary.replace(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda", help="cuda, cuda:N, or cpu for a dry run")
    parser.add_argument(
        "--libraries",
        nargs="+",
        default=["torch", "cupy"],
        help="array libraries deltaprop computes with (default: torch cupy; one that is not "
        "installed is skipped and the results say why)",
    )
    parser.add_argument("--quick", action="store_true", help="small sizes (a dry run)")
    parser.add_argument("--out", default=".", help="folder for gpu_check.json")
    args = parser.parse_args(argv)
    torch = import_torch("gpu_check")
    if torch is None:
        return 2
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(f"gpu_check: no CUDA device here for --device {args.device}", file=sys.stderr)
        return 2
    if args.device.startswith("cuda") and torch.device(args.device).index is not None:
        torch.cuda.set_device(torch.device(args.device))  # capture's streams and graphs go there
    skipped = {name: available(name, args.device) for name in args.libraries}
    skipped = {name: why for name, why in skipped.items() if why}
    libraries = [name for name in args.libraries if name not in skipped]
    examples = 2048 if args.quick else 60000
    batches = (128, 1024) if args.quick else (128, 512, 1024, 4096)
    Path(args.out).mkdir(parents=True, exist_ok=True)
    out = Path(args.out) / "gpu_check.json"
    result = {
        "device": args.device,
        "device_name": torch.cuda.get_device_name(args.device)
        if args.device.startswith("cuda")
        else platform.processor() or platform.machine(),
        "torch": torch.__version__,
        "libraries": libraries,
        "skipped": skipped,
        "gradients": [],
        "training": [],
    }
    for name, why in skipped.items():
        print(f"{name}: skipped ({why})")
    for library in libraries:
        try:
            result["gradients"] += check_gradients(library, args.device)
        except Exception as e:  # noqa: BLE001 - recorded; the timings below still run
            result["gradients"].append({"library": library, "error": failure(e), "passed": False})
        write_json(out, result)
    if "torch" in libraries:
        try:
            result["graph"] = check_graph(torch, args.device)
        except Exception as e:  # noqa: BLE001 - recorded; the timings below still run
            result["graph"] = {"error": failure(e), "passed": False}
        write_json(out, result)
    for row in result["gradients"]:
        if "error" in row:
            print(f"gradients on {row['library']}: {row['error']} -> FAILED")
            continue
        print(
            f"gradients on {row['library']}, {row['network']}: finite differences "
            f"{row['finite_differences_float64']:.1e}, float64 vs numpy "
            f"{row['float64_vs_numpy']:.1e}, float32 vs numpy "
            f"{row['float32_vs_numpy']:.1e} -> {'ok' if row['passed'] else 'FAILED'}"
        )

    graph = result.get("graph")
    if graph is not None:
        print(
            f"CUDA graph of deltaprop's step: {graph['error']} -> FAILED"
            if "error" in graph
            else f"CUDA graph of deltaprop's step, {graph['network']}: one epoch against the "
            f"Trainer's {graph['graph_vs_trainer']:.1e} -> {'ok' if graph['passed'] else 'FAILED'}"
        )

    def save(rows):
        result["training"] = rows
        write_json(out, result)

    rows = time_training(
        libraries, args.device, examples, batches, 1 if args.quick else 3, not args.quick, save
    )
    print(f"{result['device_name']} ({args.device}), torch {result['torch']}")
    for row in rows:
        print(f"epoch {row['network']} batch {row['batch']} {row['optimizer']}:")
        for name, seconds in row["seconds"].items():
            waits = row["syncs_per_epoch"][name]
            print(
                f"  {name:<22} {seconds:8.3f} s {row['tflops'][name]:7.2f} TFLOP/s"
                + (
                    f"  torch/this time {row['torch_time_over'][name]:5.2f}"
                    if name in row["torch_time_over"]
                    else ""
                )
                + (f"  waits {waits}" if waits is not None else "")
            )
        for name, error in row["errors"].items():
            print(f"  {name:<22} FAILED: {error}")
    print(f"written: {out}")
    ran = all(not row["errors"] for row in rows)
    checks = result["gradients"] + ([graph] if graph is not None else [])
    return 0 if ran and result["gradients"] and all(check["passed"] for check in checks) else 1


if __name__ == "__main__":
    raise SystemExit(main())
