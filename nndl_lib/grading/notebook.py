"""What the locked cells of an exercise notebook use besides the checks.

:func:`if_written` lets a demonstration cell call the learner's functions and, where one of
them is not written yet, say so and let *Restart and Run All* go on to the next cell (the
check cells never stop it: a check reports, it does not raise).

:func:`as_graded` makes the notebook's check see the learner's code as the out-of-kernel grader
does: code that uses a part of the course library the grader blocks (a reference
implementation, a table of reference values) fails in the notebook too, instead of passing
there and scoring nothing when graded.
"""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Iterator
from typing import Any

from nndl_lib.grading.compare import plain_sentence
from nndl_lib.grading.drivers import where_raised

__all__ = ["if_written", "as_graded", "blocked_names", "graded_notes", "ALWAYS_AVAILABLE"]


@contextlib.contextmanager
def if_written(what: str = "this cell") -> Iterator[None]:
    """Run the block; where the learner's code raises ``NotImplementedError`` (a function not
    written yet), print one line saying so instead of stopping the notebook; where it raises
    another error, print where (the learner's own line) and what it means, and go on too.

    what: what the block shows, for that line (e.g. "the comparison with your backprop").
    """
    try:
        yield
    except NotImplementedError:
        print(f"Not implemented yet: {what} runs once the functions it calls are written "
              "(run this cell again then).")
    except Exception as exc:  # a mistake in the learner's code: explain it, go on
        where = where_raised(exc)
        plain = plain_sentence(type(exc).__name__, str(exc)) or str(exc)
        print(f"Your code raised {type(exc).__name__}" + (f" at {where}" if where else "")
              + f" -- {plain}\n(The check cell of that function says more; {what} runs once "
              "it is fixed.)")


# --------------------------------------------------------------------------------------------
# The notebook's check as the grader would see it
# --------------------------------------------------------------------------------------------

#: The modules of the course library that learner code may use when graded, besides an
#: assignment's own ``allowed_modules`` (the package itself and the grader's numpy-only helpers).
ALWAYS_AVAILABLE = ("nndl_lib", "nndl_lib.grading", "nndl_lib.grading.wire",
                    "nndl_lib.grading.drivers", "nndl_lib.grading.guard",
                    "nndl_lib.grading.boundary", "nndl_lib.grading.outofkernel_child")


def _blocked(module: str | None, allowed: tuple[str, ...]) -> bool:
    return bool(module) and (module == "nndl_lib" or module.startswith("nndl_lib.")) and (
        module not in allowed and module not in ALWAYS_AVAILABLE)


def _code_names(obj: Any) -> set[str]:
    """Every global name the code of ``obj`` (a function, or a class and its methods) reads,
    nested functions and comprehensions included."""
    codes, names = [], set()
    if isinstance(obj, type):
        for value in vars(obj).values():
            value = getattr(value, "__func__", value)
            if hasattr(value, "__code__"):
                codes.append(value.__code__)
    elif hasattr(obj, "__code__"):
        codes.append(obj.__code__)
    while codes:
        code = codes.pop()
        names.update(code.co_names)
        codes += [c for c in code.co_consts if isinstance(c, types.CodeType)]
    return names


def _space(obj: Any) -> dict | None:
    if isinstance(obj, type):
        for value in vars(obj).values():
            value = getattr(value, "__func__", value)
            if hasattr(value, "__globals__"):
                return value.__globals__
        return None
    return getattr(obj, "__globals__", None)


def blocked_names(obj: Any, allowed: tuple[str, ...]) -> dict[str, str]:
    """The global names the learner's ``obj`` reads that hold a part of the course library the
    grader blocks: name -> the module it came from. A module, a function or class defined in
    one, or a value found in one (a table of reference values, say) all count."""
    space = _space(obj)
    if space is None:
        return {}
    found: dict[str, str] = {}
    loaded = {m: mod for m, mod in list(sys.modules.items())
              if mod is not None and _blocked(m, allowed)}
    for name in sorted(_code_names(obj)):
        if name not in space:
            continue
        value = space[name]
        if isinstance(value, types.ModuleType):
            module = value.__name__
        elif isinstance(value, type | types.FunctionType):
            module = getattr(value, "__module__", None)
        else:
            module = next((m for m, mod in loaded.items()
                           if any(v is value for v in vars(mod).values())), None)
            if isinstance(value, int | float | str | bool | types.NoneType):
                module = None  # small constants are shared by everyone
        if _blocked(module, allowed):
            found[name] = module
    return found


@contextlib.contextmanager
def as_graded(ns: dict, name: str, allowed: tuple[str, ...]) -> Iterator[dict[str, str]]:
    """While the block runs, the learner's ``ns[name]`` sees the course library as the grader
    lets it: an object taken from a blocked module itself (``from nndl_lib.fc import
    feedforward``) is replaced by one that raises ImportError; the global names the learner's
    own code reads that hold a blocked part of the library are gone, and blocked modules cannot
    be imported (as absent as in the grading process). Yields the names removed or replaced."""
    obj = ns.get(name)
    own = getattr(obj, "__module__", None)
    if _blocked(own, allowed):
        def refused(*args: Any, **kwargs: Any) -> Any:
            raise ImportError(f"{own} is not importable while your work is graded: {name} "
                              "must be your own code")
        ns[name] = refused
        try:
            yield {name: own}
        finally:
            ns[name] = obj
        return
    space = _space(obj)
    names = blocked_names(obj, allowed) if space is not None else {}
    saved = {n: space.pop(n) for n in names} if space is not None else {}
    modules = {m: mod for m, mod in list(sys.modules.items()) if _blocked(m, allowed)}
    sys.modules.update({m: None for m in modules})
    try:
        yield names
    finally:
        sys.modules.update(modules)
        if space is not None:
            space.update(saved)


def graded_notes(removed: dict[str, str]) -> list[str]:
    """The report's note on the names :func:`as_graded` removed (none: no note)."""
    if not removed:
        return []
    uses = ", ".join(f"{n} (from {m})" for n, m in removed.items())
    return [f"your code uses {uses}, which is not importable while your work is graded: "
            "these points need your own code, here as when graded"]
