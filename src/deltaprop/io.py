"""Model files and checkpoints: one ``.npz`` of named arrays plus a JSON metadata entry.

Loading never unpickles: a file holds numbers and text only, so opening one cannot run code.
Nor does it trust the sizes a file announces (see :mod:`deltaprop.data.archive`). Writing is
atomic: the file is written under a temporary name in the same folder, flushed to disk, then
renamed over the target, so an interrupted save leaves either the old file or the new one,
never half of one.

Layout of a model file::

    __metadata__            0-d unicode array: JSON {"format": "deltaprop-model",
                            "format_version": 1, 2 or 3, "network": {...}, "classes": ..., ...}
    W[1], b[1], ..., b[L]   the parameters, in the network's dtype
    classes                 the label of each output unit (numbers or unicode)
    preprocessing/<name>    the fitted preprocessing statistics (e.g. mean, scale); for a
                            TableEncoder (version 3): kinds, names, impute, categories/<j>,
                            fill/<j>, mean, std (see TableEncoder.state)
    target_scaling/<name>   version 2: a regression target's scaling (mean, std), which
                            predictions undo (the metadata name it: "target_scaling")

Versions: 2 adds the target scaling, 3 the encoding of tables with text columns or missing
values (the metadata's "preprocessing" is "TableEncoder"). A file is written as the oldest
version that holds it: version 3 only with a TableEncoder, version 2 only with a target scaling,
so every other file stays readable by a deltaprop that reads version 1 only, and an older
reader refuses a file it would misread (predicting in scaled units, or on unencoded columns).

A checkpoint adds the trainer's state (optimizer moments, generator state, history, position in
the epoch) under ``trainer/`` and in the metadata.
"""

from __future__ import annotations

import json
import os
import stat
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

from . import data
from .core import DeltapropWarning, Network
from .core.arrays import to_numpy
from .data.archive import ArrayError, NpzArchive, PickledArrayError
from .model import Model

#: The format versions this deltaprop reads; it writes the oldest that holds a file's content.
READ_VERSIONS = (1, 2, 3)
#: The version that added a regression target's scaling.
TARGET_SCALING_VERSION = 2
#: The version that added the encoding of tables (text columns, missing values): a TableEncoder.
ENCODING_VERSION = 3
MODEL_FORMAT = "deltaprop-model"
CHECKPOINT_FORMAT = "deltaprop-checkpoint"
_FORMAT_NAMES = {MODEL_FORMAT: "deltaprop model file", CHECKPOINT_FORMAT: "deltaprop checkpoint"}
METADATA_KEY = "__metadata__"


class ModelFileError(ValueError):
    """A file that cannot be read as a deltaprop model or checkpoint (the message says why)."""


class WrongFormatError(ModelFileError):
    """A deltaprop file of another kind than the one asked for; ``found`` is its "format"."""

    def __init__(self, message: str, found):
        super().__init__(message)
        self.found = found


# ---------------------------------------------------------------------- the container


