"""The training loop, optimizers, schedules, early stopping, determinism and divergence."""

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest

from deltaprop.core import Network
from deltaprop.training import (
    Adam,
    Callback,
    EarlyStopping,
    GradientDescent,
    Momentum,
    RMSProp,
    Trainer,
    TrainingDiverged,
    make_optimizer,
    make_schedule,
    optimizer_from_config,
)


def blobs(m=120, seed=0):
    """Three separable Gaussian blobs in 2-D, examples as columns."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 3], [3, 0], [-3, -3]], dtype=float)
    y = np.arange(m) % 3
    X = (centres[y] + rng.normal(0, 0.8, (m, 2))).T
    return X, y


# --------------------------------------------------------------------------- optimizers

OPTIMIZER_NAMES = ["sgd", "momentum", "nesterov", "rmsprop", "adam"]


@pytest.mark.parametrize("name", OPTIMIZER_NAMES)
def test_every_optimizer_decreases_the_cost(name):
    X, y = blobs()
    net = Network([2, 8, 3], hidden="tanh", seed=0)
    J0 = net.cost(X, y)
    lr = {"sgd": 0.5, "momentum": 0.1, "nesterov": 0.1, "rmsprop": 0.01, "adam": 0.01}[name]
    Trainer(net, make_optimizer(name, lr=lr), epochs=30, batch_size=16, seed=0).fit(X, y)
    assert net.cost(X, y) < 0.3 * J0


def one_step(optimizer):
    """Take one step on a fixed problem; return (W[1] before, dW[1], W[1] after)."""
    X, y = blobs(m=12)
    net = Network([2, 3], output="softmax", seed=1)
    W0 = net.W[1].copy()
    dW, db = net.gradients(X, y)
    optimizer.step(net, dW, db)
    return W0, dW[1], net.W[1]


def test_gradient_descent_first_step_by_hand():
    W0, dW, W1 = one_step(GradientDescent(lr=0.3))
    np.testing.assert_allclose(W1, W0 - 0.3 * dW, rtol=1e-15)


def test_momentum_first_steps_by_hand():
    opt = Momentum(lr=0.1, momentum=0.9)
    W0, dW, W1 = one_step(opt)
    np.testing.assert_allclose(W1, W0 - 0.1 * dW)  # V = -alpha dW on the first step
    np.testing.assert_allclose(opt.state["V:W[1]"], -0.1 * dW)


def test_nesterov_first_step_by_hand():
    W0, dW, W1 = one_step(Momentum(lr=0.1, momentum=0.9, nesterov=True))
    # V = -alpha dW; P += mu V - alpha dW = -(mu + 1) alpha dW
    np.testing.assert_allclose(W1, W0 - 1.9 * 0.1 * dW)


def test_rmsprop_first_step_by_hand():
    W0, dW, W1 = one_step(RMSProp(lr=0.01, rho=0.9, eps=1e-8))
    S = 0.1 * dW**2
    np.testing.assert_allclose(W1, W0 - 0.01 * dW / (np.sqrt(S) + 1e-8))


def test_adam_first_step_is_lr_times_sign():
    """With bias correction, Adam's first step is alpha * dW / (|dW| + eps) ~ alpha sign(dW)."""
    W0, dW, W1 = one_step(Adam(lr=0.01, eps=1e-8))
    np.testing.assert_allclose(W1, W0 - 0.01 * dW / (np.abs(dW) + 1e-8), rtol=1e-10)


def test_adam_eps_hat_adds_eps_to_the_uncorrected_moment():
    """eps_hat (Kingma and Ba's epsilon-hat, scikit-learn's): the first step is
    alpha sqrt(1 - b2) / (1 - b1) M / (sqrt(S) + eps) with M = (1 - b1) dW, S = (1 - b2) dW^2,
    that is alpha dW / (|dW| + eps / sqrt(1 - b2)); eps = 1e-3 makes the two forms differ."""
    opt = Adam(lr=0.01, eps=1e-3, eps_hat=True)
    W0, dW, W1 = one_step(opt)
    np.testing.assert_allclose(W1, W0 - 0.01 * dW / (np.abs(dW) + 1e-3 / np.sqrt(0.001)))
    assert not np.allclose(W1, one_step(Adam(lr=0.01, eps=1e-3))[2])
    assert optimizer_from_config(opt.config()).eps_hat and "eps_hat" not in Adam().config()


