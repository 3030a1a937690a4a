"""Slider figures for the web page: every slider position precomputed, switched by the browser.

Chapter 4's ipywidgets sliders need a running kernel, which the built book does not have. This
module draws the same figures for a grid of slider positions, in Python, and writes one HTML block:
an inline SVG plot, one ``<input type="range">`` per slider, the precomputed curves as JSON, and a
few lines of JavaScript that show the curves of the chosen position. Everything is in the block
itself, so the page makes no request for it (no library, no CDN) and works offline; with
JavaScript off the reader sees the figure at the sliders' starting position.

    html = slider_figure(x, draw, [("w", (5, 20, 100)), ("s", (0.2, 0.4, 0.6))], ...)
    IPython.display.HTML(html)

``draw(*values)`` returns ``({series name: y values}, title)`` for one position; it is called
once for every combination of slider values, so keep the grids small (the block's size grows with
their product; curves are thinned to the points a viewer can tell apart).
"""

from __future__ import annotations

import html
import itertools
import json
import re
from collections.abc import Callable, Mapping, Sequence

import numpy as np

__all__ = ["slider_figure"]

_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728")
_WIDTH, _HEIGHT = 640, 300
_LEFT, _RIGHT, _TOP, _BOTTOM = 52, 16, 30, 40

Draw = Callable[..., tuple[Mapping[str, Sequence[float]], str]]


def _thin(px: np.ndarray, py: np.ndarray, tol: float = 0.3) -> str:
    """SVG points of a polyline without the points a viewer cannot miss: Ramer-Douglas-Peucker,
    which keeps a point only where the curve leaves the chord between kept points by more than
    ``tol`` pixels (most of a step curve is two straight lines)."""
    keep = np.zeros(len(px), dtype=bool)
    keep[[0, -1]] = True
    stack = [(0, len(px) - 1)]
    while stack:
        a, b = stack.pop()
        if b - a < 2:
            continue
        dx, dy = px[b] - px[a], py[b] - py[a]
        inner = slice(a + 1, b)
        distance = np.abs(dy * (px[inner] - px[a]) - dx * (py[inner] - py[a])) / max(
            np.hypot(dx, dy), 1e-12)
        k = int(np.argmax(distance))
        if distance[k] > tol:
            keep[a + 1 + k] = True
            stack += [(a, a + 1 + k), (a + 1 + k, b)]
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in zip(px[keep], py[keep], strict=True))


def _ticks(lo: float, hi: float) -> list[float]:
    step = 10 ** np.floor(np.log10((hi - lo) / 2))
    for factor in (1, 2, 5, 10):
        if (hi - lo) / (step * factor) <= 6:
            step *= factor
            break
    first = np.ceil(lo / step) * step
    return [round(float(v), 10) + 0.0 for v in np.arange(first, hi + step / 1000, step)]  # no -0