def replace_atomically(path, write) -> Path:
    """Call ``write(binary_file)`` on a temporary file beside ``path``, flush it to disk, then
    rename it over ``path``: readers see the old file or the new one, never a partial one."""
    path = Path(path)
    folder = path.parent
    if not folder.is_dir():
        raise ModelFileError(f"cannot write {path}: folder {folder} does not exist")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as e:  # its message would name the temporary file, not the user's
        raise OSError(f"cannot write {path}: {e.strerror or e}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            write(f)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(path))  # mkstemp makes 0600 files
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise OSError(f"cannot write {path}: {e.strerror or e}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _mode_for(path: Path) -> int:
    """The permissions the new ``path`` gets: those of the file it replaces, else what open()
    would give a new file (0o666 less the umask)."""
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _umask() -> int:
    """The process's umask. Linux shows it in /proc/self/status; elsewhere it can only be read
    by setting it, which briefly changes it for every thread, so that is the fallback."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_text_atomic(path, text: str) -> Path:
    """Write a text file atomically (UTF-8)."""
    return replace_atomically(path, lambda f: f.write(text.encode("utf-8")))


def write_atomic(path, arrays: dict[str, np.ndarray], metadata: dict) -> Path:
    """Write ``arrays`` (of any array library, on any device) and ``metadata`` (JSON) to
    ``path`` as .npz, atomically."""
    arrays = {name: to_numpy(value) for name, value in arrays.items()}
    for name, value in arrays.items():
        if value.dtype == object:
            raise TypeError(f"array {name!r} has dtype object, which would need pickle")
    payload = {METADATA_KEY: np.array(json.dumps(metadata)), **arrays}
    return replace_atomically(path, lambda f: np.savez(f, **payload))


def read(path, *formats: str) -> tuple[dict[str, np.ndarray], dict]:
    """(arrays, metadata) of a file written by ``write_atomic`` in one of ``formats``, with
    clear errors."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(f"no such file: {path}")
    with open(path, "rb") as f:
        if f.read(4) != b"PK\x03\x04":  # an .npz is a zip archive; np.load would try pickle
            raise ModelFileError(f"{path} is not a deltaprop file or is truncated (not a zip)")
    arrays = _read_arrays(path)
    if METADATA_KEY not in arrays:
        raise ModelFileError(f"{path} is an .npz file but not a deltaprop file (no metadata)")
    metadata = _metadata(path, arrays.pop(METADATA_KEY))
    found = metadata.get("format")
    if found not in formats:
        wanted = " or ".join(_FORMAT_NAMES.get(f, f) for f in formats)
        if isinstance(found, str) and found in _FORMAT_NAMES:
            raise WrongFormatError(f"{path} is a {_FORMAT_NAMES[found]}, not a {wanted}", found)
        raise WrongFormatError(f"{path} is not a {wanted} (format: {found!r})", found)
    version = metadata.get("format_version")
    if isinstance(version, bool) or version not in READ_VERSIONS:
        readable = " and ".join(map(str, READ_VERSIONS))
        raise ModelFileError(
            f"{path} has format version {version!r}; this deltaprop reads versions {readable}"
        )
    return arrays, metadata


def _version_of(metadata: dict) -> int:
    """The oldest format version that holds everything ``metadata`` describes."""
    if metadata.get("preprocessing") in ENCODED:
        return ENCODING_VERSION
    return TARGET_SCALING_VERSION if "target_scaling" in metadata else 1


def _metadata(path: Path, text: np.ndarray) -> dict:
    """The metadata entry, a 0-d text array, as the JSON object it holds."""
    if text.shape != () or text.dtype.kind != "U":
        raise ModelFileError(
            f"{path}: its metadata is not JSON text (a {text.dtype} array of shape {text.shape})"
        )
    try:
        metadata = json.loads(str(text))
    except (ValueError, RecursionError) as e:  # also numbers of over 4300 digits, deep nesting
        reason = str(e).splitlines()[0]
        raise ModelFileError(f"{path}: its metadata is not valid JSON ({reason})") from None
    if not isinstance(metadata, dict):
        raise ModelFileError(
            f"{path}: its metadata is not a JSON object but {type(metadata).__name__}"
        )
    return metadata


def _read_arrays(path: Path) -> dict[str, np.ndarray]:
    """Every array of the .npz file ``path``, read without unpickling and without trusting the
    sizes it announces."""
    name = None
    try:
        with NpzArchive(path) as archive:
            arrays = {}
            for name in archive.files:
                arrays[name] = archive[name]
            return arrays
    except (zipfile.BadZipFile, OSError) as e:
        raise ModelFileError(f"{path} is not a deltaprop file or is truncated ({e})") from None
    except PickledArrayError:
        raise ModelFileError(
            f"{path} holds data that would need unpickling; refused (array {name!r} holds "
            "Python objects)"
        ) from None
    except ArrayError as e:
        raise ModelFileError(f"{path}: array {name!r} cannot be read ({e})") from None


# ---------------------------------------------------------------------- models


def _model_payload(model: Model) -> tuple[dict[str, np.ndarray], dict]:
    net = model.network
    arrays = {name: P for name, P in net.parameters()}
    metadata = {"network": net.config(), "info": model.info, "classes": None}
    if model.classes is not None:
        classes = np.asarray(model.classes)
        if classes.dtype == object:
            classes = classes.astype(str)
        arrays["classes"] = classes
        metadata["classes"] = len(classes)
    if model.preprocessor is not None:
        state = model.preprocessor.state()
        metadata["preprocessing"] = type(model.preprocessor).__name__
        arrays.update({f"preprocessing/{k}": np.asarray(v) for k, v in state.items()})
    if model.target_scaler is not None:
        state = model.target_scaler.state()
        metadata["target_scaling"] = type(model.target_scaler).__name__
        arrays.update({f"target_scaling/{k}": np.asarray(v) for k, v in state.items()})
    return arrays, metadata


#: The network description a file may hold: Network's own arguments and no others. A file never
#: names an array library or a device, which would make loading import a module it names.
NETWORK_FIELDS = ("sizes", "hidden", "output", "loss", "init", "seed", "dtype")
#: The preprocessors a file may name.
PREPROCESSORS = ("Standardizer", "PixelScaler", "TableEncoder")
#: Those that need ENCODING_VERSION.
ENCODED = ("TableEncoder",)
#: The target scalings a file may name.
TARGET_SCALERS = ("Standardizer",)


def _check_network_description(path, arrays: dict, description) -> None:
    """Refuse a description with fields Network does not take, or with layer sizes that
    disagree with the arrays the file holds, before anything is built or allocated."""
    if not isinstance(description, dict):
        raise ModelFileError(f"{path}: its network description is invalid (not an object)")
    unknown = sorted(set(description) - set(NETWORK_FIELDS))
    if unknown:
        raise ModelFileError(f"{path}: unknown field(s) in its network description: {unknown}")
    sizes = description.get("sizes")
    if not (
        isinstance(sizes, list) and len(sizes) >= 2 and all(type(n) is int and n > 0 for n in sizes)
    ):
        raise ModelFileError(f"{path}: its layer sizes are invalid ({sizes!r})")
    for l in range(1, len(sizes)):
        for name, shape in ((f"W[{l}]", (sizes[l], sizes[l - 1])), (f"b[{l}]", (sizes[l], 1))):
            if name not in arrays:
                raise ModelFileError(f"{path}: array {name} is missing")
            if arrays[name].shape != shape:
                raise ModelFileError(
                    f"{path}: array {name} has shape {arrays[name].shape}, but the layer sizes "
                    f"{sizes} make it {shape}"
                )


def _model_from_payload(path, arrays: dict, metadata: dict) -> Model:
    _check_network_description(path, arrays, metadata.get("network"))
    try:
        config = dict(metadata["network"])
        config["dtype"] = np.dtype(config["dtype"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeltapropWarning)
            net = Network(**config)
    except (KeyError, TypeError, ValueError) as e:
        raise ModelFileError(f"{path}: its network description is invalid ({e})") from None
    for name, P in net.parameters():  # shapes checked above
        saved = arrays[name]
        if saved.dtype != P.dtype:
            raise ModelFileError(
                f"{path}: array {name} has dtype {saved.dtype}, but the metadata describe {P.dtype}"
            )
        if not np.isfinite(saved).all():  # training never keeps such weights: a damaged file
            raise ModelFileError(f"{path}: array {name} holds NaN or inf; the model is damaged")
        P[...] = saved
    classes = _classes(path, net, arrays.get("classes"), metadata.get("classes"))
    preprocessor = _preprocessor(path, net, arrays, metadata)
    target_scaler = _target_scaler(path, net, arrays, metadata)
    info = metadata.get("info", {})
    if not isinstance(info, dict):
        raise ModelFileError(f"{path}: its info is not a JSON object but {type(info).__name__}")
    return Model(net, classes, preprocessor, info, target_scaler)


def _named_arrays(path, arrays: dict, metadata: dict, key: str, what: str) -> tuple:
    """(the name the metadata give under ``key``, the arrays stored under ``key/`` by their
    own names); arrays that the metadata do not name are a damaged file."""
    kind = metadata.get(key)
    state = {k.split("/", 1)[1]: v for k, v in arrays.items() if k.startswith(f"{key}/")}
    if kind is None and state:
        raise ModelFileError(f"{path}: it holds {what} arrays its metadata do not name")
    return kind, state


def _target_scaler(path, net: Network, arrays: dict, metadata: dict):
    """The target scaling a file names (or None): a version 2 file's, for a regression network,
    one mean and std per output unit. Its arrays without its name (or the reverse) are a
    damaged file."""
    kind, state = _named_arrays(path, arrays, metadata, "target_scaling", "target scaling")
    if kind is None:
        return None
    version = metadata.get("format_version")
    if version < TARGET_SCALING_VERSION:
        raise ModelFileError(
            f"{path}: target scaling needs format version {TARGET_SCALING_VERSION}, but the file "
            f"says {version}; the file is damaged"
        )
    if kind not in TARGET_SCALERS:
        raise ModelFileError(f"{path}: unknown target scaling {kind!r}")
    if net.is_classifier:
        raise ModelFileError(
            f"{path}: it has a target scaling, but its {net.output} network is a classifier"
        )
    try:
        scaler = getattr(data, kind).from_state(state)
    except (KeyError, ValueError) as e:
        raise ModelFileError(f"{path}: its target scaling is invalid ({e})") from None
    if scaler.n_x != net.n_y:
        raise ModelFileError(
            f"{path}: its target scaling is for {scaler.n_x} targets, but the network has "
            f"{net.n_y} outputs"
        )
    return scaler


def _preprocessor(path, net: Network, arrays: dict, metadata: dict):
    """The fitted preprocessing a file names (or None), from its statistics, which must fit
    the network's number of features (for a TableEncoder, of inputs: its encoded width)."""
    kind, state = _named_arrays(path, arrays, metadata, "preprocessing", "preprocessing")
    if kind is None:
        return None
    if not isinstance(kind, str) or kind not in PREPROCESSORS:
        raise ModelFileError(f"{path}: unknown preprocessing {kind!r}")
    version = metadata.get("format_version")
    if kind in ENCODED and version < ENCODING_VERSION:
        raise ModelFileError(
            f"{path}: preprocessing {kind} needs format version {ENCODING_VERSION}, but the file "
            f"says {version}; the file is damaged"
        )
    try:
        preprocessor = getattr(data, kind).from_state(state)
    except (KeyError, ValueError) as e:
        raise ModelFileError(f"{path}: its preprocessing statistics are invalid ({e})") from None
    if preprocessor.n_x is not None and preprocessor.n_x != net.n_x:
        made = "makes" if kind in ENCODED else "was fitted on"
        raise ModelFileError(
            f"{path}: its preprocessing {made} {preprocessor.n_x} features, but the "
            f"network takes {net.n_x}"
        )
    return preprocessor


def _classes(path, net: Network, classes: np.ndarray | None, declared) -> np.ndarray | None:
    """The class labels a file holds, checked against the metadata's count (``declared``) and,
    for a single-label classifier, against the labels its output units tell apart."""
    if classes is None:
        if declared is not None:
            raise ModelFileError(f"{path}: the class labels disagree with the metadata")
        return None
    if classes.ndim != 1 or classes.dtype.kind not in "biufSU":
        raise ModelFileError(
            f"{path}: array classes must be 1-D, of numbers or text; it is a {classes.dtype} "
            f"array of shape {classes.shape}"
        )
    if declared is not None and len(classes) != declared:
        raise ModelFileError(f"{path}: the class labels disagree with the metadata")
    if len(np.unique(classes)) != len(classes):
        raise ModelFileError(f"{path}: the class labels repeat; each output names one class")
    if net.is_classifier and not (net.output == "sigmoid" and net.n_y > 1):
        k = 2 if net.n_y == 1 else net.n_y  # one sigmoid unit tells two classes apart
        if len(classes) != k:
            raise ModelFileError(
                f"{path}: the network tells {k} classes apart but the file holds "
                f"{len(classes)} class labels"
            )
    return classes


def save(model: Model | Network, path) -> Path:
    """Save a Model (or a bare Network) to ``path`` (.npz), atomically."""
    if isinstance(model, Network):
        model = Model(model)
    arrays, metadata = _model_payload(model)
    metadata = {"format": MODEL_FORMAT, "format_version": _version_of(metadata), **metadata}
    return write_atomic(path, arrays, metadata)


def load(path) -> Model:
    """Load a model saved by ``save``. Raises ModelFileError for anything else."""
    arrays, metadata = read(path, MODEL_FORMAT)
    return _model_from_payload(path, arrays, metadata)


# ---------------------------------------------------------------------- checkpoints


def save_checkpoint(path, model: Model, trainer, run: dict | None = None) -> Path:
    """Model + the trainer's complete state + ``run`` (the settings needed to rebuild the run)."""
    arrays, metadata = _model_payload(model)
    scalars, trainer_arrays = trainer.state_dict()
    arrays.update({f"trainer/{k}": v for k, v in trainer_arrays.items()})
    metadata = {
        "format": CHECKPOINT_FORMAT,
        "format_version": _version_of(metadata),
        **metadata,
        "trainer": scalars,
        "run": run or {},
    }
    return write_atomic(path, arrays, metadata)


def load_checkpoint(path) -> tuple[Model, dict, dict[str, np.ndarray], dict]:
    """(model, trainer scalars, trainer arrays, run settings) from ``save_checkpoint``."""
    return _checkpoint_from_payload(path, *read(path, CHECKPOINT_FORMAT))


def load_any(path) -> tuple[Model, dict]:
    """A model file or a checkpoint, whichever ``path`` holds: (model, metadata), where the
    metadata say which ("format") and in which version ("format_version"); a checkpoint's also
    hold its trainer's scalars ("trainer") and its run's settings ("run"), JSON objects both."""
    arrays, metadata = read(path, MODEL_FORMAT, CHECKPOINT_FORMAT)
    if metadata["format"] == MODEL_FORMAT:
        return _model_from_payload(path, arrays, metadata), metadata
    return _checkpoint_from_payload(path, arrays, metadata)[0], metadata


def _checkpoint_from_payload(path, arrays: dict, metadata: dict):
    trainer_arrays = {
        k[len("trainer/") :]: v for k, v in arrays.items() if k.startswith("trainer/")
    }
    model = _model_from_payload(path, arrays, metadata)
    if "trainer" not in metadata:
        raise ModelFileError(f"{path}: the checkpoint has no trainer state")
    run = metadata.get("run", {})
    for what, value in (("trainer state", metadata["trainer"]), ("run's settings", run)):
        if not isinstance(value, dict):
            raise ModelFileError(
                f"{path}: its {what} is not a JSON object but {type(value).__name__}"
            )
    return model, metadata["trainer"], trainer_arrays, run