def test_shuffle_may_be_a_function_giving_each_epochs_order():
    """Called at every epoch with m, a full batch's too; its order is the mini-batches' order:
    reversing the examples equals training unshuffled on the reversed data. Not checkpointed."""
    X, y = blobs(m=12)
    asked = []

    def reverse(m):
        asked.append(m)
        return np.arange(m)[::-1]

    nets = Network([2, 3], seed=1), Network([2, 3], seed=1)
    Trainer(nets[0], GradientDescent(0.1), epochs=2, batch_size=5, shuffle=reverse).fit(X, y)
    Trainer(nets[1], GradientDescent(0.1), epochs=2, batch_size=5, shuffle=False).fit(
        X[:, ::-1], y[::-1]
    )
    np.testing.assert_allclose(nets[0].W[1], nets[1].W[1], rtol=1e-14)
    full = Trainer(Network([2, 3], seed=1), epochs=1, shuffle=reverse)
    full.fit(X, y)
    assert asked == [12, 12, 12]
    with pytest.raises(ValueError, match="shuffle is a function has no state to save"):
        full.state_dict()


def test_clipping_limits_the_global_norm():
    X, y = blobs(m=12)
    net = Network([2, 3], seed=1)
    W0, b0 = net.W[1].copy(), net.b[1].copy()
    dW, db = net.gradients(X, y)
    norm = np.sqrt(np.sum(dW[1] ** 2) + np.sum(db[1] ** 2))
    GradientDescent(lr=1.0, clip_norm=norm / 10).step(net, dW, db)
    step = np.sqrt(np.sum((net.W[1] - W0) ** 2) + np.sum((net.b[1] - b0) ** 2))
    assert step == pytest.approx(norm / 10)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(name="adagrad"), "unknown optimizer"),
        (dict(name="sgd", lr=-1), "positive"),
        (dict(name="momentum", momentum=1.5), "momentum"),
        (dict(name="adam", beta_1=1.0), "beta_1"),
    ],
)
def test_bad_optimizer_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_optimizer(**kwargs)


# --------------------------------------------------------------------------- schedules


def test_schedules_follow_their_formulas():
    assert make_schedule("constant", 0.1).next_lr(7) == 0.1
    step = make_schedule("step", 0.1, step_size=2, gamma=0.5)
    assert [step.next_lr(e) for e in (1, 2, 3, 4)] == [0.1, 0.05, 0.05, 0.025]
    assert make_schedule("invscaling", 0.1, power=0.5).next_lr(3) == pytest.approx(0.05)
    cosine = make_schedule("cosine", 0.1, epochs=10)
    assert cosine.next_lr(0) == pytest.approx(0.1) and cosine.next_lr(10) == pytest.approx(0)
    assert cosine.next_lr(5) == pytest.approx(0.05)
    plateau = make_schedule("plateau", 0.1, factor=0.5, patience=2)
    lrs = [plateau.next_lr(e, c) for e, c in enumerate([1.0, 0.9, 0.95, 0.95, 0.95, 0.95], 1)]
    assert lrs == [0.1, 0.1, 0.1, 0.05, 0.05, 0.025]


def test_step_decay_with_gamma_one_is_constant():
    assert make_schedule("step", 0.1, step_size=1, gamma=1.0).next_lr(5) == 0.1


def test_cosine_ends_at_lr_min_and_stays_there():
    cosine = make_schedule("cosine", 0.1, epochs=10, lr_min=0.02)
    assert cosine.next_lr(5) == pytest.approx(0.06)  # halfway from 0.1 down to 0.02
    assert cosine.next_lr(10) == pytest.approx(0.02)
    assert cosine.next_lr(15) == pytest.approx(0.02)  # past its period: not back up


def test_plateau_min_delta_and_lr_min():
    plateau = make_schedule("plateau", 1.0, factor=0.5, patience=1, min_delta=0.1, lr_min=0.3)
    # 0.95 is better than 1.0 by less than min_delta: no improvement; lr never goes below 0.3
    lrs = [plateau.next_lr(e, c) for e, c in enumerate([1.0, 0.95, 0.8, 0.8, 0.8], 1)]
    assert lrs == [1.0, 0.5, 0.5, 0.3, 0.3]
    flat = make_schedule("plateau", 1.0, factor=0.5, patience=1, min_delta=0.0)
    assert [flat.next_lr(e, 0.5) for e in (1, 2)] == [1.0, 0.5]  # an equal cost: no improvement


