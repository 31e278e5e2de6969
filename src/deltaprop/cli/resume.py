"""The settings of a run and ``--resume``: which options the command line gives, the settings a
checkpoint saved (checked as the command line checks them), and whether the run has anything
left to do."""

from __future__ import annotations

import codecs
import contextlib
import reprlib
from types import SimpleNamespace

from .errors import UsageError, first_line
from .parser import DEFAULT_LR, build_parser

#: The settings of a run, saved in checkpoints (so --resume can rebuild it) and in model files.
RUN_KEYS = (
    "data",
    "sheet",
    "encoding",
    "label",
    "regression",
    "hidden",
    "activation",
    "output",
    "init",
    "loss",
    "optimizer",
    "lr",
    "batch_size",
    "full_batch",
    "epochs",
    "l2",
    "schedule",
    "clip_norm",
    "dropout",
    "class_weight",
    "sample_weight",
    "ignore",
    "impute",
    "impute_text",
    "missing_values",
    "validation",
    "test",
    "test_data",
    "test_sheet",
    "patience",
    "min_delta",
    "dtype",
    "seed",
    "out",
    "checkpoint",
    "checkpoint_every",
)


#: The settings recorded only when the command line gives them: a file without them is the file
#: an older deltaprop wrote (which refuses to resume from settings it does not know), and one
#: that lacks them reads the first sheet and detects the encoding, as runs from before them did.
WHEN_GIVEN = ("sheet", "test_sheet", "encoding")

#: The settings whose option takes several values (nargs="+"); saved as lists.
LIST_KEYS = ("hidden", "ignore", "label", "missing_values")

#: The settings a resumed run may change without changing its steps: where it writes, and how
#: many epochs it trains (except under a cosine schedule, whose period is the number of epochs).
CHANGEABLE_ON_RESUME = ("out", "checkpoint", "checkpoint_every", "epochs")

#: The default of an option, in the parse that finds which options the command line gives.
NOT_GIVEN = object()


def run_settings(args) -> dict:
    """The settings of RUN_KEYS that a run records: their values in ``args``, but those of
    WHEN_GIVEN only when they are given."""
    return {
        key: getattr(args, key)
        for key in RUN_KEYS
        if key not in WHEN_GIVEN or getattr(args, key) is not None
    }


def given_options(argv: list[str], dests) -> set[str]:
    """The train options that ``argv`` gives itself (argparse's defaults do not count): the same
    parse with every default replaced by a marker that only an absent option keeps."""
    defaults = {dest: NOT_GIVEN for dest in dests if dest != "command"}
    marked = build_parser(defaults).parse_args(argv)
    return {dest for dest, value in vars(marked).items() if value is not NOT_GIVEN}


def resume_settings(args) -> tuple:
    """Load ``args.resume`` and put its run's settings into ``args``: the saved ones, except those
    in CHANGEABLE_ON_RESUME that the command line gives. A setting the command line gives that
    differs from the saved one is a UsageError: the run would not continue, it would change.
    Returns what io.load_checkpoint returns."""
    from .. import io
    from ..training.loop import check_trainer_state

    try:
        resumed = io.load_checkpoint(args.resume)
    except io.WrongFormatError as e:
        if e.found != io.MODEL_FORMAT:
            raise
        raise UsageError(
            f"{e}: --resume continues a run from the checkpoint it kept (train --checkpoint "
            "FILE, or OUT.checkpoint.npz after Ctrl-C)"
        ) from None
    with trainer_state_of(args.resume):  # read below, before a trainer restores it
        check_trainer_state(resumed[1], resumed[2])
    saved, given = saved_settings(resumed[3], args.resume), getattr(args, "given", set())
    saved = {**dict.fromkeys(WHEN_GIVEN), **saved}  # not recorded: the defaults
    changeable = set(CHANGEABLE_ON_RESUME)
    if saved.get("schedule") == "cosine":
        changeable.discard("epochs")
    conflicts = []
    for key, value in saved.items():
        if key in given and key in changeable:
            continue  # the new value
        if key in given and _effective(key, getattr(args, key), args) != _effective(
            key, value, SimpleNamespace(**saved)
        ):
            shown = " ".join(map(str, value)) if isinstance(value, list) else value
            if value is None:
                shown = _effective(key, value, SimpleNamespace(**saved)) or "the default"
            conflicts.append(f"--{key.replace('_', '-')} cannot be changed (saved: {shown})")
        setattr(args, key, value)
    if conflicts:
        raise UsageError(f"--resume continues the saved run; {', '.join(conflicts)}")
    if "checkpoint" not in given:  # keep the checkpoint resumed from up to date
        args.checkpoint = args.resume
    return resumed


