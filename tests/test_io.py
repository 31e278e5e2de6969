"""Model files: exact round trip, atomic writes, and a clear error for every corrupted file."""

import json
import os
import signal
import struct
import subprocess
import sys
import textwrap
import zipfile
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest

from deltaprop import io
from deltaprop.core import InputError, Network
from deltaprop.data import LabelEncoder, Standardizer
from deltaprop.io import ModelFileError
from deltaprop.model import Model


@pytest.fixture
def model():
    rng = np.random.default_rng(0)
    X_rows = rng.normal(5, 3, (40, 4))
    y = np.array(["cat", "dog", "emu", "cat"] * 10)
    scaler = Standardizer()
    scaler.fit(X_rows)
    net = Network([4, 6, 3], seed=0, dtype=np.float32)
    encoder = LabelEncoder()
    encoder.fit(y)
    return Model(net, encoder.classes_, scaler, {"data": "test"}), X_rows


def test_round_trip_is_exact(tmp_path, model):
    model, X_rows = model
    path = io.save(model, tmp_path / "m.npz")
    loaded = io.load(path)
    assert loaded.network.config() == model.network.config()
    assert list(loaded.classes) == ["cat", "dog", "emu"]
    assert loaded.info == {"data": "test"}
    np.testing.assert_array_equal(loaded.predict_proba(X_rows), model.predict_proba(X_rows))
    assert list(loaded.predict(X_rows)) == list(model.predict(X_rows))
    for (name, P), (_, Q) in zip(
        model.network.parameters(), loaded.network.parameters(), strict=True
    ):
        assert P.dtype == Q.dtype and np.array_equal(P, Q), name


def test_a_bare_network_can_be_saved(tmp_path):
    net = Network([3, 4, 2], seed=1)
    loaded = io.load(io.save(net, tmp_path / "n.npz"))
    assert all(np.array_equal(net.W[l], loaded.network.W[l]) for l in (1, 2))
    assert loaded.classes.tolist() == [0, 1]  # a classifier saved without labels: 0..K-1
    binary = io.load(io.save(Network([3, 1], output="sigmoid"), tmp_path / "s.npz"))
    assert binary.classes.tolist() == [0, 1]
    regression = io.load(io.save(Network([3, 2], output="identity"), tmp_path / "r.npz"))
    assert regression.classes is None


def test_the_model_applies_its_preprocessing_to_raw_rows(model):
    """Rows in, standardised columns out, with the statistics the model was fitted with."""
    model, X_rows = model
    expected = (X_rows - X_rows.mean(axis=0)) / X_rows.std(axis=0)
    np.testing.assert_allclose(model.columns(X_rows), expected.T, rtol=1e-5, atol=1e-5)


def test_several_sigmoid_units_have_no_class_labels_and_predict_an_indicator_per_label():
    """A multi-label network: no single class per example, so no classes; predict gives the
    0/1 indicators, one row per example."""
    net = Network([3, 4, 2], output="sigmoid", seed=0, dtype=np.float64)
    model = Model(net)
    assert model.classes is None
    X_rows = np.random.default_rng(0).normal(size=(5, 3))
    predicted = model.predict(X_rows)
    assert predicted.shape == (5, 2)
    np.testing.assert_array_equal(predicted, net.predict(X_rows.T).T)


def test_a_single_sigmoid_unit_gives_the_probability_of_the_second_class_second():
    net = Network([3, 1], output="sigmoid", seed=0, dtype=np.float64)
    model = Model(net, classes=np.array(["no", "yes"]))
    X_rows = np.random.default_rng(1).normal(size=(6, 3))
    P = model.predict_proba(X_rows)
    np.testing.assert_allclose(P[:, 1], net.predict_proba(X_rows.T)[0])
    np.testing.assert_allclose(P.sum(axis=1), 1)
    assert model.predict(X_rows).tolist() == np.where(P[:, 1] > 0.5, "yes", "no").tolist()


def test_a_regression_model_predicts_one_row_per_example():
    net = Network([3, 4, 2], output="identity", seed=0, dtype=np.float64)
    X_rows = np.random.default_rng(2).normal(size=(5, 3))
    np.testing.assert_allclose(Model(net).predict(X_rows), net.predict(X_rows.T).T)