def test_plateau_state_survives_a_checkpoint():
    plateau = make_schedule("plateau", 1.0, factor=0.5, patience=2)
    for e, c in enumerate([1.0, 0.5, 0.7], 1):  # best 0.5, then one epoch without improvement
        plateau.next_lr(e, c)
    resumed = make_schedule("plateau", 1.0, factor=0.5, patience=2)
    resumed.load_state_dict(plateau.state_dict())
    assert resumed.next_lr(4, 0.6) == 0.5  # the second epoch no better than 0.5


def test_schedule_sets_the_learning_rate_of_each_epoch():
    X, y = blobs()
    net = Network([2, 4, 3], seed=0)
    opt = GradientDescent(lr=0.2)
    history = Trainer(
        net, opt, epochs=4, schedule=make_schedule("step", 0.2, step_size=1, gamma=0.5)
    ).fit(X, y)
    assert history.lr == [0.2, 0.1, 0.05, 0.025]


# --------------------------------------------------------------------------- progress


def progress_lines(epochs, every=None, stop_at=None):
    """The lines PlainProgress prints over ``epochs`` epochs (the run stopping at ``stop_at``)."""
    import io

    from deltaprop.training import PlainProgress

    stream = io.StringIO()
    progress = PlainProgress(epochs, stream, every=every)
    trainer = SimpleNamespace(stop_training=False)
    logs = {"cost": 0.5, "accuracy": 0.75, "lr": 0.1, "time": 1.25}
    for epoch in range(1, epochs + 1):
        trainer.stop_training = epoch == stop_at
        progress.on_epoch_end(trainer, epoch, logs)
        if trainer.stop_training:
            break
    return stream.getvalue().splitlines()


def test_plain_progress_prints_every_nth_epoch_the_last_and_the_one_a_run_stops_at():
    assert [line.split()[1] for line in progress_lines(7, every=3)] == ["3/7", "6/7", "7/7"]
    assert [line.split()[1] for line in progress_lines(7, every=3, stop_at=4)] == ["3/7", "4/7"]
    assert len(progress_lines(50)) == 10  # a tenth of the epochs by default
    assert progress_lines(10, every=5)[0] == "epoch  5/10  cost 0.5000  acc 0.7500  lr 0.1  1.2s"


def test_the_metrics_shown_are_each_under_its_own_name():
    from deltaprop.training.progress import format_metrics

    logs = {"cost": 0.1, "accuracy": 0.9, "val_cost": 0.2, "val_accuracy": 0.8}
    assert format_metrics(logs) == "cost 0.1000  acc 0.9000  val_cost 0.2000  val_acc 0.8000"
    assert format_metrics({"cost": 1.0, "accuracy": 0.0}) == "cost 1.0000  acc 0.0000"
    assert format_metrics({"cost": 1.0, "accuracy": None, "val_cost": 2.0}) == (
        "cost 1.0000  val_cost 2.0000"  # regression: no accuracies
    )


def test_the_progress_bar_is_for_terminals_and_counts_epochs_from_where_a_run_resumes():
    import io

    pytest.importorskip("rich")
    from deltaprop.training import PlainProgress, make_progress
    from deltaprop.training.progress import RichProgress

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert isinstance(make_progress(5, io.StringIO()), PlainProgress)
    bar = make_progress(5, Terminal())
    assert isinstance(bar, RichProgress)
    trainer = SimpleNamespace(epoch=2)  # a resumed run, 2 epochs done
    bar.on_train_begin(trainer)
    try:
        assert bar.bar.tasks[0].completed == 2
        bar.on_epoch_end(trainer, 3, {"cost": 0.25})
        assert bar.bar.tasks[0].completed == 3
        assert bar.bar.tasks[0].fields["metrics"] == "cost 0.2500"
    finally:
        bar.on_train_end(trainer)


# --------------------------------------------------------------------------- the loop


def test_full_batch_is_the_seeds_gradient_descent():
    """batch_size=None: each epoch is one step W <- W - alpha dW on all the data."""
    X, y = blobs(m=30)
    a, b = Network([2, 5, 3], seed=2), Network([2, 5, 3], seed=2)
    Trainer(a, GradientDescent(lr=0.1), epochs=5, batch_size=None).fit(X, y)
    for _ in range(5):
        b.update(*b.gradients(X, y), alpha=0.1)
    for l in (1, 2):
        np.testing.assert_allclose(a.W[l], b.W[l], rtol=1e-12)


