import numpy as np
import tensorflow as tf

import kvae.data
from kvae.data import XYObject
from kvae.data.xyobject import palette


def test_sizes_and_palette():
    data = kvae.data.get("xyobject")
    assert data.factor_names == ("x", "y", "scale", "color") and data.factor_sizes == (25, 25, 5, 24)
    assert data.observation_shape == (64, 64, 3) and len(data) == 75000
    np.testing.assert_array_equal(data.scales, [7, 9, 11, 13, 15])
    colors = palette("rainbow_4")  # disent: hue * i // 4 for i = 1..4, hues R, Y, G, C, B, M
    np.testing.assert_array_equal(colors[:6], [[63, 0, 0], [63, 63, 0], [0, 63, 0], [0, 63, 63], [0, 0, 63], [63, 0, 63]])
    np.testing.assert_array_equal(colors[-6:-4], [[255, 0, 0], [255, 255, 0]])


def test_square_geometry_matches_disent():
    data = XYObject()
    factors = np.concatenate([data.sample_factors(30, np.random.default_rng(0)), [[0, 0, 0, 0], [24, 24, 4, 23]]])
    images = data.render(factors)
    for (x, y, s, c), image in zip(factors, images):
        size = data.scales[s]
        r = (15 - size) // 2
        expected = np.zeros((64, 64, 3), np.float32)
        expected[2 * y + r : 2 * y + r + size, 2 * x + r : 2 * x + r + size] = data.colors[c] / 255.0
        np.testing.assert_allclose(image, expected, atol=1e-7)
    graph = tf.function(data.render_tf, input_signature=[tf.TensorSpec([None, 4], tf.int64)])
    np.testing.assert_array_equal(graph(tf.constant(factors)).numpy(), images)


def test_visualize_dataset_cli(tmp_path):
    """kvae-visualize-dataset: one row per factor, gin bindings apply, errors are one line."""
    import subprocess
    import sys

    from PIL import Image

    from kvae.cli.visualize_dataset import traversal_images

    rows = traversal_images(XYObject(), num_values=5)
    assert rows.shape == (4, 5, 64, 64, 3)
    assert all(len({r.tobytes() for r in row}) == 5 for row in rows)
    out = tmp_path / "grid.png"
    cmd = [sys.executable, "-m", "kvae.cli.visualize_dataset", "--dataset=xyobject", f"--output={out}",
           "--num_values=6", "--gin_bindings=XYObject.grid_spacing = 4"]
    result = subprocess.run(cmd, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "'x': 13" in result.stdout  # (64 - 15) // 4 + 1 positions
    assert Image.open(out).size == (165 + 2 * (6 * 65 + 1), 2 * (4 * 65 + 1))  # labelled rows, 2x
    result = subprocess.run(cmd[:3] + ["--dataset=xyobjekt", f"--output={out}"], capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("kvae-visualize-dataset: error: unknown dataset 'xyobjekt'")
