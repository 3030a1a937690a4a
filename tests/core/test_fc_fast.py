"""The training loop's fast path (nndl_lib.fc_fast) against the readable kernels of nndl_lib.fc.

The fast epoch holds the first layer transposed and leaves out the pixels that are blank in a whole
mini-batch; its weights must equal, to rounding, those of the same epoch computed one example at a
time by ``fc.backprop_example`` (``Network.SGD(backprop="example")``) or by ``fc.backprop`` with an
optimiser object (which disables the fast path).
"""

import numpy as np
import pytest
from helpers import labelled_data

from nndl_lib import fc_fast
from nndl_lib.grading.checks import check_against_reference
from nndl_lib.network import Network
from nndl_lib.optimizers import SGD as PlainSGD


def _sparse_data(n, n_in, n_out, seed=0, lit=0.05):
    """Inputs like MNIST's: mostly zeros, and a few columns zero in every row."""
    rng = np.random.default_rng(seed)
    x = rng.random((n, n_in)) * (rng.random((n, n_in)) < lit)
    x[:, : n_in // 5] = 0.0  # always blank, like MNIST's border pixels
    return x, rng.integers(0, n_out, size=n)


@pytest.fixture
def widths(monkeypatch):
    """The number of input columns each mini-batch of the fast path multiplies by."""
    seen, inner = [], fc_fast._scaled_backprop

    def spy(x, *args, **kwargs):
        seen.append(x.shape[1])
        return inner(x, *args, **kwargs)

    monkeypatch.setattr(fc_fast, "_scaled_backprop", spy)
    return seen


@pytest.mark.parametrize(
    "sizes, dtype, mini_batch_size, options",
    [([30, 8, 3], np.float64, 10, {}),
     ([30, 8, 3], np.float64, 7, {"lmbda": 3.0}),  # 7 does not divide 60: a short last batch
     ([30, 8, 3], np.float64, 10, {"lmbda": 3.0, "regularization": "l1"}),
     ([30, 9, 6, 3], np.float64, 10, {"dropout": 0.3, "lmbda": 1.0}),
     ([30, 3], np.float64, 10, {"lmbda": 1.0}),  # one layer: the first layer is the output
     ([30, 8, 3], np.float32, 10, {"lmbda": 3.0})],
)
def test_fast_epoch_equals_per_example_backprop_when_blank_pixels_are_left_out(
        widths, sizes, dtype, mini_batch_size, options):
    x, y = _sparse_data(60, sizes[0], sizes[-1], seed=1)
    fast, slow = (Network(sizes, dtype=dtype, seed=4) for _ in range(2))
    first = fast.weights[0]
    fast.SGD((x, y), 2, mini_batch_size, 0.5, monitor=None, seed=2, progress=False, **options)
    slow.SGD((x, y), 2, mini_batch_size, 0.5, monitor=None, seed=2, progress=False,
             backprop="example", **options)
    # the sparse branch really ran: every mini-batch saw fewer than all 30 pixels
    assert len(widths) == 2 * -(-60 // mini_batch_size)
    assert max(widths) < sizes[0] * fc_fast.LIT_FRACTION
    assert fast.weights[0] is first and first.flags.c_contiguous
    result = check_against_reference(fast.weights + fast.biases, slow.weights + slow.biases,
                                     check="fast epoch vs per-example", kind="fast_vs_naive",
                                     check_dtype=True)
    assert result, result.message


@pytest.mark.parametrize("cost, act", [("quadratic", "sigmoid"), ("log-likelihood", "relu"),
                                       ("quadratic", "tanh")])
def test_fast_epoch_equals_matrix_backprop_with_an_optimizer_for_every_cost(widths, cost, act):
    x, y = labelled_data(40, 12, 3, seed=3)  # dense: no pixel is 0
    fast, slow = (Network([12, 5, 3], cost=cost, activation=act, seed=1) for _ in range(2))
    fast.SGD((x, y), 1, 10, 0.5, lmbda=1.0, monitor=None, seed=0, progress=False)
    slow.SGD((x, y), 1, 10, 0.5, lmbda=1.0, monitor=None, seed=0, progress=False,
             optimizer=PlainSGD(eta=0.5))
    assert widths == [12] * 4  # few blank pixels: all are kept
    result = check_against_reference(fast.weights + fast.biases, slow.weights + slow.biases,
                                     check="fast epoch vs matrix backprop", kind="fast_vs_naive")
    assert result, result.message


def test_fast_epoch_handles_a_mini_batch_with_no_lit_pixel(widths):
    x = np.zeros((20, 6))  # blank images: every mini-batch leaves out all six pixels
    y = np.arange(20) % 3
    fast, slow = Network([6, 4, 3], seed=1), Network([6, 4, 3], seed=1)
    fast.SGD((x, y), 2, 10, 0.5, lmbda=1.0, monitor=None, seed=0, progress=False)
    slow.SGD((x, y), 2, 10, 0.5, lmbda=1.0, monitor=None, seed=0, progress=False,
             backprop="example")
    assert widths == [0] * 4
    result = check_against_reference(fast.weights + fast.biases, slow.weights + slow.biases,
                                     check="fast epoch on blank images", kind="fast_vs_naive")
    assert result, result.message


def test_fast_epoch_writes_the_first_layer_back_when_interrupted(monkeypatch):
    """A Ctrl-C mid-epoch leaves the network as it was after the last finished mini-batch."""
    x, y = _sparse_data(50, 20, 3, seed=5)

    def interrupt_third(inner):
        calls = []

        def wrapped(*args, **kwargs):
            calls.append(1)
            if len(calls) == 3:
                raise KeyboardInterrupt
            return inner(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(fc_fast, "_scaled_backprop", interrupt_third(fc_fast._scaled_backprop))
    fast, slow = Network([20, 6, 3], seed=7), Network([20, 6, 3], seed=7)
    slow.example_gradients = interrupt_third(slow.example_gradients)
    for net, backprop in ((fast, "matrix"), (slow, "example")):
        with pytest.raises(KeyboardInterrupt):
            net.SGD((x, y), 1, 10, 0.5, lmbda=2.0, monitor=None, seed=0, progress=False,
                    backprop=backprop)
    untrained = Network([20, 6, 3], seed=7)
    assert not np.allclose(fast.weights[0], untrained.weights[0])  # two steps were taken
    result = check_against_reference(fast.weights + fast.biases, slow.weights + slow.biases,
                                     check="interrupted fast epoch", kind="fast_vs_naive")
    assert result, result.message