def slider_figure(x: Sequence[float], draw: Draw,
                  sliders: Sequence[tuple[str, Sequence[float]]], *, fig_id: str,
                  ylim: tuple[float, float], alt: str, xlabel: str = "x", ylabel: str = "",
                  fixed: Mapping[str, Sequence[float]] | None = None,
                  start: Sequence[int] | None = None) -> str:
    """One HTML block: a plot of ``draw(*values)`` whose values the reader picks with sliders.

    x: the common x values (ascending). draw: ``draw(*values) -> ({name: y}, title)``, the
    moving curves (at most four, the same names at every position) and the title of one position.
    sliders: ``[(label, values), ...]``; each slider steps through its values. fig_id: an id that
    is unique on the page (letters, digits, ``-``). ylim: the y range drawn (values outside are
    clipped). alt: what the figure shows, for readers who cannot see it (the SVG's label).
    fixed: curves that do not move (drawn in black). start: the starting index of each slider
    (default: the middle of each).
    Returns the HTML as a string.
    """
    if not re.fullmatch(r"[A-Za-z][A-Za-z0-9-]*", fig_id):
        raise ValueError(f"fig_id must be letters, digits and '-', starting with a letter; "
                         f"got {fig_id!r}")
    if not sliders or any(len(values) == 0 for _, values in sliders):
        raise ValueError("give at least one slider, each with at least one value")
    if not alt.strip():
        raise ValueError("alt must describe the figure")
    x = np.asarray(x, dtype=float)
    lo, hi = ylim
    start = list(start) if start is not None else [len(v) // 2 for _, v in sliders]
    if len(start) != len(sliders) or any(not 0 <= s < len(v)
                                         for s, (_, v) in zip(start, sliders, strict=True)):
        raise ValueError(f"start must give one index per slider within its values; got {start}")

    def px(v: np.ndarray) -> np.ndarray:
        return _LEFT + (v - x[0]) / (x[-1] - x[0]) * (_WIDTH - _LEFT - _RIGHT)

    def py(v: np.ndarray) -> np.ndarray:
        v = np.clip(np.asarray(v, dtype=float), lo, hi)
        return _TOP + (hi - v) / (hi - lo) * (_HEIGHT - _TOP - _BOTTOM)

    frames, names = {}, None
    for index in itertools.product(*(range(len(v)) for _, v in sliders)):
        curves, title = draw(*(values[i] for i, (_, values) in zip(index, sliders, strict=True)))
        if names is None:
            names = list(curves)
            if not 1 <= len(names) <= len(_COLOURS):
                raise ValueError(f"draw must return 1 to {len(_COLOURS)} curves; got {names}")
        elif list(curves) != names:
            raise ValueError(f"draw returned the curves {list(curves)}, first {names}")
        frames[",".join(map(str, index))] = {
            "points": [_thin(px(x), py(curves[n])) for n in names], "title": str(title)}
    first = frames[",".join(map(str, start))]

    svg = [f'<svg viewBox="0 0 {_WIDTH} {_HEIGHT}" width="100%" role="img" '
           f'aria-label="{html.escape(alt)}" style="max-width:{_WIDTH}px;font:12px sans-serif">']
    x0, x1, y0, y1 = _LEFT, _WIDTH - _RIGHT, _TOP, _HEIGHT - _BOTTOM
    svg.append(f'<rect x="{x0}" y="{y0}" width="{x1 - x0}" height="{y1 - y0}" fill="none" '
               'stroke="#444"/>')
    for v in _ticks(float(x[0]), float(x[-1])):
        p = float(px(np.array(v)))
        svg.append(f'<line x1="{p:.1f}" y1="{y1}" x2="{p:.1f}" y2="{y1 + 4}" stroke="#444"/>'
                   f'<text x="{p:.1f}" y="{y1 + 16}" text-anchor="middle">{v:g}</text>')
    for v in _ticks(lo, hi):
        p = float(py(np.array(v)))
        svg.append(f'<line x1="{x0 - 4}" y1="{p:.1f}" x2="{x1}" y2="{p:.1f}" stroke="#ddd"/>'
                   f'<text x="{x0 - 7}" y="{p + 4:.1f}" text-anchor="end">{v:g}</text>')
    svg.append(f'<text x="{(x0 + x1) / 2}" y="{_HEIGHT - 6}" text-anchor="middle">'
               f'{html.escape(xlabel)}</text>')
    svg.append(f'<text x="14" y="{(y0 + y1) / 2}" text-anchor="middle" '
               f'transform="rotate(-90 14 {(y0 + y1) / 2})">{html.escape(ylabel)}</text>')
    svg.append(f'<text class="nndl-title" x="{(x0 + x1) / 2}" y="18" text-anchor="middle">'
               f'{html.escape(first["title"])}</text>')
    legend = list(fixed or {}) + list(names)
    for y in (fixed or {}).values():
        svg.append(f'<polyline points="{_thin(px(x), py(y))}" fill="none" stroke="#000" '
                   'stroke-width="1"/>')
    for k, points in enumerate(first["points"]):
        svg.append(f'<polyline class="nndl-curve-{k}" points="{points}" fill="none" '
                   f'stroke="{_COLOURS[k]}" stroke-width="2"/>')
    for k, name in enumerate(legend):
        colour = "#000" if k < len(fixed or {}) else _COLOURS[k - len(fixed or {})]
        svg.append(f'<text x="{x0 + 8}" y="{y0 + 14 + 14 * k}" fill="{colour}">'
                   f'{html.escape(name)}</text>')
    svg.append("</svg>")

    controls = []
    for k, ((label, values), s) in enumerate(zip(sliders, start, strict=True)):
        controls.append(
            f'<label style="display:inline-block;margin-right:1.5em">{html.escape(label)} '
            f'<input type="range" min="0" max="{len(values) - 1}" step="1" value="{s}" '
            f'data-slider="{k}" aria-label="{html.escape(label)}"> '
            f'<output>{values[s]:g}</output></label>')
    data = {"frames": frames, "values": [[f"{v:g}" for v in values] for _, values in sliders]}
    script = (
        "(function () {"
        f"var root = document.getElementById('{fig_id}');"
        "var json = root.querySelector('script[type=\"application/json\"]');"
        "var data = JSON.parse(json.textContent);"
        "var inputs = Array.prototype.slice.call(root.querySelectorAll('input[type=range]'));"
        "function update() {"
        "var frame = data.frames[inputs.map(function (e) { return e.value; }).join(',')];"
        "frame.points.forEach(function (p, k) {"
        "root.querySelector('.nndl-curve-' + k).setAttribute('points', p); });"
        "root.querySelector('.nndl-title').textContent = frame.title;"
        "inputs.forEach(function (e, k) {"
        "e.parentNode.querySelector('output').textContent = data.values[k][e.value]; }); }"
        "inputs.forEach(function (e) { e.addEventListener('input', update); });"
        "})();")
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    return (f'<div id="{fig_id}" class="nndl-slider-figure">' + "".join(svg)
            + '<div style="margin:0.3em 0 1em 3em">' + "".join(controls) + "</div>"
            + f'<script type="application/json">{payload}</script>'
            + f"<script>{script}</script></div>")
