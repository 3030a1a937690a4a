"""The one trainer (nndl_lib.training): mini-batches, the update rule, the history, ties, test data
at the best epoch, callbacks, the same maths for both network kinds and on both paths (the
model's fast epoch and the per-mini-batch loop)."""

import json

import numpy as np
import pytest
from helpers import labelled_data

from nndl_lib.conventions import CHAPTER_3, TrainingConventions
from nndl_lib.deep.convnet import ConvNetwork
from nndl_lib.deep.layers import FullyConnectedLayer, SoftmaxLayer
from nndl_lib.network import Network
from nndl_lib.optimizers import SGD as PlainSGD
from nndl_lib.training import History, mini_batches, sgd_step, train


def test_mini_batches_cover_every_example_once_and_drop_last_leaves_out_the_rest():
    order = np.random.default_rng(0).permutation(23)
    batches = list(mini_batches(23, 5, order))
    assert [len(b) for b in batches] == [5, 5, 5, 5, 3]
    np.testing.assert_array_equal(np.concatenate(batches), order)
    assert [len(b) for b in mini_batches(23, 5, order, drop_last=True)] == [5] * 4
    assert list(mini_batches(7, 3)) == [slice(0, 3), slice(3, 6), slice(6, 9)]


@pytest.mark.parametrize("kind", ["l2", "l1"])
def test_sgd_step_regularises_weights_only_and_matches_the_optimizer_form(kind):
    rng = np.random.default_rng(1)
    w, b = rng.normal(size=(3, 4)), rng.normal(size=3)
    nw, nb = rng.normal(size=(3, 4)), rng.normal(size=3)
    eta, lmbda, n = 0.5, 2.0, 10
    plain = [w.copy()], [b.copy()]
    sgd_step(*plain, [nw], [nb], eta, lmbda, n, kind)
    shrink = (1 - eta * lmbda / n) * w if kind == "l2" else w - eta * lmbda / n * np.sign(w)
    np.testing.assert_allclose(plain[0][0], shrink - eta * nw, rtol=1e-14)
    np.testing.assert_allclose(plain[1][0], b - eta * nb, rtol=1e-14)  # biases: no decay
    via_optimizer = [w.copy()], [b.copy()]
    sgd_step(*via_optimizer, [nw], [nb], eta, lmbda, n, kind, optimizer=PlainSGD(eta))
    np.testing.assert_allclose(via_optimizer[0][0], plain[0][0], rtol=1e-13)
    np.testing.assert_allclose(via_optimizer[1][0], plain[1][0], rtol=1e-13)


def test_both_network_kinds_do_the_same_maths_through_the_one_trainer():
    """Softmax regression as a Network and as a ConvNetwork: same weights after training."""
    x, y = labelled_data(60, 5, 3, seed=2)
    fc_net = Network([5, 3], cost="log-likelihood", seed=0)
    layered = ConvNetwork([SoftmaxLayer(5, 3)], dtype=np.float64)
    for w in (fc_net.weights[0], layered.layers[0].w):
        w[...] = np.random.default_rng(4).normal(size=(3, 5))
    for b in (fc_net.biases[0], layered.layers[0].b):
        b[...] = 0.1
    h1 = fc_net.SGD((x, y), 3, 10, 0.5, evaluation_data=(x, y), seed=7, progress=False)
    h2 = layered.SGD((x, y), 3, 10, 0.5, (x, y), seed=7, shuffle=True, progress=False)
    assert type(h1) is type(h2) is History
    np.testing.assert_allclose(fc_net.weights[0], layered.layers[0].w, rtol=1e-12)
    np.testing.assert_allclose(fc_net.biases[0], layered.layers[0].b, rtol=1e-12)
    assert h1.evaluation_accuracy == h2.validation_accuracy


def test_chapter_6_lambda_is_chapter_3_lambda_with_n_the_number_of_mini_batches():
    x, y = labelled_data(40, 6, 2, seed=5)
    nets = [ConvNetwork([FullyConnectedLayer(6, 4, rng=1), SoftmaxLayer(4, 2)],
                        dtype=np.float64) for _ in range(2)]
    nets[0].SGD((x, y), 2, 10, 0.3, (x, y), lmbda=0.5, seed=0, progress=False)
    ordered = TrainingConventions(shuffle=False, drop_last=True, lmbda_n=4)  # 40 // 10 = 4
    train(nets[1], (x, y), 2, 10, 0.3, 0.5, evaluation_data=(x, y), conventions=ordered, seed=0,
          progress=False)
    for p, q in zip(nets[0].params, nets[1].params, strict=True):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize("ties", ["first", "last"])
