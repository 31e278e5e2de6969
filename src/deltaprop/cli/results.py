"""After training, in the process that writes files: the test metrics, the model file, the
figures and the summary."""

from __future__ import annotations

import json
from types import SimpleNamespace

import numpy as np

from .outputs import tell_skipped


def finish(args, run: SimpleNamespace, history, comm) -> None:
    """After training (the process that writes files): test metrics, model file, figures,
    and the summary."""
    from .. import io

    parts, model, show = run.parts, run.model, run.show
    model.info["metrics"] = run_metrics(args, run, history)
    model.info["history"] = history.to_dict()
    if args.out:
        io.save(model, args.out)
    if args.plots:
        from ..explain.plots import plot_all

        skipped = []
        written = plot_all(
            args.plots,
            history=history,
            model=model,
            data=(parts.X_test, parts.y_test),
            skipped=skipped,
        )
        print(f"{len(written)} figures written to {args.plots}", file=show)
        tell_skipped(skipped)
    if args.json:
        summary = {
            **model.info["metrics"],
            "model": args.out,
            "train_examples": parts.X_train.shape[1],
            "test_examples": parts.X_test.shape[1],
        }
        if run.classes is not None:
            summary["classes"] = len(run.classes)
        print(json.dumps(summary))
        return
    n = 0 if comm is None else comm.Get_size()
    ranks = f", {n} MPI rank{'s' * (n > 1)}" if n else ""
    print(f"data: {parts.description}")
    print(
        f"network: {' -> '.join(map(str, run.sizes))} ({args.activation} hidden, "
        f"{args.output} output), {args.optimizer}, {len(history)} epochs{ranks}"
    )
    print(results_line(model.info["metrics"], parts.X_test.shape[1]))
    if args.out:
        print(f"model saved to {args.out}")


def run_metrics(args, run: SimpleNamespace, history) -> dict:
    """The run's results for the model file and --json: test accuracy, or for regression test
    RMSE, MAE and R^2 in the target's units; the epochs and the last epoch's costs."""
    from ..core.arrays import to_numpy
    from ..metrics import mean_r2, regression_scores, regression_scores_by_target
    from .models import target_names

    parts, last = run.parts, history.last()
    if args.regression and parts.y_test.ndim == 2:  # several targets: each its own scores
        scores = regression_scores_by_target(parts.y_test, run.model.predict_columns(parts.X_test))
        names = target_names(run.model)
        return {
            "test_targets": dict(zip(names, scores, strict=True)),
            "test_mean_r2": mean_r2(scores),
            "epochs": len(history),
            "train_cost": last["cost"],
            "val_cost": last["val_cost"],
        }
    if args.regression:
        scores = regression_scores(parts.y_test, run.model.predict_columns(parts.X_test))
        metrics = {f"test_{name}": value for name, value in scores.items()}
        return {
            **metrics,
            "epochs": len(history),
            "train_cost": last["cost"],
            "val_cost": last["val_cost"],
        }
    predicted = to_numpy(run.net.predict(parts.X_test))
    return {
        "test_accuracy": float(np.mean(predicted == parts.y_test)),
        "epochs": len(history),
        "train_cost": last["cost"],
        "val_accuracy": last["val_accuracy"],
    }


def target_line(name: str, scores: dict) -> str:
    """One target's line of results: its RMSE, MAE and R^2."""
    return f"  {name}: RMSE {scores['rmse']:.4g}, MAE {scores['mae']:.4g}, R^2 {scores['r2']:.4f}"


def results_line(metrics: dict, m_test: int) -> str:
    """The line that reports the test results."""
    if "test_accuracy" in metrics:
        return f"test accuracy: {metrics['test_accuracy']:.4f} ({m_test} examples)"
    if "test_targets" in metrics:
        targets = metrics["test_targets"]
        lines = [f"test ({m_test} examples, each target in its units):"]
        lines += [target_line(name, scores) for name, scores in targets.items()]
        lines.append(f"mean R^2 over {len(targets)} targets: {metrics['test_mean_r2']:.4f}")
        return "\n".join(lines)
    return (
        f"test RMSE: {metrics['test_rmse']:.4g}, MAE: {metrics['test_mae']:.4g}, "
        f"R^2: {metrics['test_r2']:.4f} ({m_test} examples, in the target's units)"
    )
