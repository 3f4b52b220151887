"""Traversals (ranges, KL order, GIF frames), labelled grids, and kvae-visualize-dataset's labelled grid
(kvae-visualize on a run: tests/test_output.py, which trains one)."""

import keras
import numpy as np
from PIL import Image

from kvae import frames, nets
from kvae.viz import grids, traversals

SHAPE = (8, 8, 1)


def model_with_known_posterior():
    """A VAE whose latent 1 is informative (KL > 0) and latent 0 is the prior (KL 0, dead)."""
    keras.utils.set_random_seed(0)
    model = frames.VAE(nets.FCEncoder(latent_dim=2, image_shape=SHAPE), nets.FCDecoder(image_shape=SHAPE))
    model.build((None,) + SHAPE)
    mean = lambda x, training=False: (
        keras.ops.stack([0.0 * x[:, 0, 0, 0], 4.0 * x[:, 0, 0, 0] - 2.0], axis=1),
        keras.ops.zeros((keras.ops.shape(x)[0], 2)),
    )
    model.encode = mean
    return model


def test_latent_summary_ranges_order_and_dead_latents():
    model = model_with_known_posterior()
    x = np.zeros((100,) + SHAPE, np.float32)
    x[:, 0, 0, 0] = np.linspace(0.0, 1.0, 100)
    summary = traversals.latent_summary(model, x)
    codes = 4.0 * x[:, 0, 0, 0] - 2.0
    # aggregate posterior of latent 1: mean of the means, variance E[sigma^2] + Var(mu) = 1 + Var(mu)
    spread = np.sqrt(1.0 + codes.var())
    np.testing.assert_allclose(
        [summary["low"][1], summary["high"][1]],
        [codes.mean() - 2 * spread, codes.mean() + 2 * spread],
        rtol=1e-6,
    )
    np.testing.assert_allclose([summary["low"][0], summary["high"][0]], [-2.0, 2.0], atol=1e-6)
    np.testing.assert_allclose(summary["kl"], [0.0, 0.5 * (codes**2).mean()], atol=1e-6)
    assert summary["order"].tolist() == [1, 0] and summary["dead"].tolist() == [True, False]


def test_gifs_decode_to_the_expected_frames(tmp_path):
    model = model_with_known_posterior()
    x = np.random.default_rng(0).uniform(size=(3,) + SHAPE).astype(np.float32)
    summary = traversals.latent_summary(model, x)
    assert traversals.traversal_gif(model, x, summary, 1, str(tmp_path / "z1.gif"), num_frames=10) == 10
    assert traversals.combined_gif(model, x, summary, str(tmp_path / "all.gif"), num_frames=12) == 12
    for name, count in (("z1.gif", 10), ("all.gif", 12)):
        with Image.open(tmp_path / name) as gif:
            assert gif.n_frames == count and gif.is_animated
    np.testing.assert_allclose(
        traversals._frame_values(6), [0, 1 / 3, 2 / 3, 1, 2 / 3, 1 / 3]
    )  # low -> high -> back, looping


def test_label_rows_adds_a_margin_and_keeps_the_images():
    grid = grids.image_grid(np.zeros((2, 3, 4, 4, 3), np.float32))
    labelled = grids.label_rows(grid, ["input", "a much longer label than 40 pixels"], 2, margin=40)
    margin = labelled.shape[1] - grid.shape[1]
    assert labelled.shape[0] == grid.shape[0] and margin > 40  # widened for the long label
    np.testing.assert_array_equal(labelled[:, margin:], grid)
    assert (labelled[: grid.shape[0] // 2, :margin] < 128).any() and (
        labelled[grid.shape[0] // 2 :, :margin] < 128
    ).any()


def test_visualize_dataset_labels_each_factor():
    from kvae import data
    from kvae.cli.visualize_dataset import labelled_traversals

    pixels = labelled_traversals(data.get("xysquares"), num_values=4)
    rows, height = 6, 2 * (6 * 65 + 1)
    margin = pixels.shape[1] - 2 * (4 * 65 + 1)
    assert pixels.shape[0] == height and pixels.shape[2] == 3 and margin >= 165
    assert all(
        (pixels[r * height // rows : (r + 1) * height // rows, :margin] < 128).any() for r in range(rows)
    )
