import numpy as np
import pytest
import tensorflow as tf

import kvae.data
from kvae.data import ProceduralDSprites

SQUARE, ELLIPSE, HEART = 0, 1, 2


@pytest.fixture(scope="module")
def data():
    return ProceduralDSprites()


def centroid(image):
    """(row, column) centre of mass of a [H, W, 1] image, in pixel-centre coordinates."""
    rows, cols = np.nonzero(image[..., 0])
    return rows.mean() + 0.5, cols.mean() + 0.5


def test_interface(data):
    assert data.factor_names == ("shape", "scale", "orientation", "pos_x", "pos_y")
    assert data.factor_sizes == (3, 6, 40, 32, 32)
    assert len(data) == 737280
    assert data.observation_shape == (64, 64, 1)
    np.testing.assert_allclose(data.scales, np.linspace(0.5, 1, 6))
    # The real file's values (latents_values of dsprites_ndarray_co1sh3sc6or40x32y32_64x64): 2 pi included.
    np.testing.assert_allclose(data.orientations, np.linspace(0, 2 * np.pi, 40))
    assert data.orientations[-1] == pytest.approx(2 * np.pi) and data.orientations[1] == pytest.approx(
        2 * np.pi / 39
    )
    np.testing.assert_allclose(data.positions, np.linspace(0, 1, 32))
    assert kvae.data.get("dsprites_procedural").factor_sizes == data.factor_sizes


def test_binary_float32_and_graph_equal(data):
    factors = data.sample_factors(64, np.random.default_rng(0))
    images = data.render(factors)
    assert images.dtype == np.float32 and images.shape == (64, 64, 64, 1)
    assert set(np.unique(images)) == {0.0, 1.0}
    graph = tf.function(data.render_tf, input_signature=[tf.TensorSpec([None, 5], tf.int64)])
    np.testing.assert_array_equal(graph(tf.constant(factors)).numpy(), images)


def test_shapes_differ_pairwise(data):
    rest = data.sample_factors(10, np.random.default_rng(1))[:, 1:]
    for r in rest:
        images = data.render([[shape, *r] for shape in range(3)]).reshape(3, -1)
        for a, b in [(0, 1), (0, 2), (1, 2)]:
            assert np.sum(images[a] != images[b]) > 0.2 * images[[a, b]].sum(axis=1).min()


@pytest.mark.parametrize("shape", [SQUARE, ELLIPSE, HEART])
def test_area_grows_with_scale(data, shape):
    areas = data.render([[shape, s, 7, 16, 16] for s in range(6)]).sum(axis=(1, 2, 3))
    assert np.all(np.diff(areas) > 0)
    square_side = np.sqrt(data.render([[SQUARE, 5, 0, 16, 16]]).sum())
    assert 13 <= square_side <= 15  # inscribed in a 20 px circle at scale 1


@pytest.mark.parametrize("shape", [SQUARE, ELLIPSE, HEART])
def test_centroid_follows_position(data, shape):
    along_x = np.array([centroid(x) for x in data.render([[shape, 3, 5, p, 12] for p in range(32)])])
    along_y = np.array([centroid(x) for x in data.render([[shape, 3, 5, 12, p] for p in range(32)])])
    assert np.all(np.diff(along_x[:, 1]) > 0) and np.ptp(along_x[:, 0]) <= 0.5  # pos_x moves columns only
    assert np.all(np.diff(along_y[:, 0]) > 0) and np.ptp(along_y[:, 1]) <= 0.5  # pos_y moves rows only
    if shape == SQUARE:  # point-symmetric: centroid = centre, from 10 to 54 px
        np.testing.assert_allclose(along_x[[0, -1], 1], [10, 54], atol=0.5)


def test_sprites_stay_inside_the_frame(data):
    """Every sprite lies in its circle of radius 10 * scale, which fits the frame at extreme positions."""
    factors = np.array(
        [
            [s, c, o, x, y]
            for s in range(3)
            for c in (0, 5)
            for o in range(0, 40, 3)
            for x, y in [(0, 0), (31, 31), (0, 31), (31, 0), (16, 9)]
        ]
    )
    centres = 10 + 44 * data.positions[factors[:, 3:]]
    radii = 10 * data.scales[factors[:, 1]]
    rows, cols = np.mgrid[:64, :64] + 0.5
    for image, (cx, cy), r in zip(data.render(factors)[..., 0], centres, radii):
        assert np.all(np.hypot(cols - cx, rows - cy)[image > 0] <= r)
    # The largest sprites keep their area at all four corners (the centres are 44 px apart).
    corners = data.render(
        [
            [s, 5, o, x, y]
            for x, y in [(0, 0), (31, 31), (0, 31), (31, 0)]
            for s in range(3)
            for o in range(40)
        ]
    ).sum(axis=(1, 2, 3))
    assert np.all(corners.reshape(4, -1) == corners[:120])


def test_orientation_2pi_repeats_orientation_0_as_in_the_real_file(data):
    first, last = (
        data.render([[shape, scale, o, 12, 20] for shape in range(3) for scale in (0, 5) for o in (0, 39)])[
            :, ..., 0
        ]
        .reshape(6, 2, 64, 64)
        .transpose(1, 0, 2, 3)
    )
    assert np.sum(first != last) <= 2  # cos(2 pi) and sin(2 pi) round in float32
    assert np.sum(first) > 0


def test_orientation_rotates_the_heart():
    exact = ProceduralDSprites()
    exact.orientations = np.linspace(0.0, 2.0 * np.pi, 40, endpoint=False)  # exact quarter turns at 10 and 20
    # pos 0 puts the centre at pixel (10, 10), so the 20x20 corner holds the whole sprite.
    up, quarter, down = exact.render([[HEART, 5, o, 0, 0] for o in (0, 10, 20)])[:, :20, :20, 0]
    assert np.sum(up != quarter) > 50 and np.sum(up != down) > 50
    assert np.sum(down != up[::-1, ::-1]) <= 4  # 180 degrees = flip both axes (up to rounding)
    assert np.sum(quarter != np.rot90(up)) <= 4  # counter-clockwise
    # The heart points down at orientation 0: its mass sits above its centre.
    assert centroid(up[..., None])[0] < 10 < centroid(down[..., None])[0]


def test_bad_factors(data):
    with pytest.raises(ValueError, match=r"sizes \(3, 6, 40, 32, 32\)"):
        data.render([[3, 0, 0, 0, 0]])