@pytest.mark.parametrize("l2_over", ["examples", "weight"])
def test_full_batch_objective_is_what_a_full_batch_step_takes(l2_over):
    """f() is the penalised cost and its gradient of the parameters the network holds when it
    is called; one step of gradient descent on a full batch moves by lr times that gradient."""
    X, y = blobs(m=30)
    w = np.random.default_rng(1).uniform(0.5, 2, y.size)
    net = Network([2, 5, 3], seed=2)
    trainer = Trainer(net, GradientDescent(lr=0.1), epochs=1, l2=0.5, l2_over=l2_over)
    objective = trainer.full_batch_objective(X, y, sample_weight=w)
    J, dW, db = objective()
    m = w.sum() if l2_over == "weight" else y.size  # the m of the L2 term (l2 / 2m) ||W||^2
    assert J == pytest.approx(net.cost(X, y, sample_weight=w) + net.l2_cost(0.5, m), rel=1e-12)
    before = {l: (net.W[l].copy(), net.b[l].copy()) for l in net.W}
    history = trainer.fit(X, y, sample_weight=w)
    assert history.cost[-1] == pytest.approx(J, rel=1e-12)
    for l, (W, b) in before.items():
        np.testing.assert_allclose(net.W[l], W - 0.1 * dW[l], rtol=1e-12)
        np.testing.assert_allclose(net.b[l], b - 0.1 * db[l], rtol=1e-12)
    assert objective()[0] != J  # evaluated again at the parameters the step left


def test_mini_batches_cover_every_example_once_per_epoch():
    X, y = blobs(m=50)
    net = Network([2, 3], seed=0)
    seen = []
    trainer = Trainer(net, GradientDescent(lr=0.01), epochs=2, batch_size=16, seed=3)
    original = trainer._step

    def spy(X_b, Y_b, sw_b=None):
        seen.append(X_b.T.copy())
        original(X_b, Y_b, sw_b)

    trainer._step = spy
    trainer.fit(X, y)
    assert [len(s) for s in seen] == [16, 16, 16, 2] * 2
    epoch1 = np.vstack(seen[:4])
    assert sorted(map(tuple, epoch1)) == sorted(map(tuple, X.T))
    assert not np.array_equal(epoch1, np.vstack(seen[4:]))  # reshuffled


def test_history_records_every_epoch():
    X, y = blobs()
    history = Trainer(Network([2, 6, 3], seed=0), Adam(lr=0.05), epochs=8, batch_size=20).fit(
        X, y, validation=blobs(m=30, seed=9)
    )
    assert history.epoch == list(range(1, 9))
    assert all(v is not None for v in history.val_cost + history.val_accuracy)
    assert history.time == sorted(history.time)
    assert len(history.grad_norm[0]) == 2 and len(history.dead_fraction[0]) == 1
    assert history.accuracy[-1] > 0.9


