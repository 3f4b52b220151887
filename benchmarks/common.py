"""Pieces the benchmark scripts share (run them as `python benchmarks/<script>.py`)."""

import time


def make_beta_vae(shape, loss="bernoulli", jit_compile=False):
    """The study's beta-VAE (conv nets, 10 latents, beta 4, Adam 1e-4), built and compiled."""
    import keras

    from kvae import frames, nets

    model = frames.BetaVAE(
        nets.ConvEncoder(10, shape), nets.ConvDecoder(shape), beta=4.0, reconstruction_loss=loss
    )
    model.build((None,) + tuple(shape))
    model.compile(optimizer=keras.optimizers.Adam(1e-4), jit_compile=jit_compile)
    return model


def pipeline_images_per_second(data, batch_size=64, batches=100, warmup=10, seed=0):
    """Images/s of `make_dataset(data, batch_size, seed)` over `batches` batches after `warmup` batches."""
    from kvae.data import make_dataset

    iterator = iter(make_dataset(data, batch_size, seed))
    for _ in range(warmup):
        next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch_size / (time.perf_counter() - start)
