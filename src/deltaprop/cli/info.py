"""The info command: what a model file or a checkpoint holds (the network and its parameter
count, the classes or the target, the preprocessing, the run that trained it and where a
checkpoint's run stands), read without training or predicting anything."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import EXIT_OK
from .parser import DEFAULT_LR

#: The settings shown in the text form, in this order (the JSON form gives all of them).
SHOWN_SETTINGS = (
    "optimizer",
    "lr",
    "batch_size",
    "full_batch",
    "epochs",
    "l2",
    "dropout",
    "schedule",
    "clip_norm",
    "class_weight",
    "patience",
    "seed",
    "sheet",
    "test_sheet",
    "encoding",
)


def cmd_info(args) -> int:
    from .. import io

    model, metadata = io.load_any(args.file)
    facts = describe(args.file, model, metadata)
    if args.json:
        print(json.dumps(facts))
    else:
        print("\n".join(lines(facts)))
    return EXIT_OK


def describe(path, model, metadata: dict) -> dict:
    """The facts ``info`` prints, as JSON-able values."""
    net = model.network
    info = model.info
    facts = {
        "file": str(path),
        "kind": "checkpoint" if metadata["format"] == "deltaprop-checkpoint" else "model",
        "format_version": metadata["format_version"],
        "bytes": Path(path).stat().st_size,
        "network": net.config(),
        # n[l] n[l-1] weights and n[l] biases in layer l
        "parameters": [net.sizes[l] * (net.sizes[l - 1] + 1) for l in range(1, net.L + 1)],
        "task": "classification" if net.is_classifier else "regression",
        "classes": None if model.classes is None else [str(c) for c in model.classes],
        "target": info.get("target"),
        "target_scaling": model.target_scaler is not None,
        "preprocessing": None if model.preprocessor is None else type(model.preprocessor).__name__,
        "preprocessing_details": _preprocessing(model.preprocessor),
        "inputs": _inputs(model),
        "ignored": _ignored(info.get("settings")),
        "missing_values": _missing_values(model),
        "data": info.get("description") or info.get("data"),
        "settings": info.get("settings"),
        "metrics": info.get("metrics"),
    }
    if facts["kind"] == "checkpoint":
        facts["position"] = _position(metadata.get("trainer", {}))
    return facts


def _inputs(model) -> list[str] | None:
    """The names of the model's input columns, when its file records them (and they fit)."""
    from ..data import DataError
    from ..experiment import model_features

    try:
        return model_features(model)
    except DataError:  # a damaged record: predict says so where it matters
        return None


def _missing_values(model) -> list[str] | None:
    """The texts its run also read as missing values (--missing-values), when they are sound."""
    from ..data import DataError
    from ..experiment import model_missing_values

    try:
        return model_missing_values(model)
    except DataError:  # a damaged record: predict says so where it matters
        return None


def _ignored(settings) -> list[str] | None:
    """The columns its run left out (--ignore), as the settings record them."""
    ignore = settings.get("ignore") if isinstance(settings, dict) else None
    if isinstance(ignore, list) and ignore and all(isinstance(c, str) for c in ignore):
        return ignore
    return None


def _preprocessing(pre) -> str | None:
    """What the model does to raw rows before the network sees them, in words."""
    from ..data import PixelScaler, Standardizer, TableEncoder

    if isinstance(pre, Standardizer):
        return f"each of the {pre.n_x} features standardized (training mean and std)"
    if isinstance(pre, PixelScaler):
        return f"pixel values divided by {pre.maximum:g}"
    if isinstance(pre, TableEncoder):
        names = pre.names or [f"column {j + 1}" for j in range(pre.n_columns)]
        text = [f"{names[j]}: {len(c)}" for j, c in enumerate(pre.categories) if c is not None]
        numeric = pre.kinds.count("numeric")
        parts = []
        if numeric:
            parts.append(f"{_count(numeric, 'numeric column')} standardized")
        if text:
            text[0] += " categories"
            parts.append(f"{_count(len(text), 'text column')} one-hot ({', '.join(text)})")
        if pre.impute:
            text_fill = (
                "a category of their own (text)"
                if pre.impute_text == "category"
                else "most frequent category (text)"
            )
            parts.append(
                f"missing values filled with the training {pre.impute} (numbers) or {text_fill}"
            )
        return f"{pre.n_columns} columns into {pre.n_x} inputs: " + "; ".join(parts)
    return None if pre is None else type(pre).__name__


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")


def _position(scalars: dict) -> dict:
    """Where a checkpoint's run stands: complete epochs, the steps of the next one, and the
    epochs it was asked for (None where the state does not say)."""
    epoch, batch, epochs = (scalars.get(k) for k in ("epoch", "batch", "epochs"))
    stopped = None
    callbacks = scalars.get("callbacks")
    if isinstance(callbacks, dict) and isinstance(callbacks.get("EarlyStopping"), dict):
        stopped = callbacks["EarlyStopping"].get("stopped_epoch")
    return {"epoch": epoch, "batch": batch, "epochs": epochs, "stopped_early_at": stopped}


