"""Compare functions of the sub-checks: (learner's driver output, reference's driver output,
case, check name) -> :class:`~nndl_lib.grading.checks.CheckResult`.

``compare_ret`` compares what the call returned, ``compare_arg`` an argument changed in place,
``compare_unchanged`` that a pure function left its inputs alone, ``all_of`` chains them;
``describe_error`` explains an exception (``NotImplementedError`` as "not written yet").
Tolerances come from :data:`nndl_lib.grading.checks.TOLERANCES`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nndl_lib.grading.checks import CheckResult, Tolerance, check_against_reference
from nndl_lib.grading.drivers import Case
from nndl_lib.grading.wire import RaisedError, Unsupported

__all__ = ["Compare", "compare_value", "compare_ret", "compare_arg", "compare_unchanged",
           "all_of", "describe_error", "unsupported_result"]

Compare = Callable[[dict, dict, Case, str], CheckResult]


def unsupported_result(check: str, value: Unsupported) -> CheckResult:
    why = f" ({value.why})" if value.why else ""
    return CheckResult(check, False, "type",
                       message=f"{check}: returned a {value.type_name}{why}, which cannot be "
                               "compared with numbers; return NumPy arrays or Python numbers")


def _contains_unsupported(value: Any) -> Unsupported | None:
    if isinstance(value, Unsupported):
        return value
    if isinstance(value, list | tuple):
        for v in value:
            u = _contains_unsupported(v)
            if u is not None:
                return u
    if isinstance(value, dict):
        for v in value.values():
            u = _contains_unsupported(v)
            if u is not None:
                return u
    return None


def compare_value(got: Any, expected: Any, *, check: str, location: str = "output",
                  kind: str = "reference", check_dtype: bool = False,
                  tolerance: Tolerance | None = None,
                  names: Sequence[str] | None = None) -> CheckResult:
    """check_against_reference, with objects that are not numbers reported as such.

    names: for an expected tuple such as ``(weights, biases)``, the name of each item (used in
    messages instead of ``output[0]``, ``output[1]``).
    """
    u = _contains_unsupported(got)
    if u is not None:
        return unsupported_result(check, u)
    if names is not None and isinstance(expected, list | tuple) and len(expected) == len(names):
        if not isinstance(got, list | tuple) or len(got) != len(names):
            return CheckResult(check, False, "type",
                               message=f"{check}: should return {len(names)} items "
                                       f"({', '.join(names)}); got {_form(got)}")
        results = [check_against_reference(g, e, check=check, kind=kind, tolerance=tolerance,
                                           check_dtype=check_dtype, location=n)
                   for g, e, n in zip(got, expected, names, strict=True)]
        failed = [r for r in results if not r.passed]
        return failed[0] if failed else max(results, key=lambda r: r.error or 0.0)
    return check_against_reference(got, expected, check=check, kind=kind,
                                   tolerance=tolerance, check_dtype=check_dtype,
                                   location=location)


def compare_ret(location: str = "output", kind: str = "reference", check_dtype: bool = False,
                pick: Callable[[Any], Any] | None = None,
                tolerance: Tolerance | None = None,
                names: Sequence[str] | None = None) -> Compare:
    """Compare what the call returned (optionally ``pick(ret)``, the same for both); names:
    the items of a returned tuple, e.g. ("nabla_b", "nabla_w")."""

    def compare(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
        g, e = got.get("ret"), exp.get("ret")
        if pick is not None:
            try:
                g = pick(g)
            except Exception:
                return CheckResult(check, False, "type",
                                   message=f"{check}: the returned value has the wrong form: "
                                           f"expected {_form(e)}, got {_form(g)}")
            e = pick(e)
        return compare_value(g, e, check=check, location=location, kind=kind,
                             check_dtype=check_dtype, tolerance=tolerance, names=names)

    return compare


def _form(value: Any) -> str:
    if isinstance(value, list | tuple):
        return f"a {type(value).__name__} of {len(value)} items"
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    return f"a {type(value).__name__}"


def compare_arg(index: int, location: str, kind: str = "reference",
                check_dtype: bool = False) -> Compare:
    """Compare argument ``index`` after the call (an in-place update)."""

    def compare(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
        result = compare_value(got["args"][index], exp["args"][index], check=check,
                               location=location, kind=kind, check_dtype=check_dtype)
        if not result.passed and np.array_equal(np.asarray(got["args"][index]),
                                                np.asarray(case.data["args"][index])):
            return CheckResult(check, False, "value", location=location,
                               message=f"{check}: {location} was not changed; update it in "
                                       f"place (e.g. {location} -= ..., {location} *= ...), "
                                       "as the library's version does")
        return result

    return compare


def compare_unchanged(indices: Sequence[int], names: Sequence[str]) -> Compare:
    """The call left the listed arguments as they were (pure functions)."""

    def compare(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
        for i, name in zip(indices, names, strict=True):
            before = case.data["args"][i]
            after = got["args"][i]
            result = check_against_reference(after, before, check=check, kind="exact",
                                             location=name)
            if not result.passed:
                where = (f" ({result.location}{list(result.index)} was {result.expected:.6g}, "
                         f"now {result.got:.6g})" if result.kind == "value" else "")
                return CheckResult(check, False, "mutated", location=name,
                                   message=f"{check}: the call changed its input {name}{where}; "
                                           "compute new arrays instead of modifying the ones "
                                           "given")
        return CheckResult(check, True, message=f"{check}: inputs unchanged")

    return compare


def all_of(*compares: Compare) -> Compare:
    """Every compare must pass; the first failure is reported."""

    def compare(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
        last = None
        for c in compares:
            last = c(got, exp, case, check)
            if not last.passed:
                return last
        return last

    return compare


def describe_error(check: str, err: RaisedError) -> CheckResult:
    """A CheckResult explaining that the learner's code raised (or was stopped)."""
    if err.type_name == "NotImplementedError":
        msg = (f"{check}: not written yet (it raises NotImplementedError): replace "
               "`raise NotImplementedError()` with your code")
    elif err.type_name == "GradingTimeout":
        msg = f"{check}: {err.message}"
    else:
        text = err.message.strip().splitlines()
        detail = f": {text[-1][:300]}" if text else ""
        msg = f"{check}: raised {err.type_name}{detail}"
    return CheckResult(check, False, "exception", message=msg,
                       details={"type": err.type_name})


