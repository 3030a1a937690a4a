"""Hints that lead, never the line: finding a solution's line of code in a hint or a recap.

A hint may point at what to look at or give the chapter's equation; it must not give the line
of code the task asks for. Lines are compared by their *shape*, so that renaming does not hide
a handed-out line: every name becomes ``x`` (attribute names such as ``.T`` or
``.standard_normal`` are kept), indexing ``[...]`` and whitespace are dropped, so
``nabla_w = delta.T @ a_prev`` and the solution's ``nabla_w[i] = delta.T @ activations[i]``
have the same shape ``x=x.T@x``.

- :func:`code_shape` is that normal form of a piece of code (or of text written like code);
- :func:`solution_fragments` lists the shapes of a solution's lines worth protecting: each
  line and, for an assignment, its right-hand side;
- :func:`handed_out` finds them in a text; :func:`code_spans` picks the code of a Markdown
  text (inline and fenced), where a recap or a ``<details>`` hint could hand a line out.
"""

from __future__ import annotations

import re

__all__ = ["code_shape", "solution_fragments", "handed_out", "code_spans", "MIN_SHAPE"]

#: A shape shorter than this ("x-x", "x*x") is too common to call a handed-out line.
MIN_SHAPE = 7

_TOKEN = re.compile(r"\.\s*[A-Za-z_]\w*|[A-Za-z_]\w*|\d+(?:\.\d*)?(?:e-?\d+)?|\*\*|\S")
_OPERATOR = re.compile(r"[@*/+\-]|\.\w+\(")


def code_shape(text: str) -> str:
    """The shape of ``text``: names -> ``x`` (attributes kept), ``[...]`` and spaces dropped,
    runs of names (``BP1 delta``) one ``x``."""
    while True:
        stripped = re.sub(r"\[[^\[\]]*\]", "", text)
        if stripped == text:
            break
        text = stripped
    out: list[str] = []
    for token in _TOKEN.findall(text):
        if token.startswith("."):
            token = "." + token[1:].strip()
        elif re.match(r"[A-Za-z_]", token):
            token = "x"
        if token == "x" and out and out[-1] == "x":
            continue
        out.append(token)
    return "".join(out)


def solution_fragments(code: str) -> set[str]:
    """The shapes worth protecting of a solution's lines: each line (comments, docstrings,
    ``def``/``class``/``return`` of bare names left out) and an assignment's right-hand side,
    where the shape has an operator or a method call and at least :data:`MIN_SHAPE` signs."""
    found: set[str] = set()
    for line in code.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith(('"""', "'''", "def ", "class ", "@", "###")):
            continue
        parts = [line]
        match = re.match(r"^[^=]*?[^=!<>+\-*/]=(?!=)(.*)$", line) or re.match(
            r"^[^=]*?[+\-*/]=(.*)$", line)
        if match:
            parts.append(match.group(1))
        if line.startswith("return "):
            parts.append(line[len("return "):])
        for part in parts:
            shape = code_shape(part)
            for piece in [shape, *_calls(shape)]:
                if len(piece) >= MIN_SHAPE and _OPERATOR.search(piece):
                    found.add(piece)
    return found


def _calls(shape: str) -> list[str]:
    """The calls inside a shape, callee included: ``x.standard_normal((x,x))``."""
    calls = []
    for start, char in enumerate(shape):
        if char != "(" or start == 0:
            continue
        depth = 0
        for end in range(start, len(shape)):
            depth += {"(": 1, ")": -1}.get(shape[end], 0)
            if depth == 0:
                break
        callee = re.search(r"(x?(?:\.\w+)*|x)$", shape[:start]).group(1)
        if callee:
            calls.append(callee + shape[start:end + 1])
    return calls


def handed_out(fragments: set[str], text: str) -> list[str]:
    """The fragments whose shape appears in the shape of ``text``."""
    shape = code_shape(text)
    return sorted(f for f in fragments if f in shape)


def code_spans(markdown: str) -> list[str]:
    """The code of a Markdown text: fenced blocks and inline `code` spans."""
    fenced = re.findall(r"```[^\n]*\n(.*?)```", markdown, flags=re.S)
    rest = re.sub(r"```.*?```", "", markdown, flags=re.S)
    return fenced + re.findall(r"`([^`\n]+)`", rest)
