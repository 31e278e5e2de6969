"""The command line as a user meets it: real subprocesses, exit codes, one-line errors."""

import json
import os
import re
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from deltaprop import io

CLI = [sys.executable, "-m", "deltaprop"]


def run(*args, cwd=None, timeout=300, input=None):
    return subprocess.run(
        [*CLI, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=timeout,
        input=input,
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
        (["train", "--lr", "-1", "--quiet"], "argument --lr: expected a positive number"),
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


def test_train_without_options_has_the_documented_defaults():
    """The defaults that --help and the README promise (a change of one is a change for every
    user who relies on it)."""
    from deltaprop.cli.parser import build_parser

    args = build_parser().parse_args(["train"])
    assert args.data == "digits" and args.hidden == [128, 64]
    assert (args.activation, args.output, args.optimizer) == ("relu", "softmax", "adam")
    assert (args.epochs, args.batch_size, args.l2) == (40, 32, 0.1)
    assert (args.test, args.validation, args.dropout, args.seed) == (0.25, 0.1, 0.0, 0)
    assert args.lr is None and args.init is None and args.schedule == "constant"


@pytest.mark.parametrize(
    "args,message",
    [
        (["train", "--validation", "1"], "expected a fraction in [0, 1), got '1'"),
        (["train", "--test", "1"], "expected a fraction in [0, 1), got '1'"),
        (["train", "--dropout", "-0.1"], "expected a fraction in [0, 1), got '-0.1'"),
        (["train", "--epochs", "0"], "expected a positive integer, got '0'"),
        (["train", "--batch-size", "0"], "expected a positive integer, got '0'"),
        (["trace", "--m", "0"], "expected a positive integer, got '0'"),
        (["train", "--mpi-timeout", "0"], "expected a positive number, got '0'"),
        (["train", "--mpi-timeout", "inf"], "expected a positive number, got 'inf'"),
        (["train", "--lr", "-1"], "argument --lr: expected a positive number, got '-1'"),
        (["train", "--lr", "nan"], "expected a positive number, got 'nan'"),
        (["train", "--l2", "-0.5"], "argument --l2: expected a non-negative number, got '-0.5'"),
        (["train", "--clip-norm", "0"], "expected a positive number, got '0'"),
        (["train", "--min-delta", "-1"], "expected a non-negative number, got '-1'"),
        (["train", "--seed", "-1"], "argument --seed: expected a non-negative integer, got '-1'"),
        (["train", "--seed", "1.5"], "expected a non-negative integer, got '1.5'"),
        (["train", "--checkpoint-every", "-1"], "expected a non-negative integer, got '-1'"),
        (["gradcheck", "--l2", "x"], "expected a non-negative number, got 'x'"),
        (["trace", "--seed", "-2"], "expected a non-negative integer, got '-2'"),
    ],
)
def test_numbers_out_of_their_range_are_refused_by_the_parser(capsys, args, message):
    """Refused while parsing (exit 2, one line), before any data are loaded."""
    from deltaprop.cli import main

    assert main(args) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and message in err, err


def test_running_out_of_memory_names_the_layers_to_shrink(tmp_path):
    message = one_line_error(
        run("train", "--hidden", "1000000000000", "--epochs", "1", cwd=tmp_path)
    )
    assert "(--hidden 1000000000000: smaller layers or a smaller --batch-size need less)" in message


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


def interrupted(*argv, signum=signal.SIGINT) -> tuple[int, str]:
    """Run ``deltaprop *argv`` and send it ``signum`` once its progress shows an epoch done:
    (exit code, standard error)."""
    proc = subprocess.Popen(
        [*CLI, *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    wait_for_line(proc, "epoch")  # training is under way
    proc.send_signal(signum)
    _, err = proc.communicate(timeout=60)
    return proc.returncode, err


@pytest.mark.parametrize("signum,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_interrupt_and_resume_equals_an_uninterrupted_run(tmp_path, signum, code):
    full = tmp_path / "full.npz"
    assert run(*TRAIN, "--out", full, "--quiet").returncode == 0

    checkpoint, resumed = tmp_path / "ckpt.npz", tmp_path / "resumed.npz"
    returncode, err = interrupted(
        *TRAIN, "--out", resumed, "--checkpoint", checkpoint, signum=signum
    )
    assert returncode == code, err
    assert f"--resume {checkpoint}" in err and "Traceback" not in err
    assert checkpoint.exists() and not resumed.exists()

    result = run("train", "--resume", checkpoint, "--quiet")
    assert result.returncode == 0, result.stderr
    a, b = io.load(full).network, io.load(resumed).network
    for (name, P), (_, Q) in zip(a.parameters(), b.parameters(), strict=True):
        assert np.array_equal(P, Q), name


def test_a_run_stopped_inside_an_epoch_cannot_resume_to_fewer_epochs(tmp_path):
    """It ran no step and saved the weights from the middle of the epoch, with exit code 0."""
    checkpoint, out = tmp_path / "ckpt.npz", tmp_path / "m.npz"
    for _ in range(3):  # a signal at an epoch's last step stops between epochs: try again
        interrupted(*TRAIN, "--checkpoint", checkpoint)
        trainer = json.loads(str(np.load(checkpoint)["__metadata__"]))["trainer"]
        if trainer["batch"]:
            break
    epoch = trainer["epoch"]
    assert epoch >= 1 and trainer["batch"] > 0, trainer  # at least one epoch is complete
    error = one_line_error(run("train", "--resume", checkpoint, "--epochs", epoch, "--out", out))
    assert error == (
        f"deltaprop: error: --epochs {epoch}: {checkpoint} stopped inside epoch {epoch + 1}, "
        f"after {epoch} complete epochs; give --epochs {epoch + 1} or more to finish it"
    )
    assert not out.exists()
    finished = run("train", "--resume", checkpoint, "--epochs", epoch + 1, "--out", out)
    assert finished.returncode == 0, finished.stderr
    assert out.exists()


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


def test_quiet_shows_no_progress_only_the_summary(tmp_path):
    args = ["train", "--data", "iris", "--epochs", "2"]
    shown = run(*args, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert [line.split()[:2] for line in shown.stdout.splitlines()[:2]] == [
        ["epoch", "1/2"],
        ["epoch", "2/2"],
    ]
    quiet = run(*args, "--quiet", cwd=tmp_path)
    assert quiet.returncode == 0, quiet.stderr
    assert [line.split(":")[0] for line in quiet.stdout.splitlines()] == [
        "data",
        "network",
        "test accuracy",
    ]


def test_json_keeps_standard_output_for_the_json_alone(tmp_path):
    """With --json the progress display and the note on figures go to standard error, so that
    standard output parses whole; its counts are the run's."""
    pytest.importorskip("matplotlib")
    figures = tmp_path / "figures"
    result = run("train", "--data", "moons", "--epochs", "3", "--json", "--plots", figures)
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert (metrics["classes"], metrics["epochs"]) == (2, 3)
    assert (metrics["train_examples"], metrics["test_examples"]) == (338, 125)
    assert "epoch" in result.stderr and f"figures written to {figures}" in result.stderr


def test_a_checkpoint_kept_every_n_epochs_sits_beside_the_model_and_is_left_at_the_end(tmp_path):
    """Without --checkpoint, the checkpoint of --out m.npz is m.npz.checkpoint.npz; a run that
    keeps one leaves it at its last epoch (3, not 2), so that resuming it finds the run done."""
    model = tmp_path / "m.npz"
    result = run(*IRIS, "--epochs", "3", "--checkpoint-every", "2", "--out", model)
    assert result.returncode == 0, result.stderr
    checkpoint = tmp_path / "m.npz.checkpoint.npz"
    assert checkpoint.exists()
    assert "(epoch 3 of 3)" in run("train", "--resume", checkpoint).stderr


def test_full_batch_is_one_step_over_all_the_training_examples(tmp_path):
    """--full-batch trains as a single mini-batch as large as the training part would, and not as
    the default mini-batches of 32."""
    models = {}
    for name, extra in (
        ("full", ["--full-batch"]),
        ("one_batch", ["--batch-size", "1000"]),
        ("default", []),
    ):
        models[name] = tmp_path / f"{name}.npz"
        args = [*IRIS, "--epochs", "3", "--dtype", "float64", "--out", models[name], *extra]
        assert run(*args).returncode == 0
    full, one, default = (dict(io.load(models[n]).network.parameters()) for n in models)
    for name, P in full.items():
        np.testing.assert_allclose(P, one[name], rtol=1e-10, atol=1e-12)
    assert not all(np.allclose(P, default[name]) for name, P in full.items())


def test_main_leaves_the_signal_handlers_as_it_found_them(tmp_path, capsys):
    """In-process callers (a notebook, a test) keep their own Ctrl-C handling after a run."""
    from deltaprop.cli import main

    before = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    out = tmp_path / "m.npz"
    assert main(["train", "--data", "iris", "--epochs", "1", "--quiet", "--out", str(out)]) == 0
    assert {s: signal.getsignal(s) for s in before} == before


def test_class_weights_multiply_the_sample_weights(tmp_path):
    """--class-weight balanced with --sample-weight: each example keeps its own weight relative
    to the others of its class, and every class carries the same total."""
    from deltaprop.cli.parser import build_parser
    from deltaprop.cli.prepare import prepare_run

    rng = np.random.default_rng(4)
    rows = ["u,v,importance,label"]
    for i in range(120):
        label = int(i % 4 == 0)
        rows.append(f"{rng.normal(label, 1):.3f},{rng.normal():.3f},{1 + i % 3},{label}")
    csv = tmp_path / "weighted.csv"
    csv.write_text("\n".join(rows) + "\n")
    args = build_parser().parse_args(
        ["train", "--data", str(csv), "--sample-weight", "importance", "--class-weight", "balanced"]
    )
    prepared = prepare_run(args, root=True)
    w, y = prepared.sample_weight, prepared.parts.y_train
    importance = prepared.parts.w_train
    assert set(np.unique(importance)) == {1, 2, 3}
    totals = [w[y == c].sum() for c in (0, 1)]
    assert totals[0] == pytest.approx(totals[1])
    for c in (0, 1):
        ratio = w[y == c] / importance[y == c]
        np.testing.assert_allclose(ratio, ratio[0])


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


@pytest.mark.parametrize("option", ["--out", "--checkpoint"])
def test_a_missing_output_folder_is_named_before_any_epoch(tmp_path, option):
    """The command line's own check, not the failed write after training: no epoch was shown."""
    path = tmp_path / "missing" / "m.npz"
    result = run("train", "--data", "iris", "--epochs", "2", option, path)
    assert one_line_error(result) == (
        f"deltaprop: error: {option} {path}: folder {path.parent} does not exist"
    )
    assert result.stdout == ""


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


def test_a_closed_pipe_is_met_also_by_output_short_enough_to_wait_in_the_buffer(tmp_path):
    """Block-buffered standard output (PYTHONUNBUFFERED unset, as for most users) still holds
    the whole of a short output when the command ends: main's flush meets the closed pipe, not
    Python's at exit (which would print "Exception ignored" and exit 120)."""
    buffered = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    for args in (["trace"], ["trace", "--json"]):
        read_end, write_end = os.pipe()
        os.close(read_end)
        try:
            result = subprocess.run(
                [*CLI, *args],
                stdout=write_end,
                stderr=subprocess.PIPE,
                text=True,
                cwd=tmp_path,
                env=buffered,
            )
        finally:
            os.close(write_end)
        assert (result.returncode, result.stderr) == (141, ""), args


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


@pytest.fixture(scope="module")
def iris_checkpoint(tmp_path_factory):
    """A checkpoint at the end of 1 epoch on iris, written in this process."""
    from deltaprop.cli import main

    path = tmp_path_factory.mktemp("resume") / "ck.npz"
    argv = ["train", "--data", "iris", "--hidden", "3", "--epochs", "1", "--quiet"]
    assert main([*argv, "--checkpoint", str(path)]) == 0
    return path


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("test", None, "the saved setting test is null; --test needs a value"),
        ("loss", ["mse"], "the saved setting loss is ['mse'], not a value of --loss"),
        ("schedule", ["step"], "the saved setting schedule is ['step'], not a value of --schedule"),
        ("batch_size", 0, "a saved setting is invalid: argument --batch-size: expected a "),
        ("plots", "PLOTS", "unknown saved setting 'plots'"),
    ],
)
def test_resume_checks_the_saved_settings_as_the_command_line_would(
    tmp_path, capsys, iris_checkpoint, key, value, message
):
    """A checkpoint's settings were set on the command's arguments unchecked: null or a list
    where a number or a name goes failed with TypeError in the middle of setting the run up,
    and a setting that is not one of the run's was taken too (here --plots: the figures went
    to a folder the file named)."""
    path, plots = tmp_path / "ck.npz", tmp_path / "plots"
    arrays = dict(np.load(iris_checkpoint, allow_pickle=False))
    meta = json.loads(str(arrays.pop("__metadata__")))
    meta["run"][key] = str(plots) if value == "PLOTS" else value
    with open(path, "wb") as f:
        np.savez(f, __metadata__=np.array(json.dumps(meta)), **arrays)
    error = main_error(capsys, "train", "--resume", path, "--epochs", "2", "--quiet")
    assert error.startswith(f"deltaprop: error: {path}: {message}"), error
    assert not plots.exists()


@pytest.mark.parametrize(
    "key,value,message",
    [
        ("epoch", "1", "trainer state: epoch is '1', not an integer >= 0"),
        ("history", {"epoch": [1], "cost": 0.5}, "history cost is 0.5, not a list"),
    ],
)
def test_resume_checks_the_saved_trainer_state(
    tmp_path, capsys, iris_checkpoint, key, value, message
):
    """The trainer state was used as it was: a text epoch failed with TypeError (deciding
    whether the run was finished), a number for a list of the history with TypeError (when the
    trainer restored it)."""
    path = tmp_path / "ck.npz"
    arrays = dict(np.load(iris_checkpoint, allow_pickle=False))
    meta = json.loads(str(arrays.pop("__metadata__")))
    meta["trainer"][key] = value
    with open(path, "wb") as f:
        np.savez(f, __metadata__=np.array(json.dumps(meta)), **arrays)
    error = main_error(capsys, "train", "--resume", path, "--epochs", "2", "--quiet")
    assert error.startswith(f"deltaprop: error: {path}: {message}"), error


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


def test_resume_names_a_default_setting_it_will_not_change(tmp_path):
    """A setting the first run left to its default is shown as the value it took (the
    optimizer's default rate) or as "the default"."""
    checkpoint = tmp_path / "ck.npz"
    first = run("train", "--data", "iris", "--epochs", "1", "--checkpoint", checkpoint, "--quiet")
    assert first.returncode == 0, first.stderr
    message = one_line_error(run("train", "--resume", checkpoint, "--lr", "0.1", "--init", "he"))
    assert message == (
        "deltaprop: error: --resume continues the saved run; --init cannot be changed (saved: "
        "the default), --lr cannot be changed (saved: 0.001)"
    )


def test_resuming_a_moved_checkpoint_keeps_that_file_up_to_date(tmp_path):
    """Without --checkpoint, a resumed run writes its checkpoint back to the file it resumed
    from, not to where the first run wrote it."""
    import shutil

    original, moved = tmp_path / "ck.npz", tmp_path / "moved.npz"
    assert run(*IRIS, "--epochs", "2", "--checkpoint", original).returncode == 0
    shutil.copy(original, moved)
    before = original.stat().st_mtime_ns
    result = run("train", "--resume", moved, "--epochs", "3", "--quiet")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0] == f"resuming {moved} at epoch 3, step 1"
    assert original.stat().st_mtime_ns == before
    assert "(epoch 3 of 3)" in run("train", "--resume", moved).stderr


def test_a_cosine_run_cannot_be_resumed_for_more_epochs(tmp_path):
    """The cosine schedule's period is the number of epochs: more epochs would change every
    step's rate, so --epochs is a conflict, and a finished run says nothing of training longer."""
    checkpoint = tmp_path / "ck.npz"
    args = [*IRIS, "--epochs", "2", "--schedule", "cosine", "--checkpoint", checkpoint]
    assert run(*args).returncode == 0
    assert one_line_error(run("train", "--resume", checkpoint, "--epochs", "4")) == (
        "deltaprop: error: --resume continues the saved run; --epochs cannot be changed (saved: 2)"
    )
    done = run("train", "--resume", checkpoint)
    assert done.returncode == 0
    assert done.stderr == f"deltaprop: {checkpoint}: the run is finished (epoch 2 of 2)\n"


def test_a_run_that_stopped_early_is_finished_for_resume(tmp_path):
    """--patience stops training (no epoch gains --min-delta 100) and the checkpoint knows it."""
    checkpoint = tmp_path / "ck.npz"
    args = [*IRIS, "--epochs", "50", "--patience", "2", "--min-delta", "100", "--json"]
    result = run(*args, "--checkpoint", checkpoint)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["epochs"] == 3
    done = run("train", "--resume", checkpoint, "--epochs", "60")
    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        f"deltaprop: {checkpoint}: the run is finished (stopped early at epoch 3: no improvement "
        "in 2 epochs); nothing to resume\n"
    )


def test_resume_accepts_the_same_data_file_by_a_relative_path(tmp_path):
    """The run records the data file's absolute path; giving the same file again, relative, is
    no change."""
    rows = ["u,v,label"] + [f"{i % 2 * 3 + i % 5 * 0.1},{i % 7},{i % 2}" for i in range(80)]
    (tmp_path / "my.csv").write_text("\n".join(rows) + "\n")
    first = run(
        "train", "--data", "my.csv", "--epochs", "1", "--checkpoint", "ck.npz", cwd=tmp_path
    )
    assert first.returncode == 0, first.stderr
    again = run("train", "--resume", "ck.npz", "--data", "my.csv", "--epochs", "2", cwd=tmp_path)
    assert again.returncode == 0, again.stderr


def test_a_split_that_leaves_a_part_empty_names_the_cause(tmp_path):
    rng = np.random.default_rng(0)
    continuous = tmp_path / "reg.csv"
    continuous.write_text(
        "a,b,y\n"
        + "".join(f"{rng.normal():.3f},{rng.normal():.3f},{rng.normal():.5f}\n" for _ in range(100))
    )
    assert one_line_error(run("train", "--data", continuous)) == (
        f"deltaprop: error: {continuous}: the label column 'y' holds '0.64042', not a whole "
        "number: a real-valued target rather than classes; add --regression to train a "
        "regression network"
    )
    numbered = tmp_path / "ids.csv"  # whole numbers, each once: codes of 100 classes?
    numbered.write_text("a,b,y\n" + "".join(f"{rng.normal():.3f},1,{i}\n" for i in range(100)))
    assert one_line_error(run("train", "--data", numbered)) == (
        "deltaprop: error: the label column has 100 distinct values for 100 rows: is it a "
        "continuous target? train a regression network with --regression"
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


@pytest.fixture(scope="module")
def moons_model(tmp_path_factory):
    """A quick, imperfect model of moons (seed 3), trained once for the evaluate tests."""
    model = tmp_path_factory.mktemp("moons") / "moons.npz"
    args = ["--data", "moons", "--hidden", "4", "--epochs", "1", "--seed", "3", "--out", model]
    trained = run("train", *args, "--json", "--quiet")
    assert trained.returncode == 0, trained.stderr
    return model, json.loads(trained.stdout)


def test_evaluate_takes_the_test_part_of_the_models_own_data_and_all_of_other_data(moons_model):
    model, metrics = moons_model
    own = run("evaluate", model)
    assert own.returncode == 0, own.stderr
    assert own.stdout.splitlines()[0] == "data: moons (test part, 125 examples)"
    report = json.loads(run("evaluate", model, "--json").stdout)
    assert report["accuracy"] == pytest.approx(metrics["test_accuracy"])  # the same split (seed 3)
    assert json.loads(run("evaluate", model, "--all", "--json").stdout)["examples"] == 500
    other = run("evaluate", model, "--data", "circles")
    assert other.returncode == 0, other.stderr
    assert other.stdout.splitlines()[0] == "data: circles (all, 500 examples)"


def test_evaluate_on_the_training_file_named_again_takes_its_test_part(tmp_path):
    """--data naming the file the model was trained on, as it was named then (relative) or
    otherwise, is the model's own data: its test part, not every example, the training ones too."""
    rows = ["u,v,label"] + [f"{i % 2 * 3 + i % 5 * 0.1},{i % 7},{i % 2}" for i in range(80)]
    (tmp_path / "my.csv").write_text("\n".join(rows) + "\n")
    trained = run("train", "--data", "my.csv", "--epochs", "2", "--out", "m.npz", cwd=tmp_path)
    assert trained.returncode == 0, trained.stderr
    for spec in ("my.csv", "./my.csv", tmp_path / "my.csv"):
        evaluated = run("evaluate", "m.npz", "--data", spec, cwd=tmp_path)
        assert evaluated.returncode == 0, evaluated.stderr
        assert evaluated.stdout.splitlines()[0] == f"data: {spec} (test part, 20 examples)"
    everything = run("evaluate", "m.npz", "--data", "my.csv", "--all", cwd=tmp_path)
    assert everything.stdout.splitlines()[0] == "data: my.csv (all, 80 examples)"


def test_evaluate_scores_agree_with_its_confusion_matrix(moons_model):
    """Precision over a column (what was predicted), recall over a row (what is true)."""
    model, _ = moons_model
    report = json.loads(run("evaluate", model, "--all", "--json").stdout)
    C = np.array(report["confusion_matrix"])
    assert C[0, 1] != C[1, 0]  # an imperfect model, whose precision and recall differ
    np.testing.assert_allclose(report["precision"], np.diag(C) / C.sum(axis=0))
    np.testing.assert_allclose(report["recall"], np.diag(C) / C.sum(axis=1))
    assert C.sum(axis=1).tolist() == [250, 250]  # moons: 250 true examples of each class


def test_evaluate_without_data_of_its_own_asks_for_them(tmp_path):
    from deltaprop.core import Network

    path = tmp_path / "bare.npz"
    io.save(Network([2, 8, 2], seed=0), path)
    assert one_line_error(run("evaluate", path)) == (
        "deltaprop: error: give the data to evaluate on with --data"
    )


def main_error(capsys, *argv) -> str:
    """The one line of ``deltaprop argv`` run in this process, which must exit 2."""
    from deltaprop.cli import main

    assert main([str(a) for a in argv]) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    return err.strip()


def saved_with_info(path, info):
    """A bare model saved at ``path`` with its metadata's info replaced by ``info``."""
    from deltaprop.core import Network

    io.save(Network([2, 3, 2], seed=0), path)
    arrays = dict(np.load(path, allow_pickle=False))
    meta = json.loads(str(arrays.pop("__metadata__")))
    meta["info"] = info
    with open(path, "wb") as f:
        np.savez(f, __metadata__=np.array(json.dumps(meta)), **arrays)
    return path


def test_evaluate_a_model_whose_info_is_not_an_object_exits_2(tmp_path, capsys):
    """evaluate called info.get: AttributeError and a traceback."""
    path = saved_with_info(tmp_path / "m.npz", None)
    assert main_error(capsys, "evaluate", path, "--data", "moons") == (
        f"deltaprop: error: {path}: its info is not a JSON object but NoneType"
    )


@pytest.mark.parametrize(
    "info,message",
    [
        ({"data": ["moons"]}, "the model's file records its data as ['moons'], not a name or path"),
        (
            {"settings": {"test": 0.25, "validation": 0.1}},
            "the model's file records seed = None, not a non-negative integer",
        ),
        (
            {"settings": {"test": "0.25", "validation": 0.1, "seed": 0}},
            "the model's file records test = '0.25', not a fraction in [0, 1)",
        ),
        (
            {"settings": {"test": 0.25, "validation": 0.1, "seed": 0, "label": 2}},
            "the model's file records label = 2, not a column's name or index",
        ),
    ],
)
def test_evaluate_checks_the_settings_the_model_file_records(tmp_path, capsys, info, message):
    """evaluate rebuilds the test part of a model's CSV from the recorded settings: a list for
    the data (TypeError), a missing seed (KeyError), a fraction as text (TypeError) or a label
    column as a number (AttributeError) stopped it with a traceback."""
    csv = tmp_path / "d.csv"
    csv.write_text("u,v,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(20)))
    path = saved_with_info(tmp_path / "m.npz", {"data": str(csv), **info})
    assert main_error(capsys, "evaluate", path) == f"deltaprop: error: {message}"


def test_a_model_trained_with_sample_weights_is_evaluated_on_its_test_part(tmp_path):
    """The weight column is not a feature: evaluate rebuilds the test part without it."""
    rng = np.random.default_rng(5)
    rows = ["u,v,importance,label"]
    rows += [
        f"{rng.normal(i % 2, 1):.3f},{rng.normal():.3f},{1 + i % 3},{i % 2}" for i in range(80)
    ]
    csv = tmp_path / "weighted.csv"
    csv.write_text("\n".join(rows) + "\n")
    model = tmp_path / "m.npz"
    trained = run(
        "train",
        "--data",
        csv,
        "--sample-weight",
        "importance",
        "--epochs",
        "2",
        "--out",
        model,
        "--quiet",
    )
    assert trained.returncode == 0, trained.stderr
    evaluated = run("evaluate", model, "--json")
    assert evaluated.returncode == 0, evaluated.stderr
    assert json.loads(evaluated.stdout)["examples"] == 20


def test_predict_reads_the_features_of_an_npz(tmp_path):
    model = tmp_path / "iris.npz"
    assert (
        run("train", "--data", "iris", "--epochs", "1", "--quiet", "--out", model).returncode == 0
    )
    X = np.array([[5.1, 3.5, 1.4, 0.2], [6.7, 3.0, 5.2, 2.3]])
    np.savez(tmp_path / "new.npz", X=X, y=np.array([0, 2]))
    (tmp_path / "new.csv").write_text("5.1,3.5,1.4,0.2\n6.7,3.0,5.2,2.3\n")
    from_npz = run("predict", model, tmp_path / "new.npz")
    assert from_npz.returncode == 0, from_npz.stderr
    assert from_npz.stdout == run("predict", model, tmp_path / "new.csv").stdout
    assert len(from_npz.stdout.splitlines()) == 3
    # features alone, or with one label (a single class): predict reads X and nothing else
    np.savez(tmp_path / "x_only.npz", X=X)
    np.savez(tmp_path / "one_class.npz", X=X, y=np.array([1, 1]))
    for name in ("x_only.npz", "one_class.npz"):
        assert run("predict", model, tmp_path / name).stdout == from_npz.stdout, name
    np.savez(tmp_path / "no_x.npz", features=X)
    assert one_line_error(run("predict", model, tmp_path / "no_x.npz")).endswith(
        "no_x.npz: no array 'X' (the file holds features); expected X (m, n_x), examples as rows"
    )
    np.savez(tmp_path / "nan.npz", X=np.array([[5.1, 3.5, np.nan, 0.2]]))
    assert one_line_error(run("predict", model, tmp_path / "nan.npz")).endswith(
        "nan.npz: X has nan at row 0, column 2"
    )


def test_predict_of_a_regression_network_writes_one_column_per_output(tmp_path):
    from deltaprop.core import Network

    path = tmp_path / "regression.npz"
    net = Network([2, 3, 2], output="identity", seed=0, dtype=np.float64)
    io.save(net, path)
    X = np.array([[0.0, 1.0], [1.0, -0.5], [2.0, 0.5]])
    (tmp_path / "new.csv").write_text("0.0,1.0\n1.0,-0.5\n2.0,0.5\n")
    predicted = run("predict", path, tmp_path / "new.csv")
    assert predicted.returncode == 0, predicted.stderr
    header, *rows = predicted.stdout.splitlines()
    assert header == "y0,y1"
    values = np.array([[float(v) for v in row.split(",")] for row in rows])
    np.testing.assert_allclose(values, net.predict(X.T).T, rtol=1e-5)


def test_version_is_the_package_version_and_the_installed_one():
    from importlib.metadata import version

    import deltaprop

    result = run("--version")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"deltaprop {deltaprop.__version__}"
    # pyproject.toml reads the version from the package: one place to change it
    assert version("deltaprop") == deltaprop.__version__


def test_errata_table_entries_and_json():
    table = run("errata")
    assert table.returncode == 0, table.stderr
    ids = re.findall(r"^(E\d+) ", table.stdout, re.MULTILINE)
    assert ids == [f"E{k}" for k in range(1, len(ids) + 1)] and len(ids) > 20
    assert "Verdicts: correct, right as written" in table.stdout  # the legend, as plain text
    assert "\\" not in table.stdout and "$" not in table.stdout

    entries = run("errata", "e8", "E14")  # any case
    assert entries.returncode == 0, entries.stderr
    assert entries.stdout.startswith("E8  2.4 Loss function: wrong\n")
    assert "     seed: dJ/dA[3] = Y - A[3]\n" in entries.stdout
    assert "\n\nE14  2.5.1 Output layer: wrong\n" in entries.stdout

    records = json.loads(run("errata", "--json", "E8", "E14").stdout)
    assert [r["id"] for r in records] == ["E8", "E14"]
    assert records[0]["seed_text"] == "dJ/dA[3] = Y - A[3]"
    every = run("errata", "--all")
    assert every.returncode == 0 and len(re.findall(r"^E\d+  ", every.stdout, re.M)) == len(ids)


@pytest.mark.parametrize(
    "args,message",
    [
        (["errata", "E8", "E99"], "no erratum E99; the entries are E1 to E"),
        (["errata", "--all", "--json"], "not allowed with argument"),
    ],
)
def test_errata_bad_arguments(args, message):
    assert message in one_line_error(run(*args))


def test_evaluate_follows_a_models_own_order_of_classes(tmp_path):
    """A model built in Python may name its output units in any order; evaluate compared them
    with the labels' sorted codes, so it scored such a model against the wrong classes."""
    from deltaprop.model import Model

    path = tmp_path / "iris.npz"
    assert run("train", "--data", "iris", "--epochs", "5", "--quiet", "--out", path).returncode == 0
    model = io.load(path)
    L, order = model.network.L, [2, 0, 1]  # the same model, its output units reordered
    net = model.network
    net.W[L], net.b[L] = net.W[L][order], net.b[L][order]
    io.save(Model(net, model.classes[order], model.preprocessor, model.info), tmp_path / "p.npz")
    original = json.loads(run("evaluate", path, "--json").stdout)
    permuted = json.loads(run("evaluate", tmp_path / "p.npz", "--json").stdout)
    assert permuted["classes"] == ["virginica", "setosa", "versicolor"]
    assert permuted["accuracy"] == original["accuracy"]
    for key in ("precision", "recall", "f1"):
        assert permuted[key] == [original[key][k] for k in order], key
    confusion = np.array(original["confusion_matrix"])
    assert permuted["confusion_matrix"] == confusion[np.ix_(order, order)].tolist()


def test_resume_from_a_model_file_says_what_it_takes(tmp_path):
    """A model file holds no trainer state: --resume names the file it needs instead."""
    model = tmp_path / "m.npz"
    assert run(*IRIS, "--epochs", "1", "--quiet", "--out", model).returncode == 0
    line = one_line_error(run("train", "--resume", model))
    assert line == (
        f"deltaprop: error: {model} is a deltaprop model file, not a deltaprop checkpoint: "
        "--resume continues a run from the checkpoint it kept (train --checkpoint FILE, or "
        "OUT.checkpoint.npz after Ctrl-C)"
    )
    checkpoint = tmp_path / "ck.npz"
    assert run(*IRIS, "--epochs", "1", "--quiet", "--checkpoint", checkpoint).returncode == 0
    for command in (["evaluate", checkpoint], ["predict", checkpoint, "-"]):  # the run so far
        result = run(*command, input="5.1,3.5,1.4,0.2\n")
        assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("prediction,p_setosa,p_versicolor,p_virginica\n")


def test_a_csv_saved_by_excel_in_windows_1252_trains_and_says_how_it_was_read(tmp_path):
    rows = ["name,city,score,label"] + [
        f"{n},{c},{i % 7 * 0.5},{'ab'[i % 2]}"
        for i, (n, c) in enumerate([("José", "Málaga"), ("René", "Köln"), ("Zoë", "Genève")] * 20)
    ]
    data = tmp_path / "people.csv"
    data.write_bytes("\n".join(rows).encode("cp1252"))
    model = tmp_path / "m.npz"
    argv = ["train", "--data", data, "--ignore", "name", "--epochs", "1", "--quiet", "--out"]
    result = run(*argv, model)
    assert result.returncode == 0 and result.stderr == "", result.stderr
    guessed = "(not UTF-8: read as Windows-1252; --encoding NAME reads another)"
    assert f"data: {data} {guessed}: 60 examples" in result.stdout
    new = tmp_path / "new.csv"
    new.write_bytes("name,city,score\nZoë,Genève,1.5\n".encode("cp1252"))
    assert run("predict", model, new).stdout.startswith("prediction,p_a,p_b\n")


def test_test_data_by_position_and_as_npz(tmp_path):
    """A headerless CSV test file is read by position, as its training file; an .npz holds X
    and y; a training set with a test part of its own, or a test file of other features,
    refuses another one; a test file that is gone is named when evaluate looks for it."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)).round(3)
    y = (X[:, 0] > X[:, 1]).astype(int)
    rows = [f"{y[i]},{X[i, 0]},{X[i, 1]},{X[i, 2]}" for i in range(200)]
    (tmp_path / "train.csv").write_text("\n".join(rows[:150]) + "\n")
    (tmp_path / "test.csv").write_text("\n".join(rows[150:]) + "\n")
    args = ["--label", "0", "--hidden", "8", "--epochs", "3", "--quiet"]
    trained = run("train", "--data", "train.csv", "--test-data", "test.csv", *args, "--out",
                  "m.npz", "--checkpoint", "ck.npz", cwd=tmp_path)  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert "test accuracy: " in trained.stdout and "(50 examples)" in trained.stdout
    again = run("train", "--resume", "ck.npz", "--test-data", "./test.csv", cwd=tmp_path)
    assert again.returncode == 0 and "the run is finished" in again.stderr, again.stderr
    np.savez(tmp_path / "train.npz", X=X[:150], y=y[:150])
    np.savez(tmp_path / "test.npz", X=X[150:], y=y[150:])
    as_npz = run("train", "--data", "train.npz", "--test-data", "test.npz", *args[2:], cwd=tmp_path)
    assert as_npz.returncode == 0 and "(50 examples)" in as_npz.stdout, as_npz.stderr
    np.savez(tmp_path / "both.npz", X=X, y=y, X_test=X[:5], y_test=y[:5])
    line = one_line_error(
        run("train", "--data", "both.npz", "--test-data", "test.npz", cwd=tmp_path)
    )
    assert line.endswith("both.npz comes with its own test part")
    np.savez(tmp_path / "wide.npz", X=np.ones((5, 4)), y=y[:5])
    line = one_line_error(
        run("train", "--data", "train.npz", "--test-data", "wide.npz", cwd=tmp_path)
    )
    assert line.endswith("wide.npz: 4 features, but the training data have 3")
    line = one_line_error(
        run(
            "train", "--data", "train.csv", "--test-data", "test.csv", "--test", "0.2", cwd=tmp_path
        )
    )
    assert line.endswith("give one of them") and "--test 0.2 holds out a fraction" in line
    (tmp_path / "one_class.csv").write_text("1,0.5,0.25,2\n1,1,2,3\n")  # a test part may
    one_class = run("train", "--data", "train.csv", "--test-data", "one_class.csv", *args,
                    cwd=tmp_path)  # fmt: skip
    assert one_class.returncode == 0 and "(2 examples)" in one_class.stdout, one_class.stderr
    (tmp_path / "new_class.csv").write_text("7,0.5,0.25,2\n")
    line = one_line_error(run("train", "--data", "train.csv", "--test-data", "new_class.csv", *args,
                              cwd=tmp_path))  # fmt: skip
    assert line.endswith("new_class.csv: unseen label 7; the known labels are 0, 1")
    (tmp_path / "typo.csv").write_text("1,0.5,0.25,2\n0,1,2,x\n")
    line = one_line_error(run("train", "--data", "train.csv", "--test-data", "typo.csv", *args,
                              cwd=tmp_path))  # fmt: skip
    assert line.endswith("typo.csv, line 2, column 4: 'x' is not a number")
    (tmp_path / "test.csv").unlink()
    line = one_line_error(run("evaluate", "m.npz", cwd=tmp_path))
    assert line == (
        f"deltaprop: error: the file of the model's test part, {tmp_path / 'test.csv'}, is not "
        "there; pass --data"
    )
