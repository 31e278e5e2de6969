"""deltaprop's scikit-learn estimators next to scikit-learn's MLP: the same fits, timed.

    python benchmarks/estimators.py [--quick] [--repeats N] [--out DIR]

From the same ``random_state``, ``DeltaClassifier`` and ``MLPClassifier`` (``DeltaRegressor`` and
``MLPRegressor``) draw the same initial weights and the same order of the examples at every
epoch, and take the same steps (docs/sklearn.md). So their fits can be timed against each other
as they are: after one untimed fit of each, for each problem and seed, both fit the same data
in alternation (which of the two goes first alternates too), and the run checks that they ended
with the same network (the largest difference of their coefs_ and intercepts_, their n_iter_ and
loss_). Reported: the median time of each, MLP's median over deltaprop's, and the largest
difference. Results go to DIR/estimators.json and a table to standard output.
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import sklearn
from report import machine, small_parser, write_json
from sklearn.datasets import load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_info

from deltaprop.sklearn import DeltaClassifier, DeltaRegressor


def problems(quick: bool) -> list[dict]:
    """name, (X, y) standardised, the two classes, their shared parameters."""
    digits = load_digits(return_X_y=True)
    diabetes = load_diabetes(return_X_y=True)
    epochs = 5 if quick else 200
    return [
        {
            "name": "digits, defaults (100,) adam, batch 200",
            "data": digits,
            "classes": (DeltaClassifier, MLPClassifier),
            "params": {"max_iter": epochs},
        },
        {
            "name": "digits, sgd with Nesterov momentum, batch 32",
            "data": digits,
            "classes": (DeltaClassifier, MLPClassifier),
            "params": {"solver": "sgd", "batch_size": 32, "max_iter": epochs // 4 or 1},
        },
        {
            "name": "digits, lbfgs",
            "data": digits,
            "classes": (DeltaClassifier, MLPClassifier),
            "params": {"solver": "lbfgs", "max_iter": epochs},
        },
        {
            "name": "diabetes (target standardised), regressor, adam",
            "data": diabetes,
            "classes": (DeltaRegressor, MLPRegressor),
            "params": {"max_iter": epochs, "learning_rate_init": 0.01},
        },
    ]


def timed_fit(cls, X, y, seed: int, params: dict):
    start = time.perf_counter()
    model = cls(random_state=seed, **params).fit(X, y)
    return time.perf_counter() - start, model


def difference(ours, theirs) -> float:
    """The largest |difference| of the two fits' coefs_ and intercepts_."""
    pairs = zip(ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True)
    return max(float(np.abs(P - Q).max()) for P, Q in pairs)


def measure(problem: dict, seeds) -> dict:
    X, y = problem["data"]
    X = StandardScaler().fit_transform(X)
    if problem["classes"][0] is DeltaRegressor:
        y = (y - y.mean()) / y.std()
    ours_cls, theirs_cls = problem["classes"]
    for cls in (ours_cls, theirs_cls):  # one untimed fit each: imports, caches, thread pools
        timed_fit(cls, X, y, 0, {**problem["params"], "max_iter": 2})
    times = {"deltaprop": [], "sklearn": []}
    diffs, same_steps = [], True
    for i, seed in enumerate(seeds):
        order = [("deltaprop", ours_cls), ("sklearn", theirs_cls)]
        fits = {}
        for who, cls in order if i % 2 == 0 else order[::-1]:
            seconds, fits[who] = timed_fit(cls, X, y, seed, problem["params"])
            times[who].append(seconds)
        diffs.append(difference(fits["deltaprop"], fits["sklearn"]))
        same_steps &= fits["deltaprop"].n_iter_ == fits["sklearn"].n_iter_
        same_steps &= bool(np.isclose(fits["deltaprop"].loss_, fits["sklearn"].loss_, rtol=1e-9))
    ours, theirs = np.median(times["deltaprop"]), np.median(times["sklearn"])
    return {
        "name": problem["name"],
        "params": problem["params"],
        "seeds": list(seeds),
        "seconds": times,
        "median_s": {"deltaprop": float(ours), "sklearn": float(theirs)},
        "sklearn_over_deltaprop": float(theirs / ours),
        "max_weight_difference": max(diffs),
        "same_n_iter_and_loss": bool(same_steps),
    }


def main(argv=None) -> int:
    parser = small_parser(__doc__, "5 epochs, 2 seeds (a dry run)", "seeds 0..N-1")
    args = parser.parse_args(argv)
    seeds = range(2 if args.quick else args.repeats)
    results = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # both stop at max_iter alike
        for problem in problems(args.quick):
            results.append(measure(problem, seeds))
    print("| problem | deltaprop [s] | scikit-learn [s] | scikit-learn / deltaprop | largest "
          "weight difference | same n_iter_, loss_ |")  # fmt: skip
    print("|---|---:|---:|---:|---:|---|")
    for r in results:
        print(
            f"| {r['name']} | {r['median_s']['deltaprop']:.3f} | {r['median_s']['sklearn']:.3f} "
            f"| {r['sklearn_over_deltaprop']:.2f} | {r['max_weight_difference']:.1e} | "
            f"{'yes' if r['same_n_iter_and_loss'] else 'NO'} |"
        )
    facts = machine(
        **{"scikit-learn": sklearn.__version__},
        thread_pools=[
            {k: pool.get(k) for k in ("internal_api", "num_threads", "version")}
            for pool in threadpool_info()
        ],
    )
    out = write_json({"machine": facts, "results": results}, args.out, "estimators.json")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
