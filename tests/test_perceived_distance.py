import numpy as np
import pytest

from kvae import losses
from kvae.analysis import average_distance_matrix, factor_traversal_distances, perceived_distance
from kvae.data import ProceduralDSprites, XYSquares


def one_pixel_distance(loss="mse"):
    """d between a black image and one with a single lit pixel: the loss's unit of pixel error."""
    x = np.zeros((1, 64, 64, 3), np.float32)
    y = x.copy()
    y[0, 5, 5, 1] = 1.0
    return perceived_distance(x, y, loss)[0]


@pytest.mark.parametrize("spacing", range(1, 9))
def test_xysquares_traversal_distances_are_exact(spacing):
    """Moving an 8x8 square by k grid steps changes 2 * 8 * min(k * spacing, 8) pixels of one channel."""
    data = XYSquares(grid_spacing=spacing)
    steps = np.abs(np.subtract.outer(np.arange(8), np.arange(8)))
    expected = 16 * np.minimum(steps * spacing, 8) * one_pixel_distance()
    base = data.sample_factors(1, np.random.default_rng(spacing))[0]
    for factor in range(6):
        np.testing.assert_allclose(factor_traversal_distances(data, factor, "mse", base), expected, rtol=1e-4)


def test_spacing_8_is_constant_and_spacing_1_grows():
    """Michlo et al. section 5: constant perceived distance at spacing 8, ordered at spacing 1."""
    unit = one_pixel_distance()
    constant = average_distance_matrix(XYSquares(grid_spacing=8), "y_G", "mse", n_repeats=5, rng=0)
    np.testing.assert_allclose(constant, 128 * unit * (1 - np.eye(8)), rtol=1e-4)
    ordered = average_distance_matrix(XYSquares(grid_spacing=1), "x_B", "mse", n_repeats=5, rng=0)
    assert np.all(np.diff(ordered[0]) > 0)
    np.testing.assert_allclose(ordered[0], 16 * unit * np.arange(8), rtol=1e-4)


def test_dsprites_position_distances_grow_then_saturate():
    matrix = average_distance_matrix(ProceduralDSprites(), "pos_x", n_repeats=4, rng=1)
    assert matrix.shape == (32, 32)
    np.testing.assert_allclose(matrix, matrix.T)
    np.testing.assert_array_equal(np.diag(matrix), 0)
    near = [np.mean(np.diag(matrix, k)) for k in range(1, 6)]
    assert np.all(np.diff(near) > 0)


def test_perceived_distance_basics():
    data = XYSquares()
    x = data.observations(data.index_to_factors([0, 1, 2]))
    np.testing.assert_array_equal(perceived_distance(x, x), 0)
    d = perceived_distance(x[0], x[1])
    assert np.ndim(d) == 0 and d > 0
    np.testing.assert_allclose(perceived_distance(x[1], x[0]), d)
    with pytest.raises(ValueError, match="same shape"):
        perceived_distance(x[:2], x)


def test_data_space_callable():
    data = XYSquares()
    x = data.observations([[0] * 6, [1] * 6])
    l1 = lambda a, b: np.abs(a - b).sum(axis=(1, 2, 3))
    np.testing.assert_allclose(perceived_distance(x[:1], x[1:], l1), [6 * 64.0])  # three squares moved


def test_named_losses_compare_images_in_data_space():
    data = XYSquares(grid_spacing=2)
    x = data.observations([[0] * 6, [1, 0, 0, 0, 0, 0]])  # R square moved by 2 px: 32 pixels differ
    np.testing.assert_allclose(perceived_distance(x[:1], x[1:], "mse"), [32.0])
    np.testing.assert_allclose(perceived_distance(x[:1], x[1:], "l1"), [32.0])
    np.testing.assert_allclose(perceived_distance(x[:1], x[1:], "bce"), [32 * 100.0])  # log clamped at -100
    assert perceived_distance(x[:1], x[1:], losses.get("mse_box_r31_l1.0_k3969.0"))[0] > 32.0


def test_factor_names_and_errors():
    data = XYSquares(grid_spacing=3)
    np.testing.assert_array_equal(factor_traversal_distances(data, "y_R"), factor_traversal_distances(data, 1))
    with pytest.raises(ValueError, match="Unknown factor 'z'; factors of xysquares: x_R, y_R"):
        factor_traversal_distances(data, "z")
    with pytest.raises(ValueError, match=r"factor index must lie in \[0, 6\)"):
        factor_traversal_distances(data, 6)
    with pytest.raises(ValueError, match="factor values must lie in"):
        factor_traversal_distances(data, 0, base_factors=[0, 0, 0, 0, 0, 9])
