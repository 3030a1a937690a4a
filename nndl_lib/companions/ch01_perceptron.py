"""Perceptrons and the logic they compute (chapter 1).

A perceptron outputs 1 when its weighted input ``z = w . x + b`` is positive and 0 otherwise. With
weights (-2, -2) and bias 3 it is a NAND gate, and since every Boolean circuit can be built from
NAND gates, perceptrons can compute anything a circuit can: :class:`NandCircuit` builds half and
full adders, and a ripple-carry adder for whole numbers, out of nothing but that one perceptron.

Everything is vectorised: bits may be Python ints or integer arrays of any (common) shape, so a
whole truth table is evaluated in one call.
"""

from __future__ import annotations

import numpy as np

from nndl_lib.activations import sigmoid
from nndl_lib.validate import check_positive

__all__ = [
    "NAND_WEIGHTS",
    "NAND_BIAS",
    "perceptron_output",
    "threshold_output",
    "sigmoid_neuron_output",
    "NandCircuit",
    "nand",
    "half_adder",
    "full_adder",
    "add_binary",
    "to_bits",
    "from_bits",
    "bitwise_output_layer",
]

NAND_WEIGHTS = np.array([-2.0, -2.0])  # the book's NAND perceptron
NAND_BIAS = 3.0


def _weighted_input(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """z = w . x + b over the last axis of x. x: (..., n), w: (n,)."""
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    if w.ndim != 1:
        raise ValueError(f"w must be a 1-D vector of weights; got shape {w.shape}.")
    if x.shape[-1:] != w.shape:
        raise ValueError(
            f"x must have the inputs on its last axis, shape (..., {w.size}) to match w; "
            f"got {x.shape}."
        )
    return x @ w + float(b)


def perceptron_output(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """The perceptron rule: 1 if w . x + b > 0 else 0.

    x: (n,) one input or (..., n) several; w: (n,); b: scalar. Returns int64 of shape x.shape[:-1].
    """
    return (_weighted_input(x, w, b) > 0).astype(np.int64)


def threshold_output(x: np.ndarray, w: np.ndarray, threshold: float) -> np.ndarray:
    """The threshold form: 1 if w . x > threshold else 0 (the same rule with b = -threshold)."""
    return perceptron_output(x, w, -float(threshold))


def sigmoid_neuron_output(x: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """A sigmoid neuron: sigma(w . x + b), a smooth version of :func:`perceptron_output`."""
    return sigmoid(_weighted_input(x, w, b))


def _bits(name: str, value) -> np.ndarray:
    value = np.asarray(value)
    if not np.issubdtype(value.dtype, np.integer) and value.dtype != bool:
        raise TypeError(f"{name} must hold integer bits 0/1; got dtype {value.dtype}.")
    if value.size and not np.isin(value, (0, 1)).all():
        raise ValueError(f"{name} must hold only bits 0 and 1; got values {np.unique(value)}.")
    return value.astype(np.int64)


class NandCircuit:
    """Logic built only from NAND perceptrons, counting how many perceptrons it fires.

    ``evaluations`` counts NAND perceptrons evaluated (one per gate, per call), so after a half
    adder it is 5 and after a full adder 9.
    """

    def __init__(self) -> None:
        self.evaluations = 0

    def nand(self, x1, x2) -> np.ndarray:
        """NAND(x1, x2) computed by the perceptron with weights (-2, -2) and bias 3."""
        x1, x2 = _bits("x1", x1), _bits("x2", x2)
        self.evaluations += 1
        x = np.stack(np.broadcast_arrays(x1, x2), axis=-1)
        return perceptron_output(x, NAND_WEIGHTS, NAND_BIAS)

    def half_adder(self, x1, x2) -> tuple[np.ndarray, np.ndarray]:
        """(sum bit x1 XOR x2, carry bit x1 AND x2) from five NAND perceptrons."""
        n = self.nand(x1, x2)
        s = self.nand(self.nand(x1, n), self.nand(x2, n))  # XOR from four NANDs
        carry = self.nand(n, n)  # AND = NOT NAND
        return s, carry

    def full_adder(self, x1, x2, carry_in) -> tuple[np.ndarray, np.ndarray]:
        """(sum bit, carry out) of x1 + x2 + carry_in from nine NAND perceptrons."""
        n1 = self.nand(x1, x2)
        t = self.nand(self.nand(x1, n1), self.nand(x2, n1))  # x1 XOR x2
        n2 = self.nand(t, carry_in)
        s = self.nand(self.nand(t, n2), self.nand(carry_in, n2))  # t XOR carry_in
        carry_out = self.nand(n1, n2)  # (x1 AND x2) OR (t AND carry_in)
        return s, carry_out

    def add(self, x_bits, y_bits) -> np.ndarray:
        """Ripple-carry addition of two little-endian bit vectors of equal length n.

        x_bits, y_bits: (..., n) bits, least significant first. Returns (..., n + 1) bits.
        """
        x_bits, y_bits = _bits("x_bits", x_bits), _bits("y_bits", y_bits)
        if x_bits.shape[-1:] != y_bits.shape[-1:] or x_bits.ndim == 0:
            raise ValueError(
                "x_bits and y_bits must have the same number of bits on their last axis; "
                f"got shapes {x_bits.shape} and {y_bits.shape}."
            )
        s, carry = self.half_adder(x_bits[..., 0], y_bits[..., 0])
        out = [s]
        for i in range(1, x_bits.shape[-1]):
            s, carry = self.full_adder(x_bits[..., i], y_bits[..., i], carry)
            out.append(s)
        out.append(carry)
        return np.stack(out, axis=-1)


def nand(x1, x2) -> np.ndarray:
    """NAND of two bits (or bit arrays) by a single perceptron."""
    return NandCircuit().nand(x1, x2)


def half_adder(x1, x2) -> tuple[np.ndarray, np.ndarray]:
    """(sum, carry) of two bits, from NAND perceptrons only."""
    return NandCircuit().half_adder(x1, x2)


def full_adder(x1, x2, carry_in) -> tuple[np.ndarray, np.ndarray]:
    """(sum, carry out) of three bits, from NAND perceptrons only."""
    return NandCircuit().full_adder(x1, x2, carry_in)


def to_bits(value, n_bits: int) -> np.ndarray:
    """Little-endian bits of non-negative integers. value: int or (...,) ints → (..., n_bits)."""
    value = np.asarray(value)
    if not np.issubdtype(value.dtype, np.integer):
        raise TypeError(f"value must be integer; got dtype {value.dtype}.")
    if n_bits < 1 or (value.size and (value.min() < 0 or value.max() >= 2**n_bits)):
        raise ValueError(
            f"values must lie in [0, 2**n_bits) = [0, {2**n_bits}) with n_bits >= 1; "
            f"got n_bits={n_bits} and values in [{value.min()}, {value.max()}]."
        )
    return (value[..., None] >> np.arange(n_bits)) & 1


def from_bits(bits) -> np.ndarray:
    """Inverse of :func:`to_bits`: (..., n) little-endian bits → (...,) integers."""
    bits = _bits("bits", bits)
    return bits @ (1 << np.arange(bits.shape[-1]))


def add_binary(x: int, y: int, n_bits: int = 8) -> int:
    """x + y computed by a ripple-carry adder made of NAND perceptrons."""
    total = NandCircuit().add(to_bits(x, n_bits), to_bits(y, n_bits))
    return int(from_bits(total))


def bitwise_output_layer(scale: float = 10.0) -> tuple[np.ndarray, np.ndarray]:
    """Weights and biases of a sigmoid layer turning 10 digit outputs into 4 bits.

    Output neuron j gets weight +scale from digit neuron d when bit j of d is set, -scale
    otherwise, and bias 0. If the correct digit's neuron outputs at least 0.99 and the other
    nine at most 0.01, each bit's weighted input is at least 0.9 * scale in size with the right
    sign, so sigma rounds to the right bit. Returns ``w`` (4, 10) and ``b`` (4,).
    """
    scale = check_positive(scale, "scale")
    bits = to_bits(np.arange(10), 4).T  # (4, 10): bit j of digit d
    w = scale * (2.0 * bits - 1.0)
    b = np.zeros(4)
    return w, b