@pytest.mark.parametrize("shape", [(4,), (2, 3), (2, 5)])
def test_examples_of_the_wrong_shape_are_refused_with_the_reason(model, shape):
    from deltaprop.core import InputError

    model, _ = model
    with pytest.raises(InputError) as error:
        model.predict(np.zeros(shape))
    expected = (
        "expected a 2-D array of examples as rows, got shape (4,)"
        if len(shape) == 1
        else f"the model was trained on 4 features; this data has {shape[1]}"
    )
    assert str(error.value) == expected


def test_loading_never_unpickles(tmp_path):
    """An .npz holding a pickled object is refused, and the pickle is never run."""
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    path = tmp_path / "evil.npz"
    np.savez(
        path,
        __metadata__=np.array(json.dumps({"format": "deltaprop-model"})),
        payload=np.array([Exploit()], dtype=object),
    )
    with pytest.raises(ModelFileError, match="unpickling"):
        io.load(path)
    assert not marker.exists()


def corrupt(tmp_path, model, how):
    path = io.save(model, tmp_path / "m.npz")
    if how == "truncated":
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2])
    elif how == "not a zip":
        path.write_text("hello")
    elif how == "empty":
        path.write_bytes(b"")
    elif how == "plain npz":
        np.savez(path, X=np.zeros(3))
    else:
        arrays = dict(np.load(path, allow_pickle=False))
        meta = json.loads(str(arrays.pop("__metadata__")))
        if how == "other format":
            meta["format"] = "something-else"
        elif how == "future version":
            meta["format_version"] = 99
        elif how == "shape mismatch":
            arrays["W[1]"] = np.zeros((5, 5), dtype=np.float32)
        elif how == "missing array":
            del arrays["b[2]"]
        elif how == "dtype mismatch":  # the metadata say float32
            arrays["W[1]"] = arrays["W[1]"].astype(np.float64)
        elif how == "nan weight":
            arrays["W[2]"][0, 0] = np.nan
        elif how == "huge layers":  # built as described, this would allocate 300 GB
            meta["network"]["sizes"] = [4, 200_000, 200_000, 3]
        elif how == "unknown preprocessing":
            meta["preprocessing"] = "LabelEncoder"  # a class of deltaprop.data, not a preprocessor
        elif how == "unnamed preprocessing":
            del meta["preprocessing"]  # its statistics stay, with nothing to say what they are
        elif how == "bad metadata":
            meta = None
        payload = "{not json" if meta is None else json.dumps(meta)
        with open(path, "wb") as f:
            np.savez(f, __metadata__=np.array(payload), **arrays)
    return path


@pytest.mark.parametrize(
    "how,message",
    [
        ("truncated", "not a deltaprop file or is truncated"),
        ("not a zip", "not a deltaprop file or is truncated"),
        ("empty", "not a deltaprop file or is truncated"),
        ("plain npz", "not a deltaprop file"),
        ("other format", "not a deltaprop model file \\(format: 'something-else'\\)"),
        ("future version", "format version 99"),
        ("shape mismatch", r"W\[1\] has shape \(5, 5\)"),
        ("missing array", r"b\[2\] is missing"),
        ("dtype mismatch", r"W\[1\] has dtype float64, but the metadata describe float32"),
        ("nan weight", r"array W\[2\] holds NaN or inf; the model is damaged"),
        ("huge layers", r"W\[1\] has shape \(.*\), but the layer sizes"),
        ("unknown preprocessing", "unknown preprocessing 'LabelEncoder'"),
        ("unnamed preprocessing", "it holds preprocessing arrays its metadata do not name"),
        ("bad metadata", "not valid JSON"),
    ],
)
def test_every_corrupted_file_gives_a_clear_error(tmp_path, model, how, message):
    path = corrupt(tmp_path, model[0], how)
    with pytest.raises(ModelFileError, match=message):
        io.load(path)


