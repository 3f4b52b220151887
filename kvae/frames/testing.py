"""Small XYSquares batches, pairs and checks for testing and benchmarking the frames."""

import json

import keras
import numpy as np

from kvae.data import XYSquares
from kvae.nets import ConvDecoder, ConvEncoder


def small_frame(cls, latent_dim=6, seed=1, learning_rate=1e-3, image_shape=(64, 64, 3), **kwargs):
    """A built and compiled frame with the Locatello conv nets."""
    model = cls(ConvEncoder(latent_dim, image_shape), ConvDecoder(image_shape), seed=seed, **kwargs)
    model.build((None,) + tuple(image_shape))
    model.compile(optimizer=keras.optimizers.Adam(learning_rate))
    return model


def xysquares_images(n, seed=0, data=None):
    """`n` XYSquares images with uniformly sampled factors, float32 [n, 64, 64, 3]."""
    data = data or XYSquares()
    return data.render(data.sample_factors(n, np.random.default_rng(seed)))


def xysquares_pairs(n, k=1, seed=0, data=None):
    """`n` XYSquares pairs whose images differ in exactly `k` factors.

    Returns `(pairs, changed)`: float32 [n, 2, 64, 64, 3] and the float32
    multi-hot mask [n, F] of the factors that differ (what the pipeline's pair
    mode yields with `with_labels=True`).
    """
    data = data or XYSquares()
    rng = np.random.default_rng(seed)
    first = data.sample_factors(n, rng)
    sizes = np.asarray(data.factor_sizes)
    changed = np.zeros(first.shape, np.float32)
    for row in range(n):
        changed[row, rng.choice(len(sizes), size=k, replace=False)] = 1.0
    shift = rng.integers(1, sizes, size=first.shape)  # never 0, so a changed factor really changes
    second = np.where(changed > 0, (first + shift) % sizes, first)
    return np.stack([data.render(first), data.render(second)], axis=1), changed


def fit_losses(model, x, y=None, epochs=3, batch_size=4):
    """The epoch losses of `model.fit` on fixed arrays."""
    history = model.fit(x, y, batch_size=batch_size, epochs=epochs, shuffle=False, verbose=0)
    return history.history["loss"]


def check_round_trip(model, path, images):
    """Saves `model` to `path` (.keras), loads it and checks that the copy is the same model.

    Same class and config, same outputs on `images`, and the same iterations
    and variables of every optimizer attribute. Returns the copy.
    """
    model.save(path)
    loaded = keras.saving.load_model(path)
    assert type(loaded) is type(model), (type(loaded), type(model))
    assert json.dumps(loaded.get_config(), sort_keys=True) == json.dumps(model.get_config(), sort_keys=True)
    np.testing.assert_array_equal(np.asarray(loaded(images)), np.asarray(model(images)))
    np.testing.assert_array_equal(np.asarray(loaded.seed_generator.state), np.asarray(model.seed_generator.state))
    for name in optimizer_attributes(model):
        mine, theirs = getattr(model, name), getattr(loaded, name)
        assert int(theirs.iterations.numpy()) == int(mine.iterations.numpy()), name
        assert len(theirs.variables) == len(mine.variables), name
        for a, b in zip(mine.variables, theirs.variables):
            np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    return loaded


def optimizer_attributes(model):
    """Names of the model's attributes holding a Keras optimizer ("optimizer", ...)."""
    names = ["optimizer"]
    names += [name for name, value in vars(model).items() if isinstance(value, keras.optimizers.Optimizer)]
    return sorted(set(names))
