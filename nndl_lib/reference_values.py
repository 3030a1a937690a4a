"""Known numbers, kept in one place: the book's published results and the worked examples.

Chapters quote these as *the book's* values beside what they compute live; tests compare the
library against them with tolerances stated where they are used; the reproduction ledger uses the
``BOOK_RESULTS`` entries as its expected values. Nothing here is computed by the library.

Sources: Nielsen's *Neural Networks and Deep Learning* (text and result files of its code) and the
course plan's corrected worked examples (see ``../shared/course-plan.md``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "BookResult",
    "BOOK_RESULTS",
    "book_result",
    "CH5_GRADIENT_NORMS_AT_INIT",
    "WORKED_EXAMPLE_222",
    "EXERCISE_KEYS",
    "APPENDIX_SAI",
]


@dataclass(frozen=True)
class BookResult:
    """One published experiment. ``accuracy`` is in percent; ``metric`` says on which data."""

    key: str
    chapter: int
    description: str
    accuracy: float
    metric: str = "test"  # "test", "validation" or "test at best validation"
    sizes: tuple[int, ...] | None = None
    cost: str | None = None
    init: str | None = None
    eta: float | None = None
    lmbda: float | None = None
    epochs: int | None = None
    mini_batch_size: int = 10
    training_size: int = 50_000
    note: str = ""
    extra: dict = field(default_factory=dict)


_R = BookResult
BOOK_RESULTS: dict[str, BookResult] = {
    r.key: r
    for r in [
        # Chapter 1 (best epoch on test data, best of three runs)
        _R("ch1_random", 1, "random guessing", 10.0, note="about 10%"),
        _R("ch1_darkness", 1, "average-darkness baseline", 22.25),
        _R("ch1_svm", 1, "SVM, scikit-learn SVC(gamma='auto')", 94.35,
           note="today's default gamma='scale' gives about 98%"),
        _R("ch1_30", 1, "first network", 95.42, sizes=(784, 30, 10), cost="quadratic",
           init="large", eta=3.0, lmbda=0.0, epochs=30,
           note="peak test accuracy at epoch 28; 91.29% after epoch 0",
           extra={"after_epoch_0": 91.29}),
        _R("ch1_100", 1, "wider network", 96.59, sizes=(784, 100, 10), cost="quadratic",
           init="large", eta=3.0, lmbda=0.0, epochs=30),
        _R("ch1_eta_small", 1, "learning rate too small", 21.42, sizes=(784, 100, 10),
           cost="quadratic", init="large", eta=0.001, lmbda=0.0, epochs=30,
           note="at epoch 29; depends strongly on the seed"),
        _R("ch1_eta_large", 1, "learning rate too large", 9.82, sizes=(784, 30, 10),
           cost="quadratic", init="large", eta=100.0, lmbda=0.0, epochs=30,
           note="a diverged net predicts one class: 8.9-11.4% depending on the digit"),
        # Chapter 3
        _R("ch3_ce_30", 3, "cross-entropy cost", 95.49, sizes=(784, 30, 10),
           cost="cross-entropy", init="large", eta=0.5, lmbda=0.0, epochs=30,
           note="book text; not re-checked against the result files"),
        _R("ch3_ce_100", 3, "cross-entropy cost, wider", 96.82, sizes=(784, 100, 10),
           cost="cross-entropy", init="large", eta=0.5, lmbda=0.0, epochs=30,
           note="book text; not re-checked against the result files"),
        _R("ch3_overfit_1000", 3, "overfitting: 1,000 training images", 82.27,
           sizes=(784, 30, 10), cost="cross-entropy", init="large", eta=0.5, lmbda=0.0,
           epochs=400, training_size=1000, note="max test accuracy; training accuracy 100%"),
        _R("ch3_l2_1000", 3, "L2 on 1,000 images", 87.10, sizes=(784, 30, 10),
           cost="cross-entropy", init="large", eta=0.5, lmbda=0.1, epochs=400,
           training_size=1000, note="max test accuracy"),
        _R("ch3_full_no_l2", 3, "full data, no L2", 95.33, sizes=(784, 30, 10),
           cost="cross-entropy", init="large", eta=0.5, lmbda=0.0, epochs=30,
           note="max test accuracy (figure script)"),
        _R("ch3_full_l2", 3, "full data, L2", 96.49, sizes=(784, 30, 10), cost="cross-entropy",
           init="large", eta=0.5, lmbda=5.0, epochs=30, note="max test accuracy"),
        _R("ch3_best_shallow", 3, "best shallow net", 98.04, sizes=(784, 100, 10),
           cost="cross-entropy", init="default", eta=0.1, lmbda=5.0, epochs=60),
        _R("ch3_init_default_30", 3, "default init", 96.53, metric="validation",
           sizes=(784, 30, 10), cost="cross-entropy", init="default", eta=0.1, lmbda=5.0,
           epochs=30),
        _R("ch3_init_large_30", 3, "large init", 96.48, metric="validation",
           sizes=(784, 30, 10), cost="cross-entropy", init="large", eta=0.1, lmbda=5.0,
           epochs=30),
        _R("ch3_init_default_100", 3, "default init, wider", 97.81, metric="validation",
           sizes=(784, 100, 10), cost="cross-entropy", init="default", eta=0.1, lmbda=5.0,
           epochs=30),
        _R("ch3_init_large_100", 3, "large init, wider", 97.55, metric="validation",
           sizes=(784, 100, 10), cost="cross-entropy", init="large", eta=0.1, lmbda=5.0,
           epochs=30),
        *[
            _R(f"ch3_more_data_{n}", 3, f"more training data: n = {n}", acc,
               metric="validation", sizes=(784, 30, 10), cost="cross-entropy", init="large",
               eta=0.5, lmbda=n * 1e-4, epochs=1_500_000 // n, training_size=n)
            for n, acc in [(100, 69.09), (200, 76.37), (500, 85.29), (1000, 88.85),
                           (2000, 91.27), (5000, 93.24), (10000, 94.89), (20000, 95.85),
                           (50000, 95.97)]
        ],
        # Chapter 5 (validation accuracy, default init)
        *[
            _R(f"ch5_depth_{d}", 5, f"{d} hidden layer(s) of 30", acc, metric="validation",
               sizes=(784, *([30] * d), 10), cost="cross-entropy", init="default", eta=0.1,
               lmbda=5.0, epochs=30)
            for d, acc in [(1, 96.48), (2, 96.90), (3, 96.57), (4, 96.53)]
        ],
        # Chapter 6 (softmax + log-likelihood, test accuracy at the best validation epoch)
        _R("ch6_shallow", 6, "FC 100 -> softmax 10 (sigmoid)", 97.80,
           metric="test at best validation", eta=0.1, lmbda=0.0, epochs=60),
        _R("ch6_conv1", 6, "conv 20@5x5 + pool -> FC 100 -> softmax (sigmoid)", 98.78,
           metric="test at best validation", eta=0.1, lmbda=0.0, epochs=60),
        _R("ch6_conv2", 6, "two conv-pool layers -> FC 100 -> softmax (sigmoid)", 99.06,
           metric="test at best validation", eta=0.1, lmbda=0.0, epochs=60),
        _R("ch6_relu", 6, "two conv-pool layers, ReLU", 99.23, metric="test at best validation",
           eta=0.03, lmbda=0.1, epochs=60, note="the code uses lambda = 0.1; the text says 0.01"),
        _R("ch6_expanded", 6, "ReLU + expanded data (250,000 images)", 99.37,
           metric="test at best validation", eta=0.03, lmbda=0.1, epochs=60,
           training_size=250_000),
        _R("ch6_fc300", 6, "expanded data, FC 300", 99.46, metric="test at best validation",
           eta=0.03, lmbda=0.1, epochs=60, training_size=250_000),
        _R("ch6_fc1000", 6, "expanded data, FC 1000", 99.43, metric="test at best validation",
           eta=0.03, lmbda=0.1, epochs=60, training_size=250_000),
        _R("ch6_two_fc100", 6, "expanded data, FC 100 + FC 100", 99.43,
           metric="test at best validation", eta=0.03, lmbda=0.1, epochs=60,
           training_size=250_000, extra={"fc300+300": 99.48, "fc1000+1000": 99.47}),
        _R("ch6_dropout", 6, "FC 1000 + FC 1000 + softmax, dropout 0.5", 99.60,
           metric="test at best validation", eta=0.03, lmbda=0.0, epochs=40,
           training_size=250_000),
        _R("ch6_ensemble", 6, "plurality vote of 5 dropout nets", 99.67,
           metric="test at best validation", eta=0.03, lmbda=0.0, epochs=40,
           training_size=250_000, note="33 test errors", extra={"errors": 33}),
    ]
}
del _R


def book_result(key: str) -> BookResult:
    """The published result ``key`` (see ``BOOK_RESULTS``), with a helpful error if unknown."""
    try:
        return BOOK_RESULTS[key]
    except KeyError:
        raise KeyError(f"no book result {key!r}; known keys: {sorted(BOOK_RESULTS)}") from None


# Chapter 5: norm of the mean gradient dC/db per hidden layer at initialisation, 1,000 images,
# cross-entropy, default init (first hidden layer first).
CH5_GRADIENT_NORMS_AT_INIT: dict[tuple[int, ...], tuple[float, ...]] = {
    (784, 30, 30, 10): (0.066, 0.309),
    (784, 30, 30, 30, 10): (0.012, 0.060, 0.283),
    (784, 30, 30, 30, 30, 10): (0.003, 0.017, 0.070, 0.285),
}

# The worked 2-2-2 backprop example (foundations notes, corrected; see the course plan).
# w1, w2 feed h1; w3, w4 feed h2; w5, w6 feed o1; w7, w8 feed o2. In the library's layout:
# weights[0] = [[w1, w2], [w3, w4]], weights[1] = [[w5, w6], [w7, w8]].
WORKED_EXAMPLE_222: dict = {
    "x": (0.05, 0.10),
    "y": (0.01, 0.99),
    "w": (0.15, 0.20, 0.25, 0.30, 0.40, 0.45, 0.50, 0.55),
    "b_hidden": 0.35,
    "b_output": 0.60,
    "eta": 0.5,
    "net_h1": 0.3775,
    "out_h1": 0.593269992,
    "out_h2": 0.596884378,
    "net_o1": 1.105905967,
    "out_o1": 0.751365070,
    "out_o2": 0.772928465,
    "E_o1": 0.274811083,
    "E_o2": 0.023560026,
    "E_total": 0.298371109,
    "dE_dw": (0.000438568, 0.000877135, 0.000497713, 0.000995425,
              0.082167041, 0.082667628, -0.022602540, -0.022740242),
    "w_after_step": (0.14978072, 0.19956143, 0.24975114, 0.29950229,
                     0.35891648, 0.40866619, 0.51130127, 0.56137012),
    "E_total_after_step": 0.291027774,
}

# Answers to exercises (computed and checked in the course plan).
EXERCISE_KEYS: dict = {
    "ch1_perceptron_vote": {"x": (4, 1, -3), "w": (1, 3, 2), "threshold": 3,
                            "weighted_sum": 1, "output": 0},
    "ch1_nand": {"w": (-2, -2), "b": 3, "inputs": ((0, 0), (0, 1), (1, 0), (1, 1)),
                 "outputs": (1, 1, 1, 0)},
    "ch1_parameter_counts": {(784, 30, 10): 23_860, (784, 100, 10): 79_510},
    "ch3_single_neuron": {"starts": ((0.6, 0.9), (2.0, 2.0)), "a": (0.817574, 0.982014),
                          "quadratic_dC_dw": (0.121938, 0.017345)},
    "ch3_z_std": {"large": 22.383, "default": 1.2247},
    "ch3_l2_decay_factor": {"eta": 0.5, "lmbda": 5.0, "n": 50_000, "factor": 0.99995},
    "ch3_softmax": {"z": (3.0, 1.0, -3.0), "a": (0.87888, 0.11894, 0.00218)},
    "ch3_hessian_entries": {"parameters": 10**7, "entries": 10**14},
    "ch5_widest_interval": {"width": 0.4477, "w": 6.894, "min_w": 4.0},
    "ch5_w100_factor": 25.0,
    "ch6_conv_output_size": {(28, 5, 1, 0): 24, (5, 3, 2, 0): 2, (5, 3, 2, 1): 3,
                             (227, 11, 4, 0): 55},
    "ch6_parameter_counts": {"two 3x3x3 filters": 56, "20 maps 5x5 on 1 channel": 520,
                             "40 maps 5x5 on 20 channels": 20_040},
    "ch6_conv_example": {
        "image": ((1, 1, 1, 0, 0), (0, 1, 1, 1, 0), (0, 0, 1, 1, 1), (0, 0, 1, 1, 0),
                  (0, 1, 1, 0, 0)),
        "filter": ((1, 0, 1), (0, 1, 0), (1, 0, 1)),
        "stride1": ((4, 3, 4), (2, 4, 3), (2, 3, 4)),
        "stride2": ((4, 4), (2, 4)),
    },
    "foundations_one_hot": {"categories": ((0, 1, 3), (1, 2, 1)), "sizes": (2, 3, 4),
                            "codes": ((1, 0, 0, 1, 0, 0, 0, 0, 1), (0, 1, 0, 0, 1, 0, 1, 0, 0))},
}

# The appendix "Is there a simple algorithm for intelligence?": the orders of magnitude its argument
# uses. "source" says where each number comes from: "book" = stated in the appendix's text (taken
# from the text as we know it; not re-checked against a copy of the page while writing),
# "estimate" = a standard round figure the argument relies on, stated by us, "definition" = exact.
APPENDIX_SAI: dict[str, dict] = {
    "neurons": {"value": 1e11, "source": "book",
                "note": "the human brain has on the order of 100 billion neurons"},
    "synapses": {"value": 1e14, "source": "book",
                 "note": "on the order of 100 trillion connections between neurons"},
    "human_chimp_difference_base_pairs": {
        "value": 125e6, "source": "book",
        "note": "the human and chimpanzee genomes differ in roughly 125 million base pairs "
                "(a few percent of the genome)"},
    "bits_per_base_pair": {"value": 2, "source": "definition",
                           "note": "one of four letters A, C, G, T: log2(4) = 2 bits"},
    "genome_base_pairs": {"value": 3e9, "source": "estimate",
                          "note": "the human genome has about 3 billion base pairs "
                                  "(about 3.1 billion in the reference assembly)"},
}
