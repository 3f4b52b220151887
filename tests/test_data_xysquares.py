import numpy as np
import pytest
import tensorflow as tf

import kvae.data
from kvae.data import XYSquares

# disent's centred grid offset, (64 - (8 + 7 s)) // 2, for spacings 1..8.
OFFSETS = {1: 24, 2: 21, 3: 17, 4: 14, 5: 10, 6: 7, 7: 3, 8: 0}


@pytest.mark.parametrize("spacing", range(1, 9))
def test_size_and_offset(spacing):
    data = XYSquares(grid_spacing=spacing)
    assert len(data) == 8**6 == 262144
    assert data.factor_sizes == (8,) * 6
    assert data.observation_shape == (64, 64, 3)
    assert data.offset == OFFSETS[spacing]


def test_index_factor_round_trip():
    data = XYSquares()
    rng = np.random.default_rng(0)
    indices = np.concatenate([[0, 1, 7, 8, len(data) - 1], rng.integers(0, len(data), 500)])
    factors = data.index_to_factors(indices)
    np.testing.assert_array_equal(data.factors_to_index(factors), indices)
    np.testing.assert_array_equal(factors[0], [0] * 6)
    np.testing.assert_array_equal(factors[1], [0, 0, 0, 0, 0, 1])  # last factor fastest
    np.testing.assert_array_equal(factors[4], [7] * 6)


@pytest.mark.parametrize("spacing", [1, 3, 8])
def test_each_square_occupies_its_pixels_only(spacing):
    data = XYSquares(grid_spacing=spacing)
    factors = np.concatenate([data.sample_factors(20, np.random.default_rng(spacing)), [[0] * 6, [7] * 6]])
    images = data.render(factors)
    assert images.dtype == np.float32 and images.shape == (22, 64, 64, 3)
    assert set(np.unique(images)) <= {0.0, 1.0}
    start = data.offset + spacing * factors
    for image, s in zip(images, start):
        for channel in range(3):
            x, y = s[2 * channel], s[2 * channel + 1]
            expected = np.zeros((64, 64), np.float32)
            expected[y : y + 8, x : x + 8] = 1.0
            np.testing.assert_array_equal(image[..., channel], expected)


def test_spacing_8_diagonal_traversal_tiles_the_diagonal():
    """Squares at (p, p), p = 0..7, cover the 8x8 diagonal blocks exactly once."""
    images = XYSquares().render(np.repeat(np.arange(8), 6).reshape(8, 6))
    blocks = np.kron(np.eye(8), np.ones((8, 8)))
    np.testing.assert_array_equal(images.sum(axis=0), np.repeat(blocks[:, :, None], 3, axis=2))


def test_render_tf_matches_render_and_runs_in_graph():
    data = XYSquares(grid_spacing=5)
    factors = data.sample_factors(16, np.random.default_rng(1))
    graph = tf.function(data.render_tf, input_signature=[tf.TensorSpec([None, 6], tf.int64)])
    np.testing.assert_array_equal(graph(tf.constant(factors)).numpy(), data.render(factors))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"grid_spacing": 0},
        {"grid_spacing": 9},
        {"grid_spacing": 2.5},
        {"grid_spacing": True},
        {"square_size": 16, "grid_spacing": 7},
        {"square_size": 0},
    ],
)
def test_invalid_arguments(kwargs):
    with pytest.raises(ValueError, match="must be an integer in"):
        XYSquares(**kwargs)


def test_bad_factors():
    data = XYSquares()
    with pytest.raises(ValueError, match="factor values must lie in"):
        data.render([[0, 0, 0, 0, 0, 8]])
    with pytest.raises(ValueError, match="shape"):
        data.render([[0, 0, 0]])


def test_registry():
    assert isinstance(kvae.data.get("xysquares", grid_spacing=2), XYSquares)
    with pytest.raises(ValueError, match="known datasets: .*dsprites_procedural.*xysquares"):
        kvae.data.get("xysquare")