def with_member(path, name, data: bytes):
    """Rewrite the model file ``path`` with its member ``name`` replaced by ``data``."""
    with zipfile.ZipFile(path) as z:
        members = {info.filename: z.read(info) for info in z.infolist()}
    members[name] = data
    with zipfile.ZipFile(path, "w") as z:
        for member, content in members.items():
            z.writestr(member, content)
    return path


def forged_npy(header: str, values: bytes) -> bytes:
    """A .npy file (format 1.0) with the header text ``header``, then ``values``."""
    text = header.encode("latin-1")
    text += b" " * (-(len(text) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + values


@pytest.mark.parametrize(
    "shape,announced",
    [
        ((1 << 40, 4), "1099511627776 x 4 values of float32 (17592186044416 bytes)"),
        ((1 << 63,), "9223372036854775808 values of float32 (36893488147419103232 bytes)"),
    ],
)
def test_an_array_announcing_more_values_than_the_file_holds_is_refused(
    tmp_path, model, shape, announced
):
    """np.load allocates what a header announces before reading (16 TiB: MemoryError), or
    fails with numpy's ValueError, which was reported as data needing unpickling."""
    header = f"{{'descr': '<f4', 'fortran_order': False, 'shape': {shape}, }}"
    path = with_member(io.save(model[0], tmp_path / "m.npz"), "W[1].npy", forged_npy(header, b""))
    with pytest.raises(ModelFileError) as error:
        io.load(path)
    assert str(error.value) == (
        f"{path}: array 'W[1]' cannot be read (the .npy header announces {announced}, but 0 "
        "bytes follow it)"
    )


def test_a_member_that_is_not_a_npy_array_is_refused(tmp_path, model):
    """np.load returns the raw bytes of such a member; they reached the shape checks."""
    path = with_member(io.save(model[0], tmp_path / "m.npz"), "W[1].npy", b"not an array")
    with pytest.raises(
        ModelFileError, match=r"array 'W\[1\]' cannot be read \(not a \.npy array\)$"
    ):
        io.load(path)


def test_a_member_marked_encrypted_is_a_damaged_file(tmp_path, model):
    """zipfile raises RuntimeError for an encrypted member; here the flags of the central
    directory's first entry (offset 8) say so."""
    path = io.save(model[0], tmp_path / "m.npz")
    data = path.read_bytes()
    at = data.index(b"PK\x01\x02") + 8
    path.write_bytes(data[:at] + b"\x01\x00" + data[at + 2 :])
    with pytest.raises(ModelFileError) as error:
        io.load(path)
    assert str(error.value) == (
        f"{path} is not a deltaprop file or is truncated (File '__metadata__.npy' is encrypted, "
        "password required for extraction)"
    )


@pytest.mark.parametrize(
    "metadata,message",
    [
        (np.array("null"), "its metadata is not a JSON object but NoneType"),
        (np.array("[1, 2]"), "its metadata is not a JSON object but list"),
        (np.array(3.5), r"its metadata is not JSON text \(a float64 array of shape \(\)\)"),
        (np.array(["{}", "{}"]), r"its metadata is not JSON text \(a <U2 array of shape \(2,\)\)"),
        (np.array("[" * 100_000), r"its metadata is not valid JSON \(maximum recursion depth"),
        (
            np.array('{"format_version": ' + "9" * 5000 + "}"),
            r"its metadata is not valid JSON \(Exceeds the limit \(4300 digits\)",
        ),
    ],
)
def test_metadata_that_is_not_a_json_object_is_refused(tmp_path, model, metadata, message):
    """JSON other than an object (AttributeError on .get), a metadata array that is not text,
    nesting deeper than the recursion limit (RecursionError) and integers longer than Python
    converts (a ValueError that is not a JSONDecodeError) all escaped io.read."""
    buffer = BytesIO()
    np.save(buffer, metadata)
    path = with_member(io.save(model[0], tmp_path / "m.npz"), "__metadata__.npy", buffer.getvalue())
    with pytest.raises(ModelFileError, match=rf"^{path}: {message}"):
        io.load(path)


@pytest.mark.parametrize(
    "classes,message",
    [
        (np.array(0.0), r"array classes must be 1-D, .*; it is a float64 array of shape \(\)$"),
        (np.array([["cat"], ["dog"], ["emu"]]), r"it is a <U3 array of shape \(3, 1\)$"),
        (np.array([1 + 2j, 3, 4]), r"it is a complex128 array of shape \(3,\)$"),
    ],
)
def test_class_labels_that_are_not_a_list_of_numbers_or_text_are_refused(
    tmp_path, model, classes, message
):
    """0-d classes made loading fail with len()'s TypeError; (3, 1) ones loaded, and predict
    gave an array of labels per example; complex ones loaded, and evaluate refused them."""
    buffer = BytesIO()
    np.save(buffer, classes)
    path = with_member(io.save(model[0], tmp_path / "m.npz"), "classes.npy", buffer.getvalue())
    with pytest.raises(ModelFileError, match=message):
        io.load(path)


def test_class_labels_must_be_one_per_class_the_network_tells_apart(tmp_path, model):
    """With the metadata's count missing, two labels for three output units loaded, and
    predict failed on the third class (IndexError)."""
    path = io.save(model[0], tmp_path / "m.npz")
    arrays = dict(np.load(path, allow_pickle=False))
    meta = json.loads(str(arrays.pop("__metadata__")))
    meta["classes"] = None
    arrays["classes"] = np.array(["cat", "dog"])
    with open(path, "wb") as f:
        np.savez(f, __metadata__=np.array(json.dumps(meta)), **arrays)
    with pytest.raises(ModelFileError) as error:
        io.load(path)
    assert str(error.value) == (
        f"{path}: the network tells 3 classes apart but the file holds 2 class labels"
    )
    binary = io.save(Model(Network([3, 1], output="sigmoid"), np.array(["no", "yes"])), path)
    assert io.load(binary).classes.tolist() == ["no", "yes"]  # one sigmoid unit: two classes


def test_class_labels_that_repeat_are_refused(tmp_path):
    with pytest.raises(InputError, match=r"distinct, one per class; got \['cat', 'dog', 'cat'\]"):
        Model(Network([3, 3]), np.array(["cat", "dog", "cat"]))  # so never saved
    path = io.save(Model(Network([3, 3]), np.array(["cat", "dog", "cow"])), tmp_path / "m.npz")
    arrays = dict(np.load(path, allow_pickle=False))
    arrays["classes"] = np.array(["cat", "dog", "cat"])  # a file made otherwise
    np.savez(path, **arrays)
    with pytest.raises(ModelFileError, match="the class labels repeat; each output names one"):
        io.load(path)


def test_preprocessing_fitted_on_another_number_of_features_is_refused(tmp_path, model):
    """Statistics of 2 features for a network of 4 loaded, and predict then failed with the
    Standardizer's DataError."""
    path = io.save(model[0], tmp_path / "m.npz")
    for name, values in (("mean", [0.0, 1.0]), ("std", [1.0, 2.0])):
        buffer = BytesIO()
        np.save(buffer, np.array(values))
        with_member(path, f"preprocessing/{name}.npy", buffer.getvalue())
    with pytest.raises(ModelFileError) as error:
        io.load(path)
    assert str(error.value) == (
        f"{path}: its preprocessing was fitted on 2 features, but the network takes 4"
    )


@pytest.mark.parametrize("info,kind", [(None, "NoneType"), (["data", "iris"], "list")])
def test_info_that_is_not_a_json_object_is_refused(tmp_path, model, info, kind):
    """Model.info is a dict: evaluate and plot call its .get (AttributeError)."""
    path = io.save(model[0], tmp_path / "m.npz")
    arrays = dict(np.load(path, allow_pickle=False))
    meta = json.loads(str(arrays.pop("__metadata__")))
    meta["info"] = info
    with open(path, "wb") as f:
        np.savez(f, __metadata__=np.array(json.dumps(meta)), **arrays)
    with pytest.raises(ModelFileError) as error:
        io.load(path)
    assert str(error.value) == f"{path}: its info is not a JSON object but {kind}"


def test_a_file_cannot_make_loading_import_a_module(tmp_path, model, monkeypatch):
    """Network(xp=...) imports the library it is given; a model file must not be able to name
    one, or opening a file beside a planted module would run that module."""
    planted = tmp_path / "planted_by_a_model_file.py"
    planted.write_text("open(__file__ + '.ran', 'w').close()\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    path = io.save(model[0], tmp_path / "m.npz")
    arrays = dict(np.load(path, allow_pickle=False))
    meta = json.loads(str(arrays.pop("__metadata__")))
    meta["network"]["xp"] = planted.stem
    with open(path, "wb") as f:
        np.savez(f, __metadata__=np.array(json.dumps(meta)), **arrays)
    with pytest.raises(ModelFileError, match=r"unknown field\(s\) in its network description"):
        io.load(path)
    assert not Path(f"{planted}.ran").exists()


def test_a_checkpoint_every_2_epochs_is_written_at_the_even_epochs(tmp_path, model):
    from deltaprop.training import Trainer
    from deltaprop.training.checkpoint import Checkpoint

    m, X_rows = model
    path = tmp_path / "run.ckpt.npz"
    callback = Checkpoint(path, m, every=2)
    y = np.arange(len(X_rows)) % 3
    Trainer(m.network, epochs=3, callbacks=[callback]).fit(m.columns(X_rows), y)
    _, scalars, _, _ = io.load_checkpoint(path)
    assert scalars["epoch"] == 2  # written after epoch 2, not after epochs 1 and 3


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("trainer", None, "its trainer state is not a JSON object but NoneType"),
        ("run", ["data", "iris"], "its run's settings is not a JSON object but list"),
    ],
)
def test_a_checkpoint_whose_state_or_settings_are_not_objects_is_refused(
    tmp_path, model, key, value, message
):
    """load_checkpoint returned them as they were; resuming then failed with TypeError or
    AttributeError."""
    from deltaprop.training import Trainer

    m, X_rows = model
    trainer = Trainer(m.network, epochs=1)
    trainer.fit(m.columns(X_rows), np.arange(len(X_rows)) % 3)
    path = io.save_checkpoint(tmp_path / "c.npz", m, trainer, {"seed": 0})
    arrays = dict(np.load(path, allow_pickle=False))
    meta = json.loads(str(arrays.pop("__metadata__")))
    meta[key] = value
    with open(path, "wb") as f:
        np.savez(f, __metadata__=np.array(json.dumps(meta)), **arrays)
    with pytest.raises(ModelFileError) as error:
        io.load_checkpoint(path)
    assert str(error.value) == f"{path}: {message}"


def test_a_negative_checkpoint_interval_is_refused(tmp_path, model):
    from deltaprop.training.checkpoint import Checkpoint

    with pytest.raises(ValueError, match="must be >= 0 epochs"):
        Checkpoint(tmp_path / "run.ckpt.npz", model[0], every=-1)


def test_a_checkpoint_every_0_epochs_is_written_only_on_interruption(tmp_path, model):
    from deltaprop.training import Trainer
    from deltaprop.training.checkpoint import Checkpoint

    m, X_rows = model
    path = tmp_path / "run.ckpt.npz"
    y = np.arange(len(X_rows)) % 3
    Trainer(m.network, epochs=2, callbacks=[Checkpoint(path, m, every=0)]).fit(m.columns(X_rows), y)
    assert not path.exists()


def test_missing_file(tmp_path):
    with pytest.raises(ModelFileError, match="no such file"):
        io.load(tmp_path / "nothing.npz")


def test_a_failed_save_leaves_the_old_file_and_no_temporary(tmp_path, model, monkeypatch):
    model, X_rows = model
    path = io.save(model, tmp_path / "m.npz")
    before = path.read_bytes()

    def exploding_savez(f, **arrays):
        f.write(b"partial garbage")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", exploding_savez)
    with pytest.raises(KeyboardInterrupt):
        io.save(model, path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


def test_killing_a_process_during_save_leaves_the_old_file_valid(tmp_path, model):
    """SIGKILL a process in the middle of writing a big model: the old model still loads."""
    model, X_rows = model
    path = io.save(model, tmp_path / "m.npz")
    expected = model.predict_proba(X_rows)
    script = textwrap.dedent(f"""
        import sys, numpy as np
        from deltaprop import io
        from deltaprop.core import Network
        real_savez = np.savez
        def slow_savez(f, **arrays):
            f.write(b"x" * 1000)
            f.flush()
            print("writing", flush=True)
            import time; time.sleep(60)
        np.savez = slow_savez
        io.save(Network([1000, 1000, 10], seed=0), {str(path)!r})
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "writing"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    np.testing.assert_array_equal(io.load(path).predict_proba(X_rows), expected)


def test_object_arrays_are_never_written(tmp_path):
    with pytest.raises(TypeError, match="pickle"):
        io.write_atomic(tmp_path / "x.npz", {"a": np.array([object()])}, {})


def test_the_file_is_a_plain_zip_of_npy_arrays(tmp_path, model):
    path = io.save(model[0], tmp_path / "m.npz")
    with zipfile.ZipFile(path) as z:
        names = sorted(z.namelist())
    assert "__metadata__.npy" in names and "W[1].npy" in names and "classes.npy" in names
    assert "preprocessing/mean.npy" in names or any(n.startswith("preprocessing/") for n in names)


def test_a_new_file_gets_the_modes_open_would_give(tmp_path, model):
    """mkstemp makes 0600 files; a saved model is readable as any new file is (umask)."""
    old = os.umask(0o022)
    try:
        path = io.save(model[0], tmp_path / "m.npz")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o644


def test_replacing_a_file_keeps_its_mode(tmp_path, model):
    path = tmp_path / "m.npz"
    path.write_bytes(b"old")
    path.chmod(0o640)
    io.save(model[0], path)
    assert path.stat().st_mode & 0o777 == 0o640
    io.write_text_atomic(path, "text")
    assert path.stat().st_mode & 0o777 == 0o640


def test_a_write_error_names_the_file_not_the_temporary(tmp_path, model, monkeypatch):
    def refused(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / ".m.npz.x1y2.tmp"))

    monkeypatch.setattr(io.tempfile, "mkstemp", refused)
    with pytest.raises(OSError) as error:
        io.save(model[0], tmp_path / "m.npz")
    assert str(error.value) == f"cannot write {tmp_path / 'm.npz'}: Permission denied"


def test_a_failed_write_names_the_file_not_the_temporary(tmp_path, model, monkeypatch):
    def full(f, **arrays):
        raise OSError(28, "No space left on device", f.name)

    monkeypatch.setattr(np, "savez", full)
    with pytest.raises(OSError) as error:
        io.save(model[0], tmp_path / "m.npz")
    assert str(error.value) == f"cannot write {tmp_path / 'm.npz'}: No space left on device"
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------------------------------- target scaling


@pytest.fixture
def regression_model():
    """A regression Model whose network outputs the target standardized (mean 150, std 40)."""
    rng = np.random.default_rng(1)
    X_rows = rng.normal(0, 1, (30, 4))
    y = 150 + 40 * rng.normal(size=30)
    features, target = Standardizer().fit(X_rows), Standardizer().fit(y.reshape(-1, 1))
    net = Network([4, 5, 1], output="identity", seed=0, dtype=np.float64)
    return Model(net, None, features, {"data": "test"}, target), X_rows


def metadata_of(path) -> dict:
    return json.loads(str(np.load(path, allow_pickle=False)["__metadata__"]))


def test_a_target_scaling_round_trips_and_predictions_are_in_the_targets_units(
    tmp_path, regression_model
):
    m, X_rows = regression_model
    path = io.save(m, tmp_path / "r.npz")
    assert metadata_of(path)["format_version"] == 2
    loaded = io.load(path)
    scaled = loaded.network.predict(loaded.columns(X_rows)).T  # (m, 1), standardized units
    target = m.target_scaler
    expected = scaled * target.std + target.mean
    np.testing.assert_array_equal(loaded.target_scaler.mean, target.mean)
    np.testing.assert_allclose(loaded.predict(X_rows), expected, rtol=1e-12)
    np.testing.assert_allclose(loaded.predict(X_rows), m.predict(X_rows), rtol=1e-12)
    assert abs(np.mean(expected) - 150) < 3 * 40  # original units, not around 0


def test_a_file_without_target_scaling_is_written_as_version_1_and_old_files_load(tmp_path, model):
    """So that a deltaprop that reads version 1 only still reads every classifier."""
    path = io.save(model[0], tmp_path / "c.npz")
    assert metadata_of(path)["format_version"] == 1
    assert io.load(path).target_scaler is None


def test_a_reader_of_version_1_only_refuses_a_file_with_target_scaling(
    tmp_path, regression_model, monkeypatch
):
    path = io.save(regression_model[0], tmp_path / "r.npz")
    monkeypatch.setattr(io, "READ_VERSIONS", (1,))
    with pytest.raises(ModelFileError, match="format version 2; this deltaprop reads versions 1$"):
        io.load(path)


def rewritten(path, change) -> Path:
    """``path`` rewritten after ``change(arrays, metadata)``."""
    arrays = dict(np.load(path, allow_pickle=False))
    meta = json.loads(str(arrays.pop("__metadata__")))
    change(arrays, meta)
    with open(path, "wb") as f:
        np.savez(f, __metadata__=np.array(json.dumps(meta)), **arrays)
    return path


def _set(key, value):
    def change(arrays, meta):
        arrays[key] = value

    return change


def _drop(key):
    def change(arrays, meta):
        (meta if key in meta else arrays).pop(key)

    return change


def _meta(key, value):
    def change(arrays, meta):
        meta[key] = value

    return change


def _classifier(arrays, meta):
    meta["network"]["output"] = "sigmoid"
    meta["network"]["loss"] = "binary_cross_entropy"


@pytest.mark.parametrize(
    "change,message",
    [
        (_set("target_scaling/std", np.array([0.0])), "its target scaling is invalid"),
        (_set("target_scaling/mean", np.array([np.nan])), "its target scaling is invalid"),
        (_drop("target_scaling/std"), "its target scaling is invalid"),
        (_set("target_scaling/mean", np.ones(2)), "its target scaling is invalid"),
        (_drop("target_scaling"), "target scaling arrays its metadata do not name"),
        (_meta("format_version", 1), "target scaling needs format version 2, but the file says 1"),
        (_meta("target_scaling", "PixelScaler"), "unknown target scaling 'PixelScaler'"),
        (_classifier, "it has a target scaling, but its sigmoid network is a classifier"),
    ],
)
def test_a_damaged_target_scaling_is_a_one_line_model_file_error(
    tmp_path, regression_model, change, message
):
    path = rewritten(io.save(regression_model[0], tmp_path / "r.npz"), change)
    with pytest.raises(ModelFileError, match=message) as error:
        io.load(path)
    assert len(str(error.value).splitlines()) == 1


def test_a_target_scaling_for_another_number_of_outputs_is_refused(tmp_path, regression_model):
    def two_targets(arrays, meta):
        arrays["target_scaling/mean"], arrays["target_scaling/std"] = np.ones(2), np.ones(2)

    path = rewritten(io.save(regression_model[0], tmp_path / "r.npz"), two_targets)
    with pytest.raises(ModelFileError, match="scaling is for 2 targets, but the network has 1"):
        io.load(path)


def test_a_checkpoint_carries_the_target_scaling(tmp_path, regression_model):
    from deltaprop.training import Trainer

    m, X_rows = regression_model
    trainer = Trainer(m.network, epochs=1)
    trainer.fit(m.columns(X_rows), np.zeros(len(X_rows)))
    path = io.save_checkpoint(tmp_path / "c.npz", m, trainer, {"seed": 0})
    assert metadata_of(path)["format_version"] == 2
    loaded = io.load_checkpoint(path)[0]
    np.testing.assert_array_equal(loaded.target_scaler.std, m.target_scaler.std)


def test_a_model_refuses_a_target_scaling_it_cannot_undo(regression_model):
    m, _ = regression_model
    with pytest.raises(InputError, match="fitted on 1 targets, but the network has 2 outputs"):
        Model(Network([4, 2], output="identity"), target_scaler=m.target_scaler)
    with pytest.raises(InputError, match="class scores"):
        Model(Network([4, 3]), target_scaler=m.target_scaler)
