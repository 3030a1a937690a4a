"""The chapters' training conventions (nndl_lib.conventions) as one value, and where they apply
(bad values are refused when the value is made, before any training)."""

import numpy as np
import pytest
from helpers import labelled_data

from nndl_lib.conventions import CHAPTER_1, CHAPTER_3, CHAPTER_6, TrainingConventions
from nndl_lib.deep.convnet import ConvNetwork
from nndl_lib.deep.layers import FullyConnectedLayer, SoftmaxLayer
from nndl_lib.training import train


def test_the_named_conventions_are_the_books():
    assert CHAPTER_1 == CHAPTER_3 == TrainingConventions(True, False, None, "first")
    assert CHAPTER_6 == TrainingConventions(shuffle=False, drop_last=True,
                                            lmbda_n="mini_batches", ties="last")
    assert CHAPTER_6.but(shuffle=True).shuffle and not CHAPTER_6.shuffle  # frozen: a copy
    with pytest.raises(AttributeError):
        CHAPTER_3.shuffle = False


@pytest.mark.parametrize(("conventions", "n"), [(CHAPTER_3, 53), (CHAPTER_6, 5),
                                                (CHAPTER_6.but(drop_last=False), 6),
                                                (CHAPTER_3.but(lmbda_n=7), 7)])
def test_weight_decay_n_is_the_examples_or_the_mini_batches(conventions, n):
    assert conventions.weight_decay_n(53, 10) == n


@pytest.mark.parametrize(("changes", "message"), [({"ties": "middle"}, "ties"),
                                                  ({"lmbda_n": 0}, "lmbda_n"),
                                                  ({"lmbda_n": "examples"}, "lmbda_n")])
def test_bad_conventions_are_refused_with_a_reason(changes, message):
    with pytest.raises(ValueError, match=message):
        CHAPTER_3.but(**changes)


def test_convnetwork_sgd_is_train_with_chapter_6s_conventions():
    x, y = labelled_data(45, 6, 2, seed=5)
    nets = [ConvNetwork([FullyConnectedLayer(6, 4, rng=1), SoftmaxLayer(4, 2)],
                        dtype=np.float64) for _ in range(2)]
    nets[0].SGD((x, y), 2, 10, 0.3, (x, y), lmbda=0.5, seed=0, progress=False)
    train(nets[1], (x, y), 2, 10, 0.3, 0.5, evaluation_data=(x, y), conventions=CHAPTER_6,
          seed=0, progress=False)
    for p, q in zip(nets[0].params, nets[1].params, strict=True):
        np.testing.assert_array_equal(p, q)