def lines(facts: dict) -> list[str]:
    """The text form of ``describe``'s facts: one line per fact."""
    net = facts["network"]
    kind = "a deltaprop checkpoint" if facts["kind"] == "checkpoint" else "a deltaprop model"
    out = [f"{facts['file']}: {kind} (format version {facts['format_version']}, "]
    out[0] += f"{facts['bytes']:,} bytes)"
    out.append(
        f"network: {' -> '.join(map(str, net['sizes']))} ({net['hidden']} hidden, "
        f"{net['output']} output, {net['loss']} loss), {net['dtype']}"
    )
    per_layer = ", ".join(f"{n:,} in layer {l}" for l, n in enumerate(facts["parameters"], 1))
    out.append(f"parameters: {sum(facts['parameters']):,} ({per_layer})")
    if facts["classes"] is not None:
        out.append(f"classes: {len(facts['classes'])} ({_shown(facts['classes'])})")
    elif facts["task"] == "classification":  # several sigmoid units, each a yes/no label
        out.append(f"outputs: {net['sizes'][-1]} labels, each its own yes or no")
    else:
        target = facts["target"] or "a real-valued target"
        scaled = ", standardized for training" if facts["target_scaling"] else ""
        if isinstance(target, list):  # several targets
            out.append(f"targets: {_shown(target)} (regression{scaled})")
        else:
            out.append(f"target: {target} (regression{scaled})")
    if facts["preprocessing"] is not None:
        out.append(f"preprocessing: {facts['preprocessing_details']}")
    if facts["inputs"]:
        out.append(f"inputs: {_shown(facts['inputs'])}")
    if facts["ignored"]:
        out.append(f"ignored: {_shown(facts['ignored'])}")
    if facts["missing_values"]:
        out.append(f"missing values also written as: {_shown(facts['missing_values'])}")
    if facts["data"] is not None:
        out.append(f"data: {facts['data']}")
    settings = facts["settings"]
    if isinstance(settings, dict):
        out.append("settings: " + _named_values(_shown_settings(settings)))
    metrics = facts["metrics"]
    if isinstance(metrics, dict) and metrics:
        out.append("metrics: " + _named_values(metrics))
    if "position" in facts:
        out.append(_position_line(facts["file"], facts["position"]))
    return out


def _shown(names: list[str], limit: int = 20) -> str:
    """Names (of columns, of classes), comma-separated, the first ``limit`` of them."""
    more = len(names) - limit
    return ", ".join(names[:limit]) + (f", ... {more} more" if more > 0 else "")


def _shown_settings(settings: dict) -> dict:
    """The settings worth a reader's eye: the learning rate the optimizer used; options that
    are off (no dropout, no clipping, no patience, ...) and a full batch's unused batch size
    left out."""
    shown = {key: settings[key] for key in SHOWN_SETTINGS if key in settings}
    optimizer = shown.get("optimizer")
    if shown.get("lr") is None and isinstance(optimizer, str) and optimizer in DEFAULT_LR:
        shown["lr"] = DEFAULT_LR[optimizer]
    if shown.get("full_batch"):
        shown.pop("batch_size", None)
    if shown.get("dropout") == 0:
        del shown["dropout"]
    return {key: value for key, value in shown.items() if value is not None and value is not False}


def _named_values(values: dict) -> str:
    """``"name value, ..."``; a flag that is on, by its name alone; a value that is None (a
    validation accuracy without a validation part) left out."""
    return ", ".join(
        key.replace("_", " ") + ("" if value is True else f" {_value(value)}")
        for key, value in values.items()
        if value is not None
    )


def _value(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, list):
        return " ".join(map(str, value))
    if isinstance(value, dict):  # several targets' metrics: each by its name
        return ", ".join(
            f"{key} ({_named_values(v)})" if isinstance(v, dict) else f"{key} {_value(v)}"
            for key, v in value.items()
        )
    return str(value)


def _position_line(path: str, position: dict) -> str:
    epoch, batch, epochs = position["epoch"], position["batch"], position["epochs"]
    if position["stopped_early_at"] is not None:
        return f"run: finished, stopped early at epoch {position['stopped_early_at']}"
    if not all(isinstance(v, int) for v in (epoch, batch, epochs)):
        return "run: its position is not recorded"
    if batch:
        return (
            f"run: stopped inside epoch {epoch + 1} of {epochs}, after {batch} steps; "
            f"deltaprop train --resume {path} continues it"
        )
    if epoch >= epochs:
        return f"run: finished ({epoch} of {epochs} epochs)"
    return (
        f"run: stopped after epoch {epoch} of {epochs}; deltaprop train --resume {path} "
        "continues it"
    )
