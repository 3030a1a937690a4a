"""The sub-checks every backprop task shares, in the trusted process: the learner's
(nabla_b, nabla_w) against centred differences of the cost (:func:`compare_numerical`), and no
loop over the examples (:func:`compare_no_loop`, with the driver ``call_by_batch_size``).

:func:`compare_numerical` builds the compare function of such a sub-check from ``cost_of``,
which turns a case's arguments into the scalar cost as a function of the network's weights
and biases (read through the lists it was given, which the check perturbs in place).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from nndl_lib.grading.checks import CheckResult, check_gradient_numerically
from nndl_lib.grading.compare import Compare, compare_ret, compare_value
from nndl_lib.grading.drivers import Case

__all__ = ["compare_numerical", "compare_no_loop", "NAMES"]

NAMES = ("nabla_b", "nabla_w")


def _arrays(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return [np.array(v, dtype=np.float64) for v in value]
    return np.array(value, dtype=np.float64) if isinstance(value, np.ndarray) else value


def compare_numerical(cost_of: Callable[[list], Callable[[], float]]) -> Compare:
    """Compare the returned (nabla_b, nabla_w) with centred differences of
    ``cost_of(args)()`` with respect to every weight and bias (``args[2]``, ``args[3]``)."""

    def compare(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
        shape_check = compare_value(got["ret"], exp["ret"], check=check, names=NAMES,
                                    tolerance=None)
        if not shape_check.passed and shape_check.kind != "value":
            return shape_check
        args = [_arrays(a) for a in case.data["args"]]
        weights, biases = args[2], args[3]
        cost = cost_of(args)
        nabla_b, nabla_w = got["ret"]
        for layer in range(len(weights)):
            for name, param, grad in (("nabla_w", weights[layer], nabla_w[layer]),
                                      ("nabla_b", biases[layer], nabla_b[layer])):
                result = check_gradient_numerically(lambda _: cost(), param,
                                                    np.asarray(grad), check=check,
                                                    location=f"{name}[{layer}]")
                if not result.passed:
                    return result
        return CheckResult(check, True, message=f"{check}: agrees with centred differences")

    return compare


def compare_no_loop(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
    """The lines of Python the call ran do not grow with the batch (fewer extra lines than
    extra examples; see :func:`nndl_lib.grading.drivers.call_by_batch_size`), and the large
    batch's gradient is the reference's."""
    (small, large), (n_small, n_large) = got["lines"], got["rows"]
    if large - small >= n_large - n_small:
        return CheckResult(check, False, "loop",
                           message=f"{check}: your code ran {small} lines of Python for a "
                                   f"mini-batch of {n_small} examples and {large} for "
                                   f"{n_large}: it loops over the examples. Keep one row per "
                                   "example in every z, a and delta and let each matrix "
                                   "product handle all rows at once")
    return compare_ret(names=NAMES)(got, exp, case, check)