@contextlib.contextmanager
def trainer_state_of(path: str):
    """A ValueError about a checkpoint's trainer state becomes a UsageError naming the file."""
    try:
        yield
    except ValueError as e:
        raise UsageError(f"{path}: {first_line(e)}") from None


def saved_settings(settings: dict, source: str) -> dict:
    """The train settings a checkpoint saved for its run, checked as the command line checks
    them (by parsing them as one): each must be one of RUN_KEYS, with a value its option
    accepts. Returns them as parsed."""
    defaults = vars(build_parser().parse_args(["train"]))
    argv = ["train"]
    for key, value in settings.items():
        argv += _as_options(source, key, value, defaults.get(key))
    try:
        parsed = vars(build_parser().parse_args(argv))
    except UsageError as e:
        reason = str(e).rsplit(" (see ", 1)[0]
        raise UsageError(f"{source}: a saved setting is invalid: {reason}") from None
    return {key: parsed[key] for key in settings}


def _as_options(source: str, key: str, value, default) -> list[str]:
    """The command-line options that give the saved setting ``key`` its ``value``."""
    if key not in RUN_KEYS:
        raise UsageError(f"{source}: unknown saved setting {key!r}")
    option = "--" + key.replace("_", "-")
    if value is None:
        if default is not None:
            raise UsageError(f"{source}: the saved setting {key} is null; {option} needs a value")
        return []
    if isinstance(default, bool):  # a flag
        if not isinstance(value, bool):
            raise UsageError(f"{source}: the saved setting {key} is {value!r}, not true or false")
        return [option] if value else []
    many = isinstance(default, list) or key in LIST_KEYS
    if key == "label" and not isinstance(value, list):
        many = False  # one column, as runs before several targets saved it
    values = value if many and isinstance(value, list) else [value]
    if (
        not values
        or not all(isinstance(v, (str, int, float)) for v in values)
        or any(isinstance(v, bool) for v in values)
    ):
        shown = reprlib.repr(value)
        raise UsageError(f"{source}: the saved setting {key} is {shown}, not a value of {option}")
    if many:
        return [option, *map(str, values)]
    return [f"{option}={value}"]


def _effective(key: str, value, settings):
    """A setting as the run uses it: the data's resolved path, the optimizer's default rate,
    the ignored columns and the missing-value texts as sets (their order changes nothing), the
    codec an encoding's name stands for."""
    if key in ("ignore", "missing_values") and isinstance(value, (list, tuple)):
        return sorted(map(str, value))
    if key in ("data", "test_data"):
        from ..experiment import recorded_data

        return recorded_data(value)
    if key == "encoding" and isinstance(value, str):  # CP1251 and windows-1251 are cp1251
        with contextlib.suppress(LookupError):
            return codecs.lookup(value).name
    if key == "lr" and value is None:
        return DEFAULT_LR.get(settings.optimizer, 0.01)
    if isinstance(value, tuple):
        return list(value)
    return value


def finished_message(args, scalars: dict) -> str | None:
    """Why a resumed run has nothing left to do (it ran all its epochs or stopped early), or
    None. A run stopped inside an epoch cannot end before that epoch: a UsageError."""
    epoch = scalars["epoch"]
    if scalars["batch"] > 0 and args.epochs <= epoch:
        raise UsageError(
            f"--epochs {args.epochs}: {args.resume} stopped inside epoch {epoch + 1}, after "
            f"{epoch} complete epochs; give --epochs {epoch + 1} or more to finish it"
        )
    stopped = scalars.get("callbacks", {}).get("EarlyStopping", {}).get("stopped_epoch")
    if stopped is not None:
        return (
            f"{args.resume}: the run is finished (stopped early at epoch {stopped}: no "
            f"improvement in {args.patience} epochs); nothing to resume"
        )
    if scalars["batch"] == 0 and epoch >= args.epochs:
        longer = (
            ""
            if args.schedule == "cosine"
            else f"; to train longer, give --epochs N with N > {epoch}"
        )
        return f"{args.resume}: the run is finished (epoch {epoch} of {epoch}){longer}"
    return None
