"""How many neurons of a network are saturated: chapters 1 and 2 measure it, chapter 3 cures it.

A sigmoid neuron is *saturated* on an input when its weighted input z is so large in magnitude
that sigma'(z) is tiny: its output sits near 0 or 1 and, by BP1-BP2, its error delta and the
gradients of its weights and bias are scaled down by that tiny factor, so it learns slowly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nndl_lib.validate import check_positive

__all__ = ["SATURATION_THRESHOLD", "saturated_fraction", "output_class_counts"]

#: sigma'(z) below this counts as saturated (|z| above about 4.6 for the sigmoid).
SATURATION_THRESHOLD = 0.01


def saturated_fraction(net: Any, x: np.ndarray,
                       threshold: float = SATURATION_THRESHOLD) -> list[float]:
    """Fraction of (example, neuron) pairs with activation'(z) < ``threshold``, per layer.

    net: a :class:`~nndl_lib.network.Network`; x: (N, n_in) inputs. Returns one fraction per
    layer with weights, first hidden layer first and the output layer last (the book's layers
    2..L). The output layer is measured with the output activation's derivative.
    """
    check_positive(threshold, "threshold")
    zs, _ = net.forward_pass(x)
    primes = [net.activation.prime(z) for z in zs[:-1]]
    primes.append(net.output_activation.prime(zs[-1]))
    return [float(np.mean(p < threshold)) for p in primes]


def output_class_counts(net: Any, x: np.ndarray) -> np.ndarray:
    """How often the network answers each class on x (N, n_in): int array (n_out,).

    A class that never wins the argmax is a sign of an output neuron stuck in saturation.
    """
    return np.bincount(net.predict(x), minlength=net.sizes[-1])
