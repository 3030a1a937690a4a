"""Tests for nndl_lib.companions.plotting (Agg backend): what is drawn, labels, and errors on bad
input."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from nndl_lib.activations import sigmoid  # noqa: E402
from nndl_lib.companions.plotting import (  # noqa: E402
    as_digit_images,
    plot_activations,
    plot_curves,
    plot_descent_on_surface,
    show_digits,
    show_filters,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _digits(n, seed=0):
    return np.random.default_rng(seed).random((n, 784)).astype(np.float32)


def test_show_digits_draws_one_28x28_image_per_digit_in_a_grid():
    x = _digits(7)
    fig = show_digits(x, ncols=3)
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 7  # 3 x 3 grid, the two unused cells removed
    for ax, img in zip(fig.axes, x, strict=True):
        (im,) = ax.get_images()
        assert im.get_array().shape == (28, 28)
        np.testing.assert_array_equal(im.get_array(), img.reshape(28, 28))
    assert fig.axes[3].get_subplotspec().rowspan.start == 1  # the fourth digit starts row 2


def test_show_digits_titles_mark_wrong_predictions_in_red():
    fig = show_digits(_digits(3), labels=[1, 2, 3], predictions=[1, 7, 3])
    titles = [ax.get_title() for ax in fig.axes]
    assert titles == ["true 1, net 1", "true 2, net 7", "true 3, net 3"]
    colors = [ax.title.get_color() for ax in fig.axes]
    assert colors[1] == "tab:red" and colors[0] == colors[2] == "black"


def test_show_digits_accepts_image_shapes_and_one_hot_labels():
    x = _digits(4).reshape(4, 1, 28, 28)
    labels = np.eye(10)[[0, 5, 9, 3]]
    fig = show_digits(x, labels=labels)
    assert [ax.get_title() for ax in fig.axes] == ["0", "5", "9", "3"]
    assert as_digit_images(_digits(1)[0]).shape == (1, 28, 28)


def test_show_digits_rejects_bad_shapes_and_mismatched_labels():
    with pytest.raises(ValueError, match=r"\(N, 784\).*got \(2, 783\)"):
        show_digits(np.zeros((2, 783)))
    with pytest.raises(ValueError, match=r"labels must have one entry per digit, shape \(3,\)"):
        show_digits(_digits(3), labels=[1, 2])
    with pytest.raises(ValueError, match="ncols"):
        show_digits(_digits(3), ncols=0)
    with pytest.raises(ValueError, match="at least one digit"):
        show_digits(np.zeros((0, 784)))


def test_plot_curves_draws_each_series_in_percent_with_labels_and_reference():
    hist = {"eta = 3.0": [0.9, 0.93, 0.94], "eta = 0.5": [0.8, 0.85, 0.88]}
    fig = plot_curves(hist, ylabel="test accuracy (%)", title="runs", percent=True,
                      references={"book": 0.9542})
    (ax,) = fig.axes
    lines = ax.get_lines()
    np.testing.assert_allclose(lines[0].get_ydata(), [90, 93, 94])
    np.testing.assert_array_equal(lines[1].get_xdata(), [0, 1, 2])
    np.testing.assert_allclose(lines[2].get_ydata(), [95.42, 95.42])
    assert ax.get_xlabel() == "epoch" and ax.get_ylabel() == "test accuracy (%)"
    assert ax.get_title() == "runs"
    assert all(float(t).is_integer() for t in ax.get_xticks())  # whole epochs only
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["eta = 3.0", "eta = 0.5", "book"]


def test_plot_curves_draws_into_given_axes_and_checks_lengths():
    fig, ax = plt.subplots()
    assert plot_curves([1.0, 0.5, 0.25], ax=ax, ylabel="cost", x=[1, 2, 3]) is fig
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [1, 2, 3])
    with pytest.raises(ValueError, match="x has 2 values but series"):
        plot_curves({"a": [1, 2, 3]}, x=[0, 1])
    with pytest.raises(ValueError, match="at least one series"):
        plot_curves({})
    with pytest.raises(TypeError, match="matplotlib Axes"):
        plot_curves([1, 2], ax="not an axes")


def test_plot_activations_draws_step_and_sigmoid_on_the_grid():
    z = np.linspace(-3, 3, 61)
    fig = plot_activations(("step", "sigmoid", "tanh"), z=z)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 3
    np.testing.assert_array_equal(lines[0].get_ydata(), (z > 0).astype(float))
    np.testing.assert_allclose(lines[1].get_ydata(), sigmoid(z))
    assert "z" in fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel() == "output"
    with pytest.raises(ValueError, match="unknown activation"):
        plot_activations(("sigmod",))


def test_plot_descent_on_surface_draws_paths_from_start_to_end():
    path = np.array([[1.5, 1.0], [0.9, 0.4], [0.5, 0.2]])
    fig = plot_descent_on_surface(lambda a, b: a**2 + 2 * b**2, {"eta = 0.2": path},
                                  title="bowl")
    ax = fig.axes[0]
    drawn = ax.get_lines()[0]
    np.testing.assert_array_equal(drawn.get_xdata(), path[:, 0])
    np.testing.assert_array_equal(drawn.get_ydata(), path[:, 1])
    np.testing.assert_array_equal(ax.get_lines()[2].get_xydata()[0], path[-1])  # end marker
    assert ax.get_xlabel() == "$v_1$" and ax.get_title() == "bowl"
    assert len(fig.axes) == 2  # contour axes + colour bar
    with pytest.raises(ValueError, match=r"shape \(steps \+ 1, 2\)"):
        plot_descent_on_surface(lambda a, b: a + b, np.zeros((3, 3)))
    with pytest.raises(ValueError, match="grid's shape"):
        plot_descent_on_surface(lambda a, b: 1.0, path)


def test_show_filters_draws_one_panel_per_filter_on_one_symmetric_scale():
    w = np.random.default_rng(0).normal(size=(20, 1, 5, 5))
    w[3, 0, 2, 2] = 4.0  # the largest magnitude sets the scale for every panel
    fig = show_filters(w, ncols=10)
    panels = [ax for ax in fig.axes if ax.images]
    assert len(panels) == 20
    for ax in panels:
        assert ax.images[0].get_clim() == (-4.0, 4.0)
    np.testing.assert_array_equal(panels[3].images[0].get_array(), w[3, 0])
    assert len(fig.axes) == 21  # and a colour bar


def test_show_filters_accepts_feature_maps_with_titles_and_an_unsymmetric_scale():
    maps = np.random.default_rng(1).random((3, 12, 12))
    fig = show_filters(maps, symmetric=False, titles=["a", "b", "c"], colorbar=False,
                       cmap="gray_r")
    panels = [ax for ax in fig.axes if ax.images]
    assert [ax.get_title() for ax in panels] == ["a", "b", "c"]
    assert panels[0].images[0].get_clim() == (maps.min(), maps.max())


def test_show_filters_rejects_bad_shapes_and_channels():
    with pytest.raises(ValueError, match=r"\(F, C, KH, KW\) or \(F, H, W\)"):
        show_filters(np.zeros((5, 5)))
    with pytest.raises(ValueError, match="channel must be in"):
        show_filters(np.zeros((2, 1, 3, 3)), channel=1)
    with pytest.raises(ValueError, match="titles needs one entry per panel"):
        show_filters(np.zeros((2, 3, 3)), titles=["x"])
