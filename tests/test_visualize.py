"""Traversals (ranges, KL order, GIF frames), kvae-visualize on a run, and kvae-visualize-dataset's labelled grid."""

import os
import subprocess
import sys

import keras
import numpy as np
from PIL import Image

from kvae import frames, nets
from kvae.viz import grids, traversals

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHAPE = (8, 8, 1)


def model_with_known_posterior():
    """A VAE whose latent 1 is informative (KL > 0) and latent 0 is the prior (KL 0, dead)."""
    keras.utils.set_random_seed(0)
    model = frames.VAE(nets.FCEncoder(latent_dim=2, image_shape=SHAPE), nets.FCDecoder(image_shape=SHAPE))
    model.build((None,) + SHAPE)
    mean = lambda x, training=False: (keras.ops.stack([0.0 * x[:, 0, 0, 0], 4.0 * x[:, 0, 0, 0] - 2.0], axis=1),
                                      keras.ops.zeros((keras.ops.shape(x)[0], 2)))
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
    np.testing.assert_allclose([summary["low"][1], summary["high"][1]], [codes.mean() - 2 * spread, codes.mean() + 2 * spread], rtol=1e-6)
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
    np.testing.assert_allclose(traversals._frame_values(6), [0, 1 / 3, 2 / 3, 1, 2 / 3, 1 / 3])  # low -> high -> back, looping


def test_label_rows_adds_a_margin_and_keeps_the_images():
    grid = grids.image_grid(np.zeros((2, 3, 4, 4, 3), np.float32))
    labelled = grids.label_rows(grid, ["input", "a much longer label than 40 pixels"], 2, margin=40)
    margin = labelled.shape[1] - grid.shape[1]
    assert labelled.shape[0] == grid.shape[0] and margin > 40  # widened for the long label
    np.testing.assert_array_equal(labelled[:, margin:], grid)
    assert (labelled[: grid.shape[0] // 2, :margin] < 128).any() and (labelled[grid.shape[0] // 2 :, :margin] < 128).any()


def run(*arguments, timeout=300):
    return subprocess.run([sys.executable, "-m", *arguments], capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, cwd=REPO)


def test_kvae_visualize_writes_each_file(tmp_path):
    model_dir = tmp_path / "run"
    bindings = ["train.batch_size = 8", "train.latent_dim = 3", "train.steps = 4", "train.log_every = 2",
                "train.checkpoint_every = 4", "train.eval_metrics = []"]
    trained = run("kvae.cli.train", f"--model_dir={model_dir}", "--gin_config=gin_configs/models/beta_vae.gin",
                  "--gin_config=gin_configs/datasets/dsprites_procedural.gin", *[f"--gin_bindings={b}" for b in bindings])
    assert trained.returncode == 0, trained.stderr[-2000:]
    for name in os.listdir(model_dir / "images"):
        os.remove(model_dir / "images" / name)
    result = run("kvae.cli.visualize", f"--model_dir={model_dir}", "--num_points=200", "--num_bases=2")
    assert result.returncode == 0, result.stderr[-2000:]
    written = set(os.listdir(model_dir / "images"))
    expected = {"traversals.png", "traversals.gif", "reconstructions.png", "samples.png", "kl_per_latent.png",
                "latents.png", "training_curves.png"}
    assert expected <= written
    for name in written:
        with Image.open(model_dir / "images" / name) as image:
            assert image.size[0] > 100
    assert {line.strip() for line in result.stdout.splitlines()[1:]} == {str(model_dir / "images" / n) for n in written}

    missing = run("kvae.cli.visualize", f"--model_dir={tmp_path / 'nothing'}")
    assert missing.returncode == 1 and missing.stderr.startswith("kvae-visualize: error: ")


def test_visualize_dataset_labels_each_factor(tmp_path):
    result = run("kvae.cli.visualize_dataset", "--dataset=xysquares", f"--output={tmp_path / 'xy.png'}", "--num_values=4")
    assert result.returncode == 0, result.stderr
    with Image.open(tmp_path / "xy.png") as image:
        pixels = np.asarray(image)
    rows, margin = 6, 165
    assert pixels.shape == (2 * (6 * 65 + 1), margin + 2 * (4 * 65 + 1), 3)
    assert all((pixels[r * pixels.shape[0] // rows : (r + 1) * pixels.shape[0] // rows, :margin] < 128).any() for r in range(rows))
