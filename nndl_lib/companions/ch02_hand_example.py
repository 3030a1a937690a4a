"""The worked 2-2-2 example of chapter 2 done by hand: one number at a time, by the chain rule.

Chapter 2 works the example of the foundations notes on paper before it asks the library:
the forward pass neuron by neuron, then dE/dw5 (a weight into an output neuron) as a product of
three factors, then dE/dw1 (a weight into a hidden neuron), whose error collects the errors of
both outputs. :func:`by_hand` does exactly that arithmetic with Python floats, so every number
the text quotes has a name here; the library's matrix kernels compute the same values
independently (``nndl_lib.companions.ch02_backprop_demo.worked_example_results``), and the tests
compare both
with the reference values.

The network (see ``nndl_lib.reference_values.WORKED_EXAMPLE_222``): inputs i1, i2; hidden
neurons h1 (weights w1, w2 from i1, i2) and h2 (w3, w4); outputs o1 (w5, w6 from h1, h2) and o2
(w7, w8); every hidden bias b1, every output bias b2; sigmoid neurons; E = 1/2 sum (target - out)^2.
"""

from __future__ import annotations

from nndl_lib.activations import sigmoid
from nndl_lib.reference_values import WORKED_EXAMPLE_222

__all__ = ["by_hand"]


def _sigmoid(z: float) -> float:
    return float(sigmoid(z))


def by_hand(example: dict | None = None) -> dict[str, float]:
    """Every intermediate number of the hand computation, by name.

    Forward: ``net_h1, out_h1, net_h2, out_h2, net_o1, out_o1, net_o2, out_o2, E_o1, E_o2,
    E_total``. dE/dw5 = dE/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5: ``dE_dout_o1,
    dout_o1_dnet_o1, dnet_o1_dw5, delta_o1`` (the first two factors' product), ``dE_dw5``.
    dE/dw1: ``delta_o2``, ``dE_dout_h1 = delta_o1 w5 + delta_o2 w7``, ``dout_h1_dnet_h1``,
    ``delta_h1``, ``dnet_h1_dw1`` (= i1), ``dE_dw1``. The step with ``eta``: ``w5_after``,
    ``w1_after``.
    """
    ex = WORKED_EXAMPLE_222 if example is None else example
    i1, i2 = (float(v) for v in ex["x"])
    t1, t2 = (float(v) for v in ex["y"])
    w = [float(v) for v in ex["w"]]
    if len(w) != 8:
        raise ValueError(f"example['w'] must hold the 8 weights w1..w8; got {len(w)}")
    w1, w2, w3, w4, w5, w6, w7, w8 = w
    b1, b2, eta = float(ex["b_hidden"]), float(ex["b_output"]), float(ex["eta"])

    v: dict[str, float] = {}
    # forward pass, one neuron at a time
    v["net_h1"] = w1 * i1 + w2 * i2 + b1
    v["out_h1"] = _sigmoid(v["net_h1"])
    v["net_h2"] = w3 * i1 + w4 * i2 + b1
    v["out_h2"] = _sigmoid(v["net_h2"])
    v["net_o1"] = w5 * v["out_h1"] + w6 * v["out_h2"] + b2
    v["out_o1"] = _sigmoid(v["net_o1"])
    v["net_o2"] = w7 * v["out_h1"] + w8 * v["out_h2"] + b2
    v["out_o2"] = _sigmoid(v["net_o2"])
    v["E_o1"] = 0.5 * (t1 - v["out_o1"]) ** 2
    v["E_o2"] = 0.5 * (t2 - v["out_o2"]) ** 2
    v["E_total"] = v["E_o1"] + v["E_o2"]
    # dE/dw5: three factors of the chain rule
    v["dE_dout_o1"] = v["out_o1"] - t1  # d/dout of 1/2 (t1 - out)^2
    v["dout_o1_dnet_o1"] = v["out_o1"] * (1.0 - v["out_o1"])  # sigma'(z) = sigma (1 - sigma)
    v["dnet_o1_dw5"] = v["out_h1"]  # net_o1 = w5 out_h1 + ...
    v["delta_o1"] = v["dE_dout_o1"] * v["dout_o1_dnet_o1"]  # dE/dnet_o1 (BP1)
    v["dE_dw5"] = v["delta_o1"] * v["dnet_o1_dw5"]  # BP4
    # dE/dw1: h1 reaches E through both outputs
    v["delta_o2"] = (v["out_o2"] - t2) * v["out_o2"] * (1.0 - v["out_o2"])
    v["dE_dout_h1"] = v["delta_o1"] * w5 + v["delta_o2"] * w7
    v["dout_h1_dnet_h1"] = v["out_h1"] * (1.0 - v["out_h1"])
    v["delta_h1"] = v["dE_dout_h1"] * v["dout_h1_dnet_h1"]  # BP2
    v["dnet_h1_dw1"] = i1
    v["dE_dw1"] = v["delta_h1"] * v["dnet_h1_dw1"]  # BP4
    # one step of gradient descent on these two weights
    v["w5_after"] = w5 - eta * v["dE_dw5"]
    v["w1_after"] = w1 - eta * v["dE_dw1"]
    return v
