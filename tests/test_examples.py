"""The examples run: `continue_training` resumes every registered frame, whatever its input mode."""

import importlib.util
import os

import keras
import numpy as np
import pytest

from kvae import frames, nets
from kvae.data import XYSquares

EXAMPLES = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples")
DATA = XYSquares(square_size=2, grid_size=4, grid_spacing=2, image_size=8)  # 8x8x3 images, 4^6 elements


def load_example(name):
    spec = importlib.util.spec_from_file_location(name, os.path.join(EXAMPLES, f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


FAST = ("beta_vae", "ada_gvae", "group_vae", "ml_vae")  # each input mode; GroupVAE and MLVAE once raised


@pytest.mark.parametrize(
    "name", [n if n in FAST else pytest.param(n, marks=pytest.mark.slow) for n in sorted(frames.FRAMES)]
)
def test_continue_training_resumes_every_frame(name, tmp_path):
    cls = frames.FRAMES[name]
    kwargs = {argument: size(DATA) for argument, size in cls.dataset_arguments.items()}
    keras.utils.set_random_seed(0)
    shape = DATA.observation_shape
    model = cls(nets.FCEncoder(DATA.num_factors, shape), nets.FCDecoder(shape), seed=0, **kwargs)
    model.build((None,) + shape)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.optimizer.build(model.trainable_variables)  # saved with its slots, as a trained model is
    path = str(tmp_path / "model.keras")
    model.save(path)
    before = [np.asarray(w) for w in model.trainable_weights]

    resumed = load_example("continue_training").continue_training(path, DATA, steps=2, seed=1, batch_size=8)

    assert type(resumed) is cls and int(resumed.optimizer.iterations.numpy()) == 2
    assert any(np.any(np.asarray(w) != b) for w, b in zip(resumed.trainable_weights, before))  # it trained
    reloaded = keras.saving.load_model(path)
    assert int(reloaded.optimizer.iterations.numpy()) == 2
