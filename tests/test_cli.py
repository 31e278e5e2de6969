"""The command line as a user meets it: real subprocesses, exit codes, one-line errors."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from deltaprop import io

CLI = [sys.executable, "-m", "deltaprop"]


def run(*args, cwd=None, timeout=300):
    return subprocess.run(
        [*CLI, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=timeout
    )


def test_main_job_reaches_097_on_digits(tmp_path):
    started = time.perf_counter()
    result = run("train", cwd=tmp_path)
    elapsed = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stdout.splitlines() if x.startswith("test accuracy:"))
    accuracy = float(line.split()[2])
    assert accuracy >= 0.97, result.stdout
    assert "digits" in result.stdout
    assert elapsed < 60


def test_train_json_evaluate_and_predict(tmp_path):
    model = tmp_path / "moons.npz"
    result = run(
        "train",
        "--data",
        "moons",
        "--hidden",
        "16",
        "16",
        "--epochs",
        "60",
        "--out",
        model,
        "--json",
        "--quiet",
    )
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["test_accuracy"] > 0.95 and metrics["model"] == str(model)

    evaluated = run("evaluate", model, "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    report = json.loads(evaluated.stdout)
    assert report["accuracy"] == pytest.approx(metrics["test_accuracy"])
    assert np.array(report["confusion_matrix"]).sum() == report["examples"]

    text = run("evaluate", model).stdout
    assert "precision" in text and "confusion matrix" in text

    csv = tmp_path / "new.csv"
    csv.write_text("x1,x2\n0.0,1.0\n1.0,-0.5\n2.0,0.5\n")
    predicted = run("predict", model, csv)
    assert predicted.returncode == 0, predicted.stderr
    lines = predicted.stdout.strip().splitlines()
    assert lines[0] == "prediction,p_0,p_1" and len(lines) == 4
    assert [int(r.split(",")[0]) for r in lines[1:]] == [0, 1, 1]


def one_line_error(result):
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.mark.parametrize(
    "args,message",
    [
        (["train", "--data", "no/such/file.csv"], "no file or directory of that name"),
        (["train", "--data", "nonsense"], "nonsense"),
        (["train", "--hidden", "0"], "positive integer"),
        (["train", "--activation", "relux", "--quiet"], "unknown hidden activation 'relux'"),
        (["train", "--optimizer", "adagrad", "--quiet"], "unknown optimizer 'adagrad'"),
        (["train", "--schedule", "sometimes", "--quiet"], "unknown schedule"),
        (["train", "--lr", "-1", "--quiet"], "learning rate must be a positive"),
        (["train", "--validation", "1.5"], "fraction"),
        (["train", "--resume", "missing.npz"], "no such file"),
        (["evaluate", "missing.npz"], "no such file"),
        (["plot", "missing.json"], "no such file: missing.json"),
        (["predict", "missing.npz", "new.csv"], "no such file: missing.npz"),
        (["train", "--out", "."], "--out . is a folder"),
        (["train", "--checkpoint", "."], "--checkpoint . is a folder"),
        (["predict", "missing.npz", "new.csv", "--out", "."], "--out . is a folder"),
        (["train", "--hidden", "1000000000000", "--epochs", "1"], "not enough memory"),
        (
            ["train", "--data", "iris", "--sample-weight", "2"],
            "--sample-weight applies to CSV files; iris is a bundled data set",
        ),
        (
            ["train", "--data", "moons", "--label", "species"],
            "--label applies to CSV files; moons is a synthetic data set",
        ),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line(tmp_path, args, message):
    assert message in one_line_error(run(*args, cwd=tmp_path))


def test_bad_files_exit_2(tmp_path):
    single = tmp_path / "single.csv"
    single.write_text("a,b,label\n1,2,x\n3,4,x\n5,6,x\n")
    assert "one class" in one_line_error(run("train", "--data", single))
    ragged = tmp_path / "ragged.csv"
    ragged.write_text("a,b,label\n1,2,x\n3,y\n")
    assert "line 3" in one_line_error(run("train", "--data", ragged))
    not_a_model = tmp_path / "model.npz"
    not_a_model.write_text("hello")
    assert "not a deltaprop file" in one_line_error(run("evaluate", not_a_model))


def test_predict_with_the_wrong_feature_count_exits_2(tmp_path):
    model = tmp_path / "m.npz"
    assert (
        run("train", "--data", "iris", "--epochs", "2", "--out", model, "--quiet").returncode == 0
    )
    wrong = tmp_path / "wrong.csv"
    wrong.write_text("1,2\n3,4\n")
    assert "4 features" in one_line_error(run("predict", model, wrong))


# --------------------------------------------------------------------------- interrupt and resume

TRAIN = ["train", "--hidden", "32", "--epochs", "200", "--batch-size", "16", "--seed", "3"]


def wait_for_line(proc, prefix, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if line.startswith(prefix):
            return line
        if not line and proc.poll() is not None:
            break
    raise AssertionError(f"no line starting with {prefix!r}")


@pytest.mark.parametrize("signum,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_and_resume_equals_an_uninterrupted_run(tmp_path, signum, code):
    full = tmp_path / "full.npz"
    assert run(*TRAIN, "--out", full, "--quiet").returncode == 0

    checkpoint, resumed = tmp_path / "ckpt.npz", tmp_path / "resumed.npz"
    proc = subprocess.Popen(
        [*CLI, *TRAIN, "--out", resumed, "--checkpoint", checkpoint],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    wait_for_line(proc, "epoch")  # training is under way
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == code, err
    assert f"--resume {checkpoint}" in err and "Traceback" not in err
    assert checkpoint.exists() and not resumed.exists()

    result = run("train", "--resume", checkpoint, "--quiet")
    assert result.returncode == 0, result.stderr
    a, b = io.load(full).network, io.load(resumed).network
    for (name, P), (_, Q) in zip(a.parameters(), b.parameters(), strict=True):
        assert np.array_equal(P, Q), name


# --------------------------------------------------------------------------- data files end to end


def write_idx(path, array):
    """An IDX file as MNIST ships it: magic (0, 0, type 0x08 = uint8, ndim), big-endian sizes."""
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(n).to_bytes(4, "big") for n in array.shape
    )
    path.write_bytes(header + array.astype(np.uint8).tobytes())


def test_train_on_an_mnist_folder(tmp_path):
    """A folder laid out like MNIST (train + t10k IDX files) trains directly, pixels scaled."""
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 400)
    images = rng.integers(0, 60, (400, 12, 12))
    for k in range(3):  # each class lights up its own band of rows
        images[labels == k, 4 * k : 4 * k + 4, :] += 180
    write_idx(tmp_path / "train-images-idx3-ubyte", images[:300])
    write_idx(tmp_path / "train-labels-idx1-ubyte", labels[:300])
    write_idx(tmp_path / "t10k-images-idx3-ubyte", images[300:])
    write_idx(tmp_path / "t10k-labels-idx1-ubyte", labels[300:])
    model = tmp_path / "mnist.npz"
    result = run("train", "--data", tmp_path, "--epochs", "5", "--quiet", "--out", model)
    assert result.returncode == 0, result.stderr
    assert "test accuracy: 1.0000 (100 examples)" in result.stdout
    assert type(io.load(model).preprocessor).__name__ == "PixelScaler"


def test_train_on_a_csv_with_string_labels(tmp_path):
    rng = np.random.default_rng(1)
    rows = ["length;width;species"]
    for i in range(150):
        species = ["setosa", "versicolor", "virginica"][i % 3]
        rows.append(f"{rng.normal(i % 3 * 3, 0.5):.3f};{rng.normal(1, 0.2):.3f};{species}")
    csv = tmp_path / "flowers.csv"
    csv.write_text("\n".join(rows) + "\n")
    model = tmp_path / "flowers.npz"
    result = run(
        "train", "--data", csv, "--label", "species", "--epochs", "30", "--quiet", "--out", model
    )
    assert result.returncode == 0, result.stderr
    assert list(io.load(model).classes) == ["setosa", "versicolor", "virginica"]
    new = tmp_path / "new.csv"
    new.write_text("0.1;1.0\n6.2;0.9\n")
    lines = run("predict", model, new).stdout.splitlines()
    assert lines[0] == "prediction,p_setosa,p_versicolor,p_virginica"
    assert [r.split(",")[0] for r in lines[1:]] == ["setosa", "virginica"]


def test_weights_and_dropout_from_the_command_line(tmp_path):
    rng = np.random.default_rng(2)
    rows = ["u,v,importance,label"]
    for _ in range(200):
        label = int(rng.random() < 0.1)
        rows.append(f"{rng.normal(label * 2, 1):.3f},{rng.normal(0, 1):.3f},{1 + label},{label}")
    csv = tmp_path / "weighted.csv"
    csv.write_text("\n".join(rows) + "\n")
    for extra in (
        ["--sample-weight", "importance"],
        ["--class-weight", "balanced"],
        ["--dropout", "0.2"],
    ):
        result = run("train", "--data", csv, "--epochs", "5", "--quiet", "--json", *extra)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["train_examples"] == 135
    bad = run("train", "--data", csv, "--sample-weight", "nope", "--quiet")
    assert "no column named 'nope'" in one_line_error(bad)


def test_plots_after_training_and_from_a_model_file(tmp_path):
    pytest.importorskip("matplotlib")
    model, figures = tmp_path / "moons.npz", tmp_path / "figures"
    figures.mkdir()
    result = run(
        "train", "--data", "moons", "--epochs", "5", "--quiet", "--out", model, "--plots", figures
    )
    assert result.returncode == 0, result.stderr
    names = {p.name for p in figures.iterdir()}
    assert {"learning_curves.png", "decision_boundary.png", "confusion_matrix.png"} <= names
    again = run("plot", model, "--out", tmp_path / "again", "--format", "pdf")
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "again" / "learning_curves.pdf").stat().st_size > 1000


def test_output_folder_is_checked_before_training(tmp_path):
    message = one_line_error(run("train", "--out", tmp_path / "missing" / "m.npz"))
    assert "does not exist" in message


def test_output_paths_of_the_wrong_kind_are_refused_before_any_work(tmp_path):
    a_file = tmp_path / "file"
    a_file.write_text("")
    message = one_line_error(run("train", "--plots", a_file))
    assert message == f"deltaprop: error: --plots {a_file} is a file; give a folder for the figures"
    assert "is a file" in one_line_error(run("plot", "missing.npz", "--out", a_file))


def test_a_closed_pipe_ends_the_command_quietly(tmp_path):
    """As under ``| head -1``: the reader has gone (here before the first line, so that every
    write meets a closed pipe, however fast the command is)."""
    for args in (["trace", "--values"], ["train", "--data", "iris", "--epochs", "3"]):
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            result = subprocess.run(
                [*CLI, *args], stdout=write_end, stderr=subprocess.PIPE, text=True, cwd=tmp_path
            )
        finally:
            os.close(write_end)
        assert result.returncode == 141, result.stderr
        assert result.stderr == ""


def test_warnings_are_one_plain_line_and_a_relu_output_is_blamed(tmp_path):
    traced = run("trace", "--output", "relu")
    assert traced.returncode == 0
    assert traced.stderr.startswith("deltaprop: warning: ReLU on the output layer")
    assert len(traced.stderr.splitlines()) == 1, traced.stderr
    result = run("train", "--data", "iris", "--output", "relu", "--quiet", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert all(line.startswith("deltaprop: ") for line in lines), result.stderr
    assert "relu output is not a probability" in lines[-1]
    assert "learning rate" not in lines[-1]


# --------------------------------------------------------------------------- resume settings

IRIS = ["train", "--data", "iris", "--hidden", "8", "--lr", "0.01", "--seed", "3", "--quiet"]


def test_resume_refuses_changed_settings_and_takes_new_outputs(tmp_path):
    checkpoint, first = tmp_path / "ck.npz", tmp_path / "first.npz"
    assert run(*IRIS, "--epochs", "3", "--checkpoint", checkpoint, "--out", first).returncode == 0
    changed = one_line_error(run("train", "--resume", checkpoint, "--lr", "0.1"))
    assert changed == (
        "deltaprop: error: --resume continues the saved run; --lr cannot be changed (saved: 0.01)"
    )
    assert "--hidden cannot be changed (saved: 8)" in one_line_error(
        run("train", "--resume", checkpoint, "--hidden", "4", "--seed", "3")
    )
    # the run is finished: resuming it says so, and rewrites nothing
    before = first.stat().st_mtime_ns
    done = run("train", "--resume", checkpoint, "--seed", "3", "--optimizer", "adam")
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() == (
        f"deltaprop: {checkpoint}: the run is finished (epoch 3 of 3); to train longer, give "
        "--epochs N with N > 3"
    )
    assert first.stat().st_mtime_ns == before
    # --epochs trains it longer, into a new --out: the same network as 5 epochs at once
    longer, direct = tmp_path / "longer.npz", tmp_path / "direct.npz"
    result = run("train", "--resume", checkpoint, "--epochs", "5", "--out", longer, "--quiet")
    assert result.returncode == 0, result.stderr
    assert first.stat().st_mtime_ns == before
    assert run(*IRIS, "--epochs", "5", "--out", direct).returncode == 0
    a, b = io.load(direct).network, io.load(longer).network
    for (name, P), (_, Q) in zip(a.parameters(), b.parameters(), strict=True):
        assert np.array_equal(P, Q), name
    assert "epoch 5 of 5" in run("train", "--resume", checkpoint).stderr


def test_a_model_of_a_relative_csv_path_is_evaluated_from_anywhere(tmp_path):
    (tmp_path / "a").mkdir()
    rows = ["u,v,label"] + [f"{i % 2 * 3 + i % 5 * 0.1},{i % 7},{i % 2}" for i in range(80)]
    (tmp_path / "a" / "my.csv").write_text("\n".join(rows) + "\n")
    trained = run(
        "train", "--data", "my.csv", "--epochs", "2", "--out", "m.npz", cwd=tmp_path / "a"
    )
    assert trained.returncode == 0, trained.stderr
    evaluated = run("evaluate", tmp_path / "a" / "m.npz", cwd=tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr
    (tmp_path / "a" / "my.csv").unlink()
    assert one_line_error(run("evaluate", tmp_path / "a" / "m.npz", cwd=tmp_path)) == (
        "deltaprop: error: the data file the model was trained on, "
        f"{tmp_path / 'a' / 'my.csv'}, is not there; pass --data"
    )


def test_a_split_that_leaves_a_part_empty_names_the_cause(tmp_path):
    rng = np.random.default_rng(0)
    continuous = tmp_path / "reg.csv"
    continuous.write_text(
        "a,b,y\n"
        + "".join(f"{rng.normal():.3f},{rng.normal():.3f},{rng.normal():.5f}\n" for _ in range(100))
    )
    assert one_line_error(run("train", "--data", continuous)) == (
        "deltaprop: error: the label column has 100 distinct values for 100 rows: is it a "
        "continuous target? deltaprop train classifies"
    )
    three = tmp_path / "three.csv"
    three.write_text("1,2,0\n3,4,1\n5,6,0\n")
    assert "--validation 0.1 leaves no examples for validation: 2 training examples" in (
        one_line_error(run("train", "--data", three))
    )
    assert "(after --test 0.99) are too few" in one_line_error(
        run("train", "--data", "iris", "--test", "0.99")
    )
    assert one_line_error(run("train", "--data", "iris", "--test", "0")) == (
        "deltaprop: error: --test 0 leaves no examples for testing; give a fraction above 0"
    )


def test_init_chooses_the_initial_weights(tmp_path):
    model = tmp_path / "m.npz"
    args = ["train", "--data", "iris", "--epochs", "1", "--quiet", "--out", model]
    assert run(*args, "--init", "glorot").returncode == 0
    assert io.load(model).network.init == "glorot"
    assert "invalid choice: 'xavier'" in one_line_error(run(*args, "--init", "xavier"))


def test_plot_says_which_figures_it_skips(tmp_path):
    pytest.importorskip("matplotlib")
    model = tmp_path / "iris.npz"
    assert (
        run("train", "--data", "iris", "--epochs", "1", "--quiet", "--out", model).returncode == 0
    )
    result = run("plot", model, "--out", tmp_path / "figures")
    assert result.returncode == 0, result.stderr
    assert result.stderr == (
        "deltaprop: decision_boundary not drawn: the data have 4 features; a boundary is drawn "
        "in a plane of 2\n"
    )


def test_predict_reads_standard_input(tmp_path):
    model = tmp_path / "iris.npz"
    assert (
        run("train", "--data", "iris", "--epochs", "1", "--quiet", "--out", model).returncode == 0
    )
    rows = "a,b,c,d\n5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n"
    from_file = tmp_path / "new.csv"
    from_file.write_text(rows)
    expected = run("predict", model, from_file).stdout
    for source in ("-", "/dev/stdin"):
        result = subprocess.run(
            [*CLI, "predict", str(model), source], input=rows, capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout == expected and len(expected.splitlines()) == 3
    empty = subprocess.run(
        [*CLI, "predict", str(model), "-"], input="", capture_output=True, text=True
    )
    assert "standard input: the file is empty" in one_line_error(empty)
