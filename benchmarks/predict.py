"""Predicting with a trained network: deltaprop's Model next to its ONNX export run by
onnxruntime, scikit-learn's MLPClassifier and PyTorch, all holding the same weights.

    python benchmarks/predict.py [--quick] [--repeats N] [--out DIR]

The network is the MNIST-shaped one of benchmarks/run.py, 784-256-128-10 (ReLU, softmax), in
float32, with weights from deltaprop's initialisation copied into each system. The input is
raw rows, float64 in [0, 1), as a file or a data frame holds them: every system converts them
to float32 itself. Timed calls, for 1 row (an online request), 128 rows and 10,000 rows:

- deltaprop: ``Model.predict_proba`` (rows to float32 columns, the forward pass, back to rows);
- onnxruntime: the graph of ``deltaprop.export.to_onnx`` (one session, its default threads);
- scikit-learn: ``MLPClassifier.predict_proba`` with ``coefs_`` and ``intercepts_`` set to the
  same weights;
- PyTorch: ``nn.Sequential`` in eval mode under ``torch.inference_mode``, ``softmax`` of its
  output, converted back to numpy.

Before timing, every system's probabilities are checked against deltaprop's (within 1e-5) and
its labels (argmax) against deltaprop's; the run stops otherwise. Each system is then called
in turn, in a rotating order, ``--repeats`` times per size after one untimed call, enough
calls per timing to last about 0.1 s, with 0.2 s pauses so that one library's spinning
thread pool does not take the cores of the next. Reported: the median time per call and its ratio to
deltaprop's. Systems that are not installed are reported as skipped. Results go to
DIR/predict.json and a table to standard output.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
from report import machine, small_parser, write_json

from deltaprop import Network
from deltaprop.model import Model

SIZES = (784, 256, 128, 10)
PAUSE = 0.2  # seconds between two systems' timings, as benchmarks/run.py pauses


def systems(model: Model) -> tuple[dict, dict]:
    """name -> predict_proba(X_rows float64) -> (m, 10), for every system installed; and
    name -> why it is skipped."""
    found, skipped = {"deltaprop": model.predict_proba}, {}
    net = model.network
    W = [np.asarray(net.W[l]) for l in range(1, net.L + 1)]
    b = [np.asarray(net.b[l]).ravel() for l in range(1, net.L + 1)]
    try:
        import onnxruntime

        from deltaprop.export import to_onnx

        session = onnxruntime.InferenceSession(to_onnx(model).SerializeToString())
        found["onnxruntime"] = lambda X: session.run(["probabilities"], {"X": X})[0]
    except ImportError as e:
        skipped["onnxruntime"] = f"not installed ({e.name})"
    try:
        from sklearn.exceptions import ConvergenceWarning
        from sklearn.neural_network import MLPClassifier

        mlp = MLPClassifier(hidden_layer_sizes=SIZES[1:-1], max_iter=1)
        rng = np.random.default_rng(0)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            mlp.fit(rng.random((20, SIZES[0]), dtype=np.float32), np.arange(20) % SIZES[-1])
        mlp.coefs_ = [w.T.copy() for w in W]  # (n[l-1], n[l]): examples as rows
        mlp.intercepts_ = [c.copy() for c in b]
        found["scikit-learn"] = mlp.predict_proba
    except ImportError:
        skipped["scikit-learn"] = "not installed"
    try:
        import torch

        layers = []
        for l, (w, c) in enumerate(zip(W, b, strict=True)):
            linear = torch.nn.Linear(w.shape[1], w.shape[0])
            with torch.no_grad():
                linear.weight.copy_(torch.from_numpy(w))
                linear.bias.copy_(torch.from_numpy(c))
            layers += [linear] if l == len(W) - 1 else [linear, torch.nn.ReLU()]
        mlp_torch = torch.nn.Sequential(*layers).eval()

        def torch_proba(X):
            with torch.inference_mode():
                Z = mlp_torch(torch.from_numpy(X).to(torch.float32))
                return torch.softmax(Z, dim=1).numpy()

        found["PyTorch"] = torch_proba
    except ImportError:
        skipped["PyTorch"] = "not installed"
    return found, skipped


def check(methods: dict, X: np.ndarray) -> None:
    """Every system's probabilities are deltaprop's, to float32 rounding, and so are its labels."""
    reference = methods["deltaprop"](X)
    for name, proba in methods.items():
        P = proba(X)
        if P.shape != reference.shape or np.abs(P - reference).max() > 1e-5:
            raise AssertionError(f"{name}: other probabilities than deltaprop's")
        if not np.array_equal(P.argmax(axis=1), reference.argmax(axis=1)):
            raise AssertionError(f"{name}: other labels than deltaprop's")


def per_call(proba, X, budget: float) -> float:
    """Seconds per call of ``proba(X)``, over as many calls as fill about ``budget`` seconds."""
    start = time.perf_counter()
    proba(X)
    once = time.perf_counter() - start
    calls = max(1, int(budget / max(once, 1e-7)))
    start = time.perf_counter()
    for _ in range(calls):
        proba(X)
    return (time.perf_counter() - start) / calls


def measure(methods: dict, X: np.ndarray, repeats: int, budget: float, pause: float) -> dict:
    for proba in methods.values():  # untimed: first-call work
        proba(X)
    times = {name: [] for name in methods}
    names = list(methods)
    for i in range(repeats):
        for name in names[i % len(names) :] + names[: i % len(names)]:
            time.sleep(pause)  # the last system's spinning threads stop before the next starts
            times[name].append(per_call(methods[name], X, budget))
    median = {name: float(np.median(t)) for name, t in times.items()}
    return {
        "rows": len(X),
        "seconds": times,
        "median_s": median,
        "over_deltaprop": {name: t / median["deltaprop"] for name, t in median.items()},
    }


def _shown(seconds: float) -> str:
    return f"{seconds * 1e6:.0f} us" if seconds < 1e-3 else f"{seconds * 1e3:.2f} ms"


def main(argv=None) -> int:
    args = small_parser(__doc__, "2 repeats, short timings", "timings per size").parse_args(argv)
    repeats, budget, pause = (2, 0.01, 0.0) if args.quick else (args.repeats, 0.1, PAUSE)
    model = Model(Network(SIZES, dtype="float32", seed=0))
    methods, skipped = systems(model)
    rng = np.random.default_rng(1)
    inputs = {m: rng.random((m, SIZES[0])) for m in (1, 128, 10_000)}
    check(methods, inputs[128])
    results = [measure(methods, X, repeats, budget, pause) for X in inputs.values()]
    print("| rows | " + " | ".join(methods) + " | "
          + " | ".join(f"{n} / deltaprop" for n in methods if n != "deltaprop") + " |")  # fmt: skip
    print("|---:|" + "---:|" * (2 * len(methods) - 1))
    for r in results:
        times = " | ".join(_shown(r["median_s"][n]) for n in methods)
        ratios = " | ".join(f"{r['over_deltaprop'][n]:.2f}" for n in methods if n != "deltaprop")
        print(f"| {r['rows']:,} | {times} | {ratios} |")
    for name, why in skipped.items():
        print(f"{name}: skipped, {why}")
    facts = machine(systems=list(methods), skipped=skipped, versions=_versions(methods))
    out = write_json({"machine": facts, "results": results}, args.out, "predict.json")
    print(f"wrote {out}")
    return 0


def _versions(methods: dict) -> dict:
    import importlib.metadata

    names = {"onnxruntime": "onnxruntime", "scikit-learn": "scikit-learn", "PyTorch": "torch"}
    return {n: importlib.metadata.version(names[n]) for n in methods if n in names}


if __name__ == "__main__":
    raise SystemExit(main())
