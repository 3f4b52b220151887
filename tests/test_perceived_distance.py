import numpy as np
import pytest

from kvae import analysis, losses
from kvae.analysis import (
    average_distance_matrix,
    distance_correlations,
    distance_matrices,
    factor_traversal_distances,
    ground_truth_distances,
    model_distance_matrices,
    pairwise_distances,
    perceived_distance,
)
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
    np.testing.assert_array_equal(
        factor_traversal_distances(data, "y_R"), factor_traversal_distances(data, 1)
    )
    with pytest.raises(ValueError, match="Unknown factor 'z'; factors of xysquares: x_R, y_R"):
        factor_traversal_distances(data, "z")
    with pytest.raises(ValueError, match=r"factor index must lie in \[0, 6\)"):
        factor_traversal_distances(data, 6)
    with pytest.raises(ValueError, match="factor values must lie in"):
        factor_traversal_distances(data, 0, base_factors=[0, 0, 0, 0, 0, 9])


def test_all_factors_spacing_8_exactly_constant_and_uncorrelated():
    """Under MSE every off-diagonal entry is 128 (two 8x8 squares of one channel), exactly."""
    matrices = distance_matrices(XYSquares(grid_spacing=8), "mse", num_bases=20, rng=3)
    assert list(matrices) == list(XYSquares.factor_names)
    for matrix in matrices.values():
        np.testing.assert_array_equal(matrix, 128.0 * (1 - np.eye(8)))
    assert distance_correlations(matrices)["x_R"] == {"spearman": 0.0, "pearson": 0.0}


def test_spacing_1_orders_and_the_box_blur_orders_spacing_8():
    """Spacing 1 is perceived in order under MSE; at spacing 8 only the r31 box blur restores the order
    (Michlo et al. 6)."""
    ordered = distance_matrices(XYSquares(grid_spacing=1), "mse", ["x_G"], num_bases=4)["x_G"]
    np.testing.assert_allclose(ordered, 16 * ground_truth_distances(8))
    assert distance_correlations({"x_G": ordered})["x_G"] == pytest.approx({"spearman": 1.0, "pearson": 1.0})
    spacing_2 = distance_matrices(XYSquares(grid_spacing=2), "mse", ["y_R"], num_bases=4)["y_R"]
    np.testing.assert_allclose(
        spacing_2[0], 16 * np.minimum(2 * np.arange(8), 8)
    )  # grows up to the square width
    blur = distance_matrices(
        XYSquares(grid_spacing=8), "mse_box_r31_l1.0_k3969.0", ["x_R", "y_B"], num_bases=8, rng=0
    )
    for name, matrix in blur.items():
        for u in range(8):
            assert np.all(np.diff(matrix[u, u:]) > 0) and np.all(np.diff(matrix[u, : u + 1]) < 0), name
    assert (
        distance_correlations(blur)["x_R"]["spearman"] > 0.95
    )  # < 1: ties of |u - v| differ near the border


def test_pairwise_distances_equal_the_loss_pair_by_pair():
    """The blur-once decomposition of the augmented loss equals the loss's own distance of each pair."""
    data = XYSquares(grid_spacing=3)
    images = data.observations(data.sample_factors(10, np.random.default_rng(0))).reshape(2, 5, 64, 64, 3)
    for name in ("mse", "l1", "bce", "mse_box_r31_l1.0_k3969.0", "bce_gau_r7_l1.0_k10.0"):
        loss = losses.get(name)
        matrices = pairwise_distances(images, name)
        expected = [
            [[loss.distance(s[u : u + 1], s[v : v + 1]).numpy()[0] for v in range(5)] for u in range(5)]
            for s in images
        ]
        np.testing.assert_allclose(matrices, expected, rtol=2e-5, atol=1e-3, err_msg=name)


def test_distances_at_every_level_of_a_model():
    """Each level equals the quantity computed directly from the model on one traversal."""
    import keras

    import kvae

    data = XYSquares(grid_size=4)
    model = kvae.frames.BetaVAE(
        kvae.nets.ConvEncoder(3, (64, 64, 3)),
        kvae.nets.ConvDecoder((64, 64, 3)),
        reconstruction_loss="mse",
        seed=0,
    )
    model.build((None, 64, 64, 3))
    levels = model_distance_matrices(model, data, factors=["y_G"], num_bases=1, rng=5)["y_G"]
    assert tuple(levels) == analysis.LEVELS
    base = data.sample_factors(1, np.random.default_rng(5))[0]
    traversal = np.repeat(base[None], 4, axis=0)
    traversal[:, 3] = np.arange(4)
    x = data.observations(traversal)
    mean, logvar = (keras.ops.convert_to_numpy(v).astype(np.float64) for v in model.encode(x))
    np.testing.assert_array_equal(levels["ground_truth"], ground_truth_distances(4))
    np.testing.assert_allclose(levels["data"], factor_traversal_distances(data, "y_G", "mse", base))
    np.testing.assert_allclose(
        levels["latent_l2"], np.linalg.norm(mean[:, None] - mean[None], axis=-1), rtol=1e-4, atol=1e-6
    )
    np.testing.assert_allclose(np.diag(levels["latent_kl"]), 0, atol=1e-9)
    var = np.exp(logvar)
    direct_kl = 0.5 * np.sum(
        np.log(var[None] / var[:, None]) + (var[:, None] + (mean[:, None] - mean[None]) ** 2) / var[None] - 1,
        axis=-1,
    )
    np.testing.assert_allclose(levels["latent_kl"], direct_kl, rtol=1e-4, atol=1e-6)
    reconstructions = keras.ops.convert_to_numpy(model.reconstruct(x))
    np.testing.assert_allclose(
        levels["reconstruction"], pairwise_distances(reconstructions, "mse"), rtol=1e-4, atol=1e-4
    )
