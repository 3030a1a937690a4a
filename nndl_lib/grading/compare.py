"""Compare functions of the sub-checks: (learner's driver output, reference's driver output,
case, check name) -> :class:`~nndl_lib.grading.checks.CheckResult`.

``compare_ret`` compares what the call returned, ``compare_arg`` an argument changed in place,
``compare_extreme`` a call on extreme inputs (finite, quiet, the reference's value), ``all_of``
chains them; :func:`inputs_unchanged` is the framework's rule that a call leaves the arguments
it does not update in place as they were; ``describe_error`` explains an exception
(``NotImplementedError`` as "not written yet"). Tolerances come from
:data:`nndl_lib.grading.checks.TOLERANCES`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from nndl_lib.grading.checks import CheckResult, Tolerance, check_against_reference
from nndl_lib.grading.drivers import Case
from nndl_lib.grading.wire import RaisedError, Unsupported

__all__ = ["Compare", "compare_value", "compare_by_name", "compare_raises", "compare_ret",
           "compare_arg", "compare_extreme",
           "EXTREME_BEHAVIOUR", "inputs_unchanged", "join_names", "all_of", "describe_error",
           "unsupported_result", "plain_sentence"]

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


def compare_by_name(keys: Sequence[str], listed: Sequence[str] | None = None) -> Compare:
    """The returned dict's values named ``keys`` against the reference's, each by its name (a
    hand computation returned number by number). ``listed``: the names the task asks for, which
    a result that is not a dict is told (default ``keys``)."""

    def compare(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
        ret = got.get("ret")
        if not isinstance(ret, dict):
            return CheckResult(check, False, "type",
                               message=f"{check}: should return a dict of numbers by name "
                                       f"({', '.join(listed or keys)}); got a "
                                       f"{type(ret).__name__}")
        missing = [k for k in keys if k not in ret]
        if missing:
            return CheckResult(check, False, "type",
                               message=f"{check}: the dict has no {', '.join(missing)}")
        result = None
        for k in keys:
            result = compare_value(ret[k], exp["ret"][k], check=check, location=k)
            if not result.passed:
                return result
        return result

    return compare


def compare_raises(why: str) -> Compare:
    """For the driver ``call_catching``: the call must raise what the reference raises (the
    first class it names; a subclass counts). ``why``: the contract, said to a learner whose
    call returned or raised something else (e.g. "a label outside [0, num_classes) is an
    error")."""

    def compare(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
        wanted = (exp.get("raised") or ["ValueError"])[0]
        raised = got.get("raised")
        if raised and wanted in raised:
            return CheckResult(check, True, message=f"{check}: raised {raised[0]}")
        if raised:
            where = f" at {got['where']}" if got.get("where") else ""
            said = f" ({got['message']})" if got.get("message") else ""
            return CheckResult(check, False, "exception",
                               message=f"{check}: raised {raised[0]}{where}{said}; {why}: "
                                       f"raise {wanted}")
        return CheckResult(check, False, "value",
                           message=f"{check}: returned {got.get('ret')!r} instead of raising "
                                   f"{wanted}: {why}")

    return compare


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
    key = str(index)

    def compare(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
        after = got.get("inputs", {}).get(key)
        result = compare_value(after, exp["inputs"][key], check=check, location=location,
                               kind=kind, check_dtype=check_dtype)
        if not result.passed and np.array_equal(np.asarray(after),
                                                np.asarray(case.data["args"][index])):
            return CheckResult(check, False, "value", location=location,
                               message=f"{check}: {location} was not changed; update it in "
                                       f"place (e.g. {location} -= ..., {location} *= ...), "
                                       "as the library's version does")
        return result

    return compare


def inputs_unchanged(before: dict, after: dict, names: dict[str, str], check: str,
                     in_place: Sequence[str] = ()) -> CheckResult:
    """The framework's rule: every argument in ``before`` (key -> value given) whose name
    (``names[key]``) is not in ``in_place`` is equal, bit for bit, to its value ``after`` the
    call. The failure names the argument and the first entry that changed."""
    for key, given in before.items():
        name = names.get(key, key)
        if name in in_place or not isinstance(given, np.ndarray | list | tuple | dict):
            continue
        if key not in after:
            continue  # the driver could not report it (e.g. a call that did not return)
        result = check_against_reference(after[key], given, check=check, kind="exact",
                                         location=name, labels=("was", "now"))
        if not result.passed:
            where = ""
            if result.kind in ("value", "non-finite") and result.index is not None:
                idx = ", ".join(str(int(i)) for i in result.index)
                loc = result.location or name
                where = (f" ({loc}[{idx}] was {result.expected:.6g}, now {result.got:.6g})"
                         if idx else f" ({loc} was {result.expected:.6g}, now "
                                     f"{result.got:.6g})")
            kept = (f"; only {join_names(in_place)} may be updated in place" if in_place else "")
            return CheckResult(check, False, "mutated", location=name,
                               message=f"{check}: the call changed its argument {name}{where}"
                                       f"{kept}: the caller's arrays must be left as they were "
                                       "given")
    return CheckResult(check, True, message=f"{check}: arguments left unchanged")


def join_names(names: Sequence[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


#: What a call on extreme inputs must do (a sub-check states which of these it demands):
#: "finite": no nan or inf where the reference's value is finite; "quiet": no warning (NumPy's
#: overflow, division by zero or invalid operation included) reaches the learner who calls it;
#: "value": the reference's value within the usual tolerance.
EXTREME_BEHAVIOUR: dict[str, str] = {"finite": "finite", "quiet": "no warning",
                                     "value": "the reference's value"}

#: Any finite difference passes; nan or inf where the reference is finite does not.
_FINITE = Tolerance(rtol=0.0, atol=1e300)


def compare_extreme(expect: Sequence[str] = ("finite", "quiet", "value"),
                    location: str = "output", check_dtype: bool = False,
                    names: Sequence[str] | None = None) -> Compare:
    """Compare a call on extreme inputs (saturated, rows of very different scale, the edges of
    a float type's range) with the reference, property by property, in the order finite,
    quiet, value; the first that fails is reported by name."""
    unknown = set(expect) - set(EXTREME_BEHAVIOUR)
    if unknown or not expect:
        raise ValueError(f"expect must list some of {sorted(EXTREME_BEHAVIOUR)}; got "
                         f"{list(expect)}")

    def compare(got: dict, exp: dict, case: Case, check: str = "") -> CheckResult:
        g, e = got.get("ret"), exp.get("ret")
        shape = compare_value(g, e, check=check, location=location, tolerance=_FINITE,
                              names=names)
        if not shape.passed and shape.kind != "non-finite":
            return shape  # the wrong type or shape: not an extreme-input question
        if "finite" in expect and not shape.passed:
            where = _where(shape)
            return CheckResult(check, False, "non-finite", location=shape.location,
                               index=shape.index, expected=shape.expected, got=shape.got,
                               message=f"{check}: not finite at these extreme inputs: "
                                       f"{where} is {shape.got:.6g} where the reference "
                                       f"gives {shape.expected:.6g} (an overflow, or 0/0 "
                                       "after an underflow)")
        warned = got.get("warnings") or []
        if "quiet" in expect and warned:
            return CheckResult(check, False, "warning",
                               message=f"{check}: the call warned ({warned[0]}); on these "
                                       "inputs it must get its result without overflow, "
                                       "division by zero or invalid operations, so that no "
                                       "warning reaches whoever calls it")
        if "value" in expect:
            return compare_value(g, e, check=check, location=location,
                                 check_dtype=check_dtype, names=names)
        return CheckResult(check, True, message=f"{check}: "
                           + ", ".join(EXTREME_BEHAVIOUR[k] for k in expect))

    return compare


def _where(result: CheckResult) -> str:
    if not result.index:
        return result.location or "the output"
    return f"{result.location or 'output'}[{', '.join(str(int(i)) for i in result.index)}]"


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


#: NumPy's and Python's words for the errors learners meet most, and what they mean in the
#: learner's terms: (error type or "", a pattern of the message, the plain sentence).
_PLAIN: list[tuple[str, str, str]] = [
    ("", r"matmul: Input operand 1 has a mismatch in its core dimension 0.*?\(size (\d+) is "
         r"different from (\d+)\)",
     "a matrix product A @ B got factors that do not fit: A's last size ({1}) must equal B's "
     "first size ({0}). Print the shapes of both factors: is a transpose (.T) missing, or are "
     "they the wrong way round?"),
    ("", r"shapes \(([^)]*)\) and \(([^)]*)\) not aligned",
     "a matrix product of shapes ({0}) and ({1}) does not fit: the first factor's last size "
     "must equal the second's first. Is a transpose (.T) missing, or are the factors the wrong "
     "way round?"),
    ("", r"operands could not be broadcast together with shapes (.*?)\s*$",
     "an element-wise operation (+, -, *, /) got arrays of shapes {0}, which NumPy cannot line "
     "up entry by entry (sizes must be equal, or 1, compared from the right). Print the shapes: "
     "is one transposed, or a row where a column was meant?"),
    ("", r"non-broadcastable output operand with shape (\(.*?\)) doesn't match the broadcast "
         r"shape (\(.*?\))",
     "an in-place update (+=, -=, *=) of an array of shape {0} would need shape {1}: an "
     "in-place update keeps its target's shape. Is the other operand the array you meant?"),
    ("IndexError", r"index (-?\d+) is out of bounds for axis (\d+) with size (\d+)",
     "an index ran past the end of an array: index {0} on axis {1}, which has {2} entries "
     "(indices 0 to {2} - 1)."),
    ("IndexError", r"too many indices for array: array is (\d+)-dimensional, but (\d+) were "
                   r"indexed",
     "an array with {0} dimension(s) was indexed with {1} indices: check its shape (one "
     "example is a vector, a mini-batch a matrix)."),
    ("TypeError", r"NoneType",
     "a value was None where a number or an array was expected: does every function you call "
     "end with return?"),
    ("NameError", r"name '(\w+)' is not defined",
     "the name {0} is not defined when your code runs: is it spelled as the task spells it, and "
     "is it defined inside the function or in a cell above?"),
    ("ValueError", r"cannot reshape array of size (\d+) into shape (.*)",
     "an array of {0} entries cannot be reshaped to shape {1}: the sizes must multiply to the "
     "same number."),
    ("ZeroDivisionError", r"", "a division by zero."),
]


def plain_sentence(type_name: str, message: str) -> str | None:
    """What the error means in the learner's terms, or None when it has no translation."""
    import re

    for kind, pattern, sentence in _PLAIN:
        if kind and kind != type_name:
            continue
        match = re.search(pattern, message, flags=re.S)
        if match:
            return sentence.format(*match.groups())
    return None


def describe_error(check: str, err: RaisedError) -> CheckResult:
    """A CheckResult explaining that the learner's code raised (or was stopped): where (the
    learner's own line, see :func:`~nndl_lib.grading.drivers.where_raised`) and what it means
    in a plain sentence where one is known, else Python's own words."""
    if err.type_name == "NotImplementedError":
        msg = (f"{check}: not written yet (it raises NotImplementedError): replace "
               "`raise NotImplementedError()` with your code")
    elif err.type_name in ("GradingTimeout", "Unavailable"):
        msg = f"{check}: {err.message}"
    else:
        text = err.message.strip().splitlines()
        plain = plain_sentence(err.type_name, err.message)
        detail = plain or (text[-1][:300] if text else "")
        where = f" at {err.where}" if err.where else ""
        msg = f"{check}: raised {err.type_name}{where}" + (f" -- {detail}" if detail else "")
    return CheckResult(check, False, "exception", message=msg,
                       details={"type": err.type_name, "where": err.where})