@pytest.mark.parametrize("batch_size", [None, 16])
def test_recorded_diagnostics_equal_their_definitions(batch_size):
    """The History's accuracy, gradient norms and dead fractions, which the loop computes the
    fast way, equal the plain formulas: the argmax of A[L] against Y's, np.linalg.norm(dW[l]),
    and the fraction of units that output 0 for every example of the last batch."""
    X, y = blobs(m=60)
    net = Network([2, 6, 5, 3], seed=1, dtype=np.float32)
    net.b[1][:2] = -100  # two units of layer 1 that are dead for every example
    expected = []

    class Definitions(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            A, Y_b = trainer.network.A, np.eye(3)[y].T
            dW = trainer.optimizer.dW  # the epoch's last step's (see Spy)
            expected.append(
                {
                    "grad_norm": [float(np.linalg.norm(dW[l])) for l in (1, 2, 3)],
                    "dead_fraction": [float(np.mean(~(A[l] > 0).any(axis=1))) for l in (1, 2)],
                    # full batch: the epoch's one step saw every example, A[L] is its output
                    "accuracy": float(np.mean(A[3].argmax(axis=0) == Y_b.argmax(axis=0)))
                    if batch_size is None
                    else logs["accuracy"],
                }
            )

    class Spy(GradientDescent):
        def step(self, network, dW, db):
            self.dW = {l: dW[l].copy() for l in dW}
            super().step(network, dW, db)

    trainer = Trainer(net, Spy(0.1), epochs=4, batch_size=batch_size, callbacks=[Definitions()])
    history = trainer.fit(X, y)
    for epoch, values in enumerate(expected):
        for key, value in values.items():
            assert getattr(history, key)[epoch] == value, key
    assert history.dead_fraction[0][0] == 2 / 6
    assert all(type(v) is float for v in history.grad_norm[-1] + history.dead_fraction[-1])


def test_history_records_missing_values_as_none_and_survives_a_round_trip():
    """An epoch's missing metric (no validation set, regression) is None, not a number a plot
    would draw; ``to_dict`` / ``from_dict`` (checkpoints, run reports) keep every field and
    ignore keys of other versions."""
    from deltaprop.training import History

    history = History()
    history.append(epoch=1, cost=0.5, lr=0.1, time=0.25)
    history.append(epoch=2, cost=0.25, accuracy=0.75, val_cost=0.5, lr=0.05, time=0.5)
    assert len(history) == 2 and history.accuracy == [None, 0.75]
    assert history.val_accuracy == [None, None] and history.grad_norm == [None, None]
    assert history.last()["lr"] == 0.05 and History().last() == {}
    again = History.from_dict({**history.to_dict(), "from_a_later_version": [1, 2]})
    assert again == history


def test_recorded_gradient_norms_leave_out_the_l2_term():
    """The L2 term adds (l2 / m) W[l] to dW[l]; the recorded norms are the cost's gradient
    alone, or weight decay would hide a gradient that has vanished (the diagnostics read them).
    The first full-batch epoch's gradient is taken at the initial weights either way."""
    X, y = blobs(m=60)
    norms = [
        Trainer(Network([2, 6, 3], seed=1), GradientDescent(0.1), epochs=1, l2=l2)
        .fit(X, y)
        .grad_norm[0]
        for l2 in (0.0, 5.0)
    ]
    assert norms[1] == norms[0]


def test_evaluation_in_chunks_equals_the_whole_set():
    """evaluate() goes through a large set in chunks of columns; chunks of 7 (the last one
    shorter) must give the cost and accuracy of the whole set at once."""
    from deltaprop.training.loop import evaluate

    X, y = blobs(m=60)
    net = Network([2, 8, 3], seed=0)
    cost, accuracy = evaluate(net, net.check_X(X), net.check_Y(y, 60), chunk=7)
    assert cost == pytest.approx(net.cost(X, y), rel=1e-12)
    assert accuracy == np.mean(net.predict(X) == y)


def test_a_sigmoid_output_of_one_half_counts_as_class_1_as_predict_says():
    from deltaprop.training.loop import n_correct

    net = Network([2, 1], output="sigmoid", seed=0)
    net.W[1][...] = 0  # A = 0.5 for every example
    X, y = np.ones((2, 4)), np.ones(4)
    A_L = net.forward(X)
    assert n_correct(net, A_L, net.check_Y(y, 4)) == np.sum(net.predict(X) == y) == 4


def test_training_accuracy_counts_examples_not_their_weights():
    """With sample weights of 5 the recorded accuracy is still the fraction of examples the
    step's predictions got right (weights scale the cost, not the count)."""
    X, y = blobs(m=60)
    net = Network([2, 8, 3], seed=0)
    predicted = net.predict(X)
    history = Trainer(net, GradientDescent(lr=1e-300), epochs=1).fit(
        X, y, sample_weight=np.full(60, 5.0)
    )
    assert history.accuracy[0] == np.mean(predicted == y)


def test_n_correct_with_and_without_the_labels():
    from deltaprop.training.loop import n_correct

    net = Network([2, 4], seed=0)
    A = np.random.default_rng(0).random((4, 50))
    Y = np.eye(4)[np.random.default_rng(1).integers(0, 4, 50)].T
    expected = int((A.argmax(axis=0) == Y.argmax(axis=0)).sum())
    assert n_correct(net, A, Y) == n_correct(net, A, Y, Y.argmax(axis=0)) == expected
    assert type(n_correct(net, A, Y, Y.argmax(axis=0))) is int


def test_same_seed_gives_bit_identical_weights():
    X, y = blobs()

    def run():
        net = Network([2, 16, 3], seed=4, dtype=np.float32)
        Trainer(net, Adam(lr=0.01), epochs=5, batch_size=8, seed=5).fit(X, y)
        return net

    a, b = run(), run()
    assert all(np.array_equal(a.W[l], b.W[l]) and np.array_equal(a.b[l], b.b[l]) for l in (1, 2))


def test_l2_shrinks_the_weights():
    X, y = blobs()
    plain, shrunk = Network([2, 16, 3], seed=0), Network([2, 16, 3], seed=0)
    Trainer(plain, Adam(lr=0.01), epochs=20, batch_size=20).fit(X, y)
    Trainer(shrunk, Adam(lr=0.01), epochs=20, batch_size=20, l2=5.0).fit(X, y)
    assert np.linalg.norm(shrunk.W[1]) < 0.8 * np.linalg.norm(plain.W[1])


@pytest.mark.parametrize(
    "weighted,l2_over", [(False, "examples"), (True, "examples"), (True, "weight")]
)
def test_validation_cost_carries_the_l2_term_as_the_training_cost_does(weighted, l2_over):
    """Validated on the training data themselves with weights that barely move, the two costs
    must agree: the penalty (l2 / 2 m_b) ||W||^2 of batches of 20, not (l2 / 2 m) ||W||^2 of
    the 120 validation examples, which would make the curves differ by the set's size."""
    X, y = blobs()
    w = np.random.default_rng(1).uniform(0.5, 2, y.size) if weighted else None
    net = Network([2, 16, 3], seed=0)
    trainer = Trainer(
        net, GradientDescent(lr=1e-300), epochs=1, batch_size=20, l2=5.0, l2_over=l2_over
    )
    history = trainer.fit(X, y, validation=(X, y), sample_weight=w)
    if weighted:  # the validation set is not weighted: compare with the data term alone
        data_cost = net.cost(X, y)
        penalty = history.cost[-1] - net.cost(X, y, sample_weight=w)
        assert history.val_cost[-1] == pytest.approx(data_cost + penalty, rel=1e-12)
    else:
        assert history.val_cost[-1] == pytest.approx(history.cost[-1], rel=1e-12)
    assert history.val_cost[-1] > net.cost(X, y, l2=5.0)  # more than the 120-example penalty


def test_early_stopping_restores_the_best_epoch():
    X, y = blobs(m=60)
    X_val, y_val = blobs(m=60, seed=1)
    y_val = (y_val + 1) % 3  # validation labels that disagree: the validation cost will rise
    net = Network([2, 8, 3], seed=0)
    stopper = EarlyStopping(patience=3)
    snapshots = {}

    class Snap(Callback):
        def on_epoch_end(self, trainer, epoch, logs):
            snapshots[epoch] = net.W[1].copy()

    trainer = Trainer(net, Adam(lr=0.05), epochs=100, batch_size=20, callbacks=[Snap(), stopper])
    history = trainer.fit(X, y, validation=(X_val, y_val))
    best = int(np.argmin(history.val_cost)) + 1
    assert len(history) < 100 and stopper.stopped_epoch == len(history)
    assert len(history) - best == 3
    np.testing.assert_array_equal(net.W[1], snapshots[best])


def run_stopper(stopper, costs, first_epoch=1):
    """Feed ``costs`` to ``stopper`` as the epochs' training costs, through a stand-in trainer
    whose weights at epoch e are {"W1": [e]}; return the trainer once stopped or out of costs."""
    trainer = SimpleNamespace(stop_training=False, epoch=0, restored=None)
    trainer.copy_weights = lambda: {"W1": np.array([trainer.epoch])}
    trainer.set_weights = lambda weights: setattr(trainer, "restored", weights)
    for epoch, cost in enumerate(costs, first_epoch):
        trainer.epoch = epoch
        stopper.on_epoch_end(trainer, epoch, {"cost": cost})
        if trainer.stop_training:
            break
    stopper.on_train_end(trainer)
    return trainer


def test_early_stopping_needs_an_improvement_of_more_than_min_delta():
    equal = EarlyStopping(patience=1)
    assert run_stopper(equal, [1.0, 1.0]).stop_training  # an equal cost is no improvement
    assert equal.best_epoch == 1 and equal.stopped_epoch == 2
    small = EarlyStopping(patience=1, min_delta=0.1)
    trainer = run_stopper(small, [1.0, 0.95])
    assert trainer.stop_training and small.best_epoch == 1
    assert trainer.restored["W1"].tolist() == [1]


def test_early_stopping_without_restore_best_keeps_the_last_weights():
    trainer = run_stopper(EarlyStopping(patience=1, restore_best=False), [1.0, 2.0])
    assert trainer.stop_training and trainer.restored is None


def test_early_stopping_state_survives_a_checkpoint():
    stopper = EarlyStopping(patience=2)
    run_stopper(stopper, [1.0, 2.0])  # one epoch without improvement
    resumed = EarlyStopping(patience=2)
    resumed.load_state(stopper.state_dict(), stopper.state_arrays())
    trainer = run_stopper(resumed, [3.0], first_epoch=3)
    assert trainer.stop_training and resumed.stopped_epoch == 3
    assert trainer.restored["W1"].tolist() == [1]


def test_early_stopping_patience_must_be_positive_and_min_delta_not_negative():
    with pytest.raises(ValueError, match="patience must be at least 1, got 0"):
        EarlyStopping(patience=0)
    with pytest.raises(ValueError, match="min_delta must be a non-negative number, got -0.1"):
        EarlyStopping(min_delta=-0.1)  # would count a worse cost as an improvement


def test_divergence_stops_with_a_clear_message_and_keeps_finite_weights():
    X, _ = blobs()
    Y = X.sum(axis=0, keepdims=True)  # regression: gradient descent with a huge step explodes
    net = Network([2, 16, 1], hidden="tanh", output="identity", seed=0)
    trainer = Trainer(net, GradientDescent(lr=50.0), epochs=500, batch_size=None)
    with pytest.raises(TrainingDiverged, match=r"diverged in epoch \d+.*learning rate \(50\)"):
        trainer.fit(X, Y)
    assert len(trainer.history) > 0
    assert all(np.isfinite(P).all() for _, P in net.parameters())
    assert all(math.isfinite(c) for c in trainer.history.cost)


@pytest.mark.parametrize(
    "kwargs,message",
    [(dict(epochs=0), "epochs"), (dict(batch_size=0), "batch size"), (dict(l2=-1), "l2")],
)
def test_bad_trainer_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Trainer(Network([2, 3]), **kwargs)


# --------------------------------------------------------------------------- state from a file


def fitted_state():
    """(a trainer's saved state after 1 epoch, as read back from a checkpoint's JSON, and a
    function making a like trainer): Adam, a plateau schedule, early stopping, diagnostics."""
    import json

    from deltaprop.training.diagnostics import Diagnostics

    X, y = blobs(m=60)

    def make():
        net = Network([2, 4, 3], seed=0)
        schedule = make_schedule("plateau", 0.01)
        callbacks = [EarlyStopping(patience=3), Diagnostics(warn=False)]
        return Trainer(
            net, Adam(0.01), epochs=2, batch_size=16, schedule=schedule, callbacks=callbacks
        )

    first = make()
    first.fit(X, y)
    scalars, arrays = first.state_dict()
    return json.loads(json.dumps(scalars)), {k: np.asarray(v) for k, v in arrays.items()}, make


def at(scalars, path):
    """The dict that holds the entry at ``path`` (keys) of ``scalars``, and its key."""
    for key in path[:-1]:
        scalars = scalars[key]
    return scalars, path[-1]


@pytest.mark.parametrize(
    "path,value,message",
    [
        (("epoch",), "1", "epoch is '1', not an integer >= 0"),
        (("rng_state", "state", "state"), 2**200, "rng_state is {.*}, not the state of a PCG64"),
        (("optimizer", "t"), None, "optimizer lacks 't'"),
        (("history", "cost"), 1.5, r"history cost is 1\.5, not a list of at most 2 entries"),
        (("history", "grad_norm"), [[1.0], "x"], r"history grad_norm\[1\] is 'x', not a number"),
        (("running", "seen"), "x", r"running\['seen'\] is 'x', not a finite number >= 0"),
        (("schedule", "state", "best"), None, "schedule lacks 'best'"),
        (("callbacks", "EarlyStopping", "best"), "x", "EarlyStopping best is 'x', not a number"),
        (
            ("callbacks", "Diagnostics", "reported"),
            [["dead", "1"]],
            r"Diagnostics reported is .*pairs$",
        ),
    ],
)
def test_a_saved_state_that_is_wrong_is_refused_before_it_is_used(path, value, message):
    """Each entry came from a file and was used as it was: a text epoch, a generator state too
    large (OverflowError), a missing key (KeyError), a number for a list (TypeError), text for
    a running sum (TypeError at the next step), ..."""
    scalars, arrays, make = fitted_state()
    holder, key = at(scalars, path)
    if value is None:
        del holder[key]
    else:
        holder[key] = value
    with pytest.raises(ValueError, match=f"^(trainer state: )?{message}"):
        make().load_state_dict(scalars, arrays)


def test_a_state_saved_between_epochs_resumes_without_the_epochs_generator_state():
    """Only a run stopped inside an epoch needs the generator state its epoch started from; a
    state saved between epochs without it failed to load (KeyError)."""
    scalars, arrays, make = fitted_state()
    assert scalars["batch"] == 0
    trainers = [make(), make()]
    trainers[0].load_state_dict(json.loads(json.dumps(scalars)), arrays)
    del scalars["epoch_rng_state"]
    trainers[1].load_state_dict(scalars, arrays)
    X, y = blobs(m=60)
    for trainer in trainers:
        trainer.epochs = 3
        trainer.fit(X, y)
    for (name, P), (_, Q) in zip(*(t.network.parameters() for t in trainers), strict=True):
        np.testing.assert_array_equal(P, Q, err_msg=name)
    assert len(trainers[1].history) == 3


def test_saved_optimizer_state_must_be_float_arrays_of_the_parameters_shapes():
    """An integer moment failed at the first step (numpy's UFuncOutputCastingError, a
    TypeError); one of another shape failed there too, or was silently used."""
    scalars, arrays, make = fitted_state()
    arrays["optimizer/M:W[1]"] = np.zeros((4, 2), dtype=np.int64)
    with pytest.raises(ValueError, match=r"optimizer array 'M:W\[1\]' is a int64 array of shape"):
        make().load_state_dict(scalars, arrays)
    arrays["optimizer/M:W[1]"] = np.zeros((2, 4))
    with pytest.raises(ValueError, match=r"its parameter's shape is \(4, 2\)"):
        make().load_state_dict(scalars, arrays)


@pytest.mark.parametrize("step", [9, 4])
def test_a_saved_step_beyond_the_epoch_of_the_data_is_refused(step):
    """A state resumed after step 9 (or 4, the last) of an epoch of 4 steps: the loop ran none
    and ended the epoch on the activations of a mini-batch it never computed (KeyError). A run
    stopped after an epoch's last step ends the epoch first, so no file holds step 4."""
    scalars, arrays, make = fitted_state()
    scalars["epoch"], scalars["batch"] = 1, step
    scalars["epoch_rng_state"] = scalars["rng_state"]
    scalars["history"] = {k: v[:1] for k, v in scalars["history"].items()}
    trainer = make()
    trainer.load_state_dict(scalars, arrays)
    with pytest.raises(ValueError, match=f"after step {step} of an epoch, but an epoch of these"):
        trainer.fit(*blobs(m=60))


def test_training_objects_show_the_call_that_makes_them():
    from deltaprop.training.schedules import Cosine, StepDecay

    assert repr(Adam(lr=0.01)) == "Adam(lr=0.01)"
    assert repr(Adam(eps_hat=True, clip_norm=5.0)) == "Adam(clip_norm=5.0, eps_hat=True)"
    assert repr(GradientDescent(0.1)) == "GradientDescent(lr=0.1)"
    assert repr(Momentum(nesterov=True)) == "Momentum(nesterov=True)"
    assert repr(StepDecay(0.1, gamma=0.1)) == "StepDecay(lr0=0.1, gamma=0.1)"
    assert repr(Cosine(0.1, 20)) == "Cosine(lr0=0.1, epochs=20)"
    assert repr(EarlyStopping(patience=3)) == "EarlyStopping(patience=3)"


def test_the_epochs_cost_averages_batches_by_weight_or_by_size():
    """Two unshuffled batches at lr 0 (the costs do not change): "weight" is the epoch's
    weighted mean cost, "size" averages the batches' weighted means by their sizes."""
    X, y = blobs(m=12)
    w = np.array([1.0] * 8 + [5.0] * 4)
    costs = {}
    for mean in ("weight", "size"):
        net = Network([2, 4, 3], seed=0)
        trainer = Trainer(
            net, GradientDescent(lr=1e-300), epochs=1, batch_size=8, shuffle=False, cost_mean=mean
        )
        costs[mean] = trainer.fit(X, y, sample_weight=w).cost[0]
    J = [net.cost(X[:, s], y[s], sample_weight=w[s]) for s in (slice(0, 8), slice(8, 12))]
    assert costs["size"] == pytest.approx((8 * J[0] + 4 * J[1]) / 12, rel=1e-12)
    assert costs["weight"] == pytest.approx((8 * J[0] + 20 * J[1]) / 28, rel=1e-12)
    with pytest.raises(ValueError, match="cost_mean must be 'weight' or 'size', got 'batch'"):
        Trainer(net, cost_mean="batch")
