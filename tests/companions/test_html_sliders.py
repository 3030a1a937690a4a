"""Slider figures for the web page (chapter 4): every position precomputed, nothing loaded from
anywhere, and in a browser a moved slider changes the figure."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from nndl_lib.companions.html_sliders import slider_figure

X = np.linspace(0, 1, 201)


def _step(w, s):  # one moving curve: a sigmoid step at s, sharpness w
    return {"step": 1 / (1 + np.exp(-w * (X - s)))}, f"w = {w:g}, step at s = {s:.2f}"


def _figure(**kwargs):
    return slider_figure(X, _step, [("w", (5, 50, 500)), ("s", (0.2, 0.4, 0.6, 0.8))],
                         fig_id="fig-test", ylim=(-0.05, 1.05), alt="A sigmoid step.",
                         xlabel="x", **kwargs)


def _frames(block: str) -> dict:
    payload = re.search(r'<script type="application/json">(.*?)</script>', block).group(1)
    return json.loads(payload.replace("<\\/", "</"))["frames"]


def test_every_slider_position_is_precomputed_and_nothing_is_loaded_from_elsewhere():
    block = _figure()
    frames = _frames(block)
    assert len(frames) == 3 * 4
    assert frames["0,0"]["points"] != frames["2,3"]["points"]
    assert frames["1,2"]["title"] == "w = 50, step at s = 0.60"
    assert block.count('type="range"') == 2 and 'aria-label="A sigmoid step."' in block
    assert not re.search(r"(src|href)=|https?://|//cdn", block)


def test_step_curves_are_thinned_to_the_points_a_viewer_can_tell_apart():
    points = _frames(_figure())["2,1"]["points"][0].split()
    assert 2 <= len(points) < len(X) / 4


def test_bad_arguments_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="fig_id"):
        slider_figure(X, _step, [("w", (5,)), ("s", (0.5,))], fig_id="1 bad", ylim=(0, 1),
                      alt="a")
    with pytest.raises(ValueError, match="start"):
        _figure(start=(0, 9))
    with pytest.raises(ValueError, match="alt"):
        slider_figure(X, _step, [("w", (5,)), ("s", (0.5,))], fig_id="f", ylim=(0, 1), alt=" ")


@pytest.mark.browser
def test_moving_a_slider_in_chromium_changes_the_figure_and_requests_nothing(chromium_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, headless=True,
                                    args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page()
        requests, errors = [], []
        page.on("request", lambda r: requests.append(r.url))
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.set_content(f"<!doctype html><html><body>{_figure()}</body></html>")
        curve = page.locator("#fig-test .nndl-curve-0")
        title = page.locator("#fig-test .nndl-title")
        before = (curve.get_attribute("points"), title.text_content())
        page.locator('#fig-test input[data-slider="1"]').fill("3")  # s: 0.6 -> 0.8
        after = (curve.get_attribute("points"), title.text_content())
        browser.close()
    assert errors == [] and requests == []
    assert before[1] == "w = 50, step at s = 0.60" and after[1] == "w = 50, step at s = 0.80"
    assert before[0] != after[0]
