"""What a training run needs before it starts: the options checked against the task, the data,
the network, the model, the optimizer and schedule, the example weights."""

from __future__ import annotations

import sys
import warnings
from types import SimpleNamespace

import numpy as np

from .errors import UsageError
from .outputs import check_output
from .parser import DEFAULT_LR
from .resume import finished_message, resume_settings, run_settings


def output_units(output: str, n_classes: int) -> int:
    """n[L] for a classifier of ``n_classes`` classes: one unit per class, except a sigmoid
    output, which is one unit: the probability of the second class."""
    if output != "sigmoid":
        return n_classes
    if n_classes != 2:
        raise UsageError(
            f"--output sigmoid is one unit for two classes; the data have {n_classes} classes: "
            "use --output softmax"
        )
    return 1


#: Outputs whose units are class scores: a regression network cannot have them.
CLASSIFIER_OUTPUTS = ("softmax", "sigmoid")


def choose_task(args) -> None:
    """Check the options against the task, before any data are loaded. ``--regression`` makes
    the output identity and the loss mse unless the command line gives them; an output of
    class scores or class weights with it are a UsageError."""
    if not args.regression:
        if isinstance(args.label, list):
            raise UsageError(
                f"--label {' '.join(args.label)}: several columns are several targets, which "
                "only --regression predicts; give one label column for a classifier"
            )
        return
    if "output" not in getattr(args, "given", set()) and not args.resume:
        args.output = "identity"
    if args.output in CLASSIFIER_OUTPUTS:
        raise UsageError(
            f"--output {args.output} gives class scores; --regression predicts values (leave "
            "--output out for identity)"
        )
    if args.class_weight:
        raise UsageError(
            f"--class-weight {args.class_weight} weighs classes, and --regression has none "
            "(--sample-weight weighs examples)"
        )
    if args.loss not in (None, "mse"):
        raise UsageError(
            f"--loss {args.loss} is a classifier's; --regression trains with --loss mse"
        )
    args.loss = "mse"


def check_network_task(args, net) -> None:
    """A UsageError when the network built without --regression is not a classifier (with it,
    ``choose_task`` has made it a regression network)."""
    if not args.regression and not net.is_classifier:
        raise UsageError(
            f"--output {args.output} with --loss {net.loss_name} makes a regression network: "
            "add --regression to train one, or use --output softmax (the default), or sigmoid "
            "for two classes"
        )


def prepare_run(args, root: bool) -> SimpleNamespace:
    """Everything a run needs before training: the checkpoint to resume, the data, the network,
    the model, the optimizer and schedule, the example weights. Raises ValueError or OSError on
    bad input. ``root``: the process that writes files checks its output folders."""
    from ..core import Network
    from ..experiment import encoder_for, prepare_data, recorded_data
    from ..model import Model
    from ..training import make_optimizer, make_schedule
    from ..training.weights import class_sample_weights

    resumed = None
    if args.resume:
        resumed = resume_settings(args)
        finished = finished_message(args, resumed[1])
        if finished is not None:
            return SimpleNamespace(finished=finished)
    else:
        args.data, args.test_data = recorded_data(args.data), recorded_data(args.test_data)
    for option, path in (("--out", args.out), ("--checkpoint", args.checkpoint)):
        if root and path:  # fail before training
            check_output(option, path)
    if root and args.plots:
        check_output("--plots", args.plots, folder=True)
    choose_task(args)
    if args.test_data is not None and "test" in getattr(args, "given", set()):
        raise UsageError(
            f"--test {args.test:g} holds out a fraction for the test, and --test-data "
            f"{args.test_data} is the test part; give one of them"
        )
    if args.test_sheet is not None and args.test_data is None:
        raise UsageError(
            f"--test-sheet {args.test_sheet} is a sheet of --test-data; give --test-data (the "
            "sheet of --data is --sheet)"
        )
    if args.impute_text != "most_frequent" and args.impute is None:
        raise UsageError(
            f"--impute-text {args.impute_text} says what a missing text value becomes once "
            "--impute lets missing values in; add --impute mean or --impute median"
        )
    dtype = np.dtype(args.dtype)
    parts = prepare_data(
        args.data,
        label=args.label,
        weight=args.sample_weight,
        test=args.test,
        validation=args.validation,
        seed=args.seed,
        dtype=dtype,
        encoder=None if resumed is None or args.regression else encoder_for(resumed[0].classes),
        preprocessor=None if resumed is None else resumed[0].preprocessor,
        regression=args.regression,
        target_scaler=None if resumed is None else resumed[0].target_scaler,
        impute=args.impute,
        impute_text=args.impute_text,
        ignore=args.ignore,
        test_data=args.test_data,
        missing_values=args.missing_values,
        sheet=args.sheet,
        test_sheet=args.test_sheet,
        encoding=args.encoding,
    )
    classes = None if args.regression else parts.encoder.classes_
    if classes is not None and len(classes) < 2:
        raise UsageError(f"the data have a single class ({classes[0]!r}); nothing to learn")
    if classes is not None:
        n_y = output_units(args.output, len(classes))
    else:  # one unit per target
        n_y = parts.y_train.shape[0] if parts.y_train.ndim == 2 else 1
    sizes = [parts.X_train.shape[0], *args.hidden, n_y]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore" if resumed or not root else "default")
        net = Network(
            sizes,
            hidden=args.activation,
            output=args.output,
            loss=args.loss,
            init=args.init,
            seed=args.seed,
            dtype=dtype,
            device=args.device,
        )
    check_network_task(args, net)
    if resumed is not None:
        net.load_parameters(dict(resumed[0].network.parameters()))
    lr = args.lr if args.lr is not None else DEFAULT_LR.get(args.optimizer, 0.01)
    info = {
        "data": args.data,
        "label": args.label,
        "description": parts.description,
        "settings": run_settings(args),
    }
    if parts.feature_names is not None:  # predict and evaluate take the columns by name
        info["features"] = parts.feature_names
        info["label_name"] = parts.label_name
    if args.regression:  # what predict names its column (its columns, for several targets)
        info["target"] = parts.target_name
    sample_weight = parts.w_train
    if args.class_weight:  # (eq. J2) every class carries the same total weight
        balanced = class_sample_weights(parts.y_train, args.class_weight, sample_weight)
        sample_weight = balanced if sample_weight is None else sample_weight * balanced
    return SimpleNamespace(
        finished=None,
        resumed=resumed,
        parts=parts,
        sizes=sizes,
        classes=classes,
        net=net,
        model=Model(net, classes, parts.preprocessor, info, parts.target_scaler),
        optimizer=make_optimizer(args.optimizer, lr=lr, clip_norm=args.clip_norm),
        schedule=make_schedule(args.schedule, lr, epochs=args.epochs),
        sample_weight=sample_weight,
        show=sys.stderr if args.json else sys.stdout,
    )