def test_best_epoch_follows_the_tie_rule_and_test_accuracy_is_taken_at_it(ties):
    x, y = labelled_data(20, 3, 2, seed=6)
    xt, yt = labelled_data(10, 3, 2, seed=7)
    net = Network([3, 4, 2], seed=1)
    # eta so small that the accuracy never changes: every epoch ties with the first
    h = train(net, (x, y), 4, 5, 1e-12, evaluation_data=(x, y), test_data=(xt, yt),
              conventions=CHAPTER_3.but(ties=ties), seed=0, progress=False)
    assert len(set(h.evaluation_accuracy)) == 1
    assert h.best_epoch == (0 if ties == "first" else 3)
    tested = [i for i, t in enumerate(h.test_accuracy) if t is not None]
    assert tested == ([0] if ties == "first" else [0, 1, 2, 3])
    assert h.test_accuracy_at_best == pytest.approx(net.accuracy(xt, yt))


def test_callback_sees_every_epoch_and_can_stop_training():
    x, y = labelled_data(30, 3, 2, seed=8)
    seen = []

    def record(epoch, model, history):
        seen.append((epoch, history.epochs_run, model.weights[0].copy()))
        return epoch == 2

    h = Network([3, 4, 2], seed=2).SGD((x, y), 10, 10, 0.5, monitor=None, callback=record,
                                      progress=False)
    assert [s[:2] for s in seen] == [(0, 1), (1, 2), (2, 3)]
    assert h.epochs_run == 3 and h.stop_reason == "callback"
    assert not np.array_equal(seen[0][2], seen[1][2])  # the model the callback sees trains


def test_history_is_json_friendly():
    x, y = labelled_data(20, 3, 2, seed=9)
    h = Network([3, 4, 2], seed=3).SGD((x, y), 2, 10, 0.5, evaluation_data=(x, y),
                                      monitor="all", progress=False)
    restored = json.loads(json.dumps(h.as_dict()))
    assert restored["evaluation_accuracy"] == h.evaluation_accuracy
    assert restored["best_epoch"] == h.best_epoch and restored["stop_reason"] == "epochs"


def test_train_rejects_bad_arguments_before_changing_anything():
    x, y = labelled_data(12, 3, 2, seed=10)
    net = Network([3, 4, 2], seed=4)
    before = [p.copy() for p in net.weights + net.biases]
    for kwargs, message in [({"conventions": "chapter 6"}, "must be a TrainingConventions"),
                            ({"optimizer": object()}, "optimizer must have an 'eta'"),
                            ({"monitor": ("accuracy",)}, "unknown monitor option"),
                            ({"test_data": (x, y)}, "evaluation_data is required")]:
        with pytest.raises((ValueError, TypeError), match=message):
            train(net, (x, y), 1, 4, 0.5, **kwargs, progress=False)
    with pytest.raises(ValueError, match="dropout"):
        net.SGD((x, y), 1, 4, 0.5, dropout=1.5, monitor=None, progress=False)
    with pytest.raises(ValueError, match="eta must be a positive"):
        net.SGD((x, y), 1, 4, -0.5, dropout=0.5, monitor=None, progress=False)
    assert net.dropout == 0.0
    for p, q in zip(net.weights + net.biases, before, strict=True):
        np.testing.assert_array_equal(p, q)


@pytest.mark.parametrize(("regularization", "dropout"), [("l2", 0.0), ("l1", 0.0), ("l2", 0.3)])
def test_the_fast_epoch_and_the_per_batch_loop_take_the_same_steps(regularization, dropout):
    x, y = labelled_data(53, 6, 3, seed=9)  # 53: the last mini-batch is smaller
    nets, histories = [Network([6, 5, 3], seed=2) for _ in range(2)], []
    for net, fast in zip(nets, (True, False), strict=True):
        net.dropout = dropout
        histories.append(train(net, (x, y), 3, 10, 0.4, 2.0, evaluation_data=(x, y),
                               regularization=regularization, fast=fast, seed=5,
                               progress=False))
    for p, q in zip(nets[0].weights + nets[0].biases, nets[1].weights + nets[1].biases,
                    strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-12, atol=1e-14)
    assert histories[0].evaluation_accuracy == histories[1].evaluation_accuracy


def test_the_path_is_chosen_by_the_fast_flag_and_the_step_not_by_the_gradient_method(
        monkeypatch):
    x, y = labelled_data(20, 4, 2, seed=3)
    net = Network([4, 3, 2], seed=0)
    calls = []
    monkeypatch.setattr(net, "sgd_epoch_fast", lambda *args: calls.append("fast"))
    train(net, (x, y), 1, 5, 0.1, monitor=None, seed=0, progress=False)
    assert calls == ["fast"]
    train(net, (x, y), 1, 5, 0.1, monitor=None, seed=0, progress=False, fast=False)
    train(net, (x, y), 1, 5, 0.1, monitor=None, seed=0, progress=False,
          gradients=net.batch_gradients)  # given gradients: the loop, even if they are the same
    train(net, (x, y), 1, 5, 0.1, monitor=None, seed=0, progress=False,
          optimizer=PlainSGD(0.1))
    assert calls == ["fast"]
