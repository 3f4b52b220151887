"""Training a frame into a run directory (`kvae.run_directory`), resumably; the body of `kvae-train`."""

import math
import os
import time

import gin
import keras
import numpy as np

from kvae import callbacks, config, evaluation, io, nets, viz
from kvae.data import make_dataset
from kvae.run_directory import RunDirectory


def pipeline_arguments(input_mode, pair_k=1):
    """The `make_dataset` arguments that yield what a frame's `input_mode` asks for."""
    modes = {
        "single": {},
        "pair": {"mode": "pair", "k": pair_k},
        "pair_with_labels": {"mode": "pair", "k": pair_k, "with_labels": True},
    }
    if input_mode not in modes:
        raise ValueError(f"unknown frame input_mode {input_mode!r}; expected one of {', '.join(modes)}")
    return modes[input_mode]


@gin.configurable("train", denylist=["model_dir", "overwrite"])
def train(
    model_dir,
    overwrite=False,
    model=gin.REQUIRED,
    encoder=nets.ConvEncoder,
    decoder=nets.ConvDecoder,
    latent_dim=10,
    steps=300000,
    batch_size=64,
    seed=0,
    log_every=100,
    image_every=1000,
    checkpoint_every=1000,
    keep_checkpoints=3,
    eval_metrics=("mig",),
    jit_compile=False,
    verbose="auto",
    pair_k=1,
):
    """Trains a frame on the configured dataset into `model_dir`, resuming an unfinished run.

    Args:
        model_dir: the run directory.
        overwrite: replace a finished run in `model_dir`.
        model: the frame class, e.g. `@BetaVAE` (its own arguments are bound
            on its name, e.g. `BetaVAE.beta = 4`).
        encoder, decoder: net classes, e.g. `@ConvEncoder`, `@FCDecoder`.
        latent_dim: number of latent dimensions.
        steps: total optimizer steps of the run.
        batch_size: images per step.
        seed: the run's one seed (data order, initialisation, sampling, metrics).
        log_every: steps between TensorBoard scalars.
        image_every: steps between TensorBoard image grids.
        checkpoint_every: steps between checkpoints (also the length of a Keras epoch).
        keep_checkpoints: how many checkpoints to keep.
        eval_metrics: metric names evaluated at the end (`kvae.metrics.METRICS`).
        jit_compile: XLA-compile the train step (faster on GPUs, slower on CPUs).
        verbose: Keras progress display ("auto", 0, 1 or 2).
        pair_k: for frames trained on pairs, how many factors differ within a
            pair (-1: a random number per pair, Locatello et al. 2020).

    Returns:
        A dict with the train results and the evaluation results.
    """
    run = RunDirectory(model_dir)
    run.prepare(overwrite)
    for name in eval_metrics:
        config.evaluation_metric(name)  # an unknown metric fails before training, not after
    data = config.dataset()
    keras.utils.set_random_seed(seed)

    checkpoint = run.latest_checkpoint()
    if checkpoint:
        vae = keras.saving.load_model(checkpoint)
        vae.compile(optimizer=vae.optimizer, jit_compile=jit_compile)
    else:
        vae = model(
            encoder(latent_dim=latent_dim, image_shape=data.observation_shape),
            decoder(image_shape=data.observation_shape),
            reconstruction_loss=config.reconstruction_loss(),
            seed=seed,
            **{name: fn(data) for name, fn in getattr(model, "dataset_arguments", {}).items()},
        )
        vae.build((None,) + tuple(data.observation_shape))
        vae.compile(optimizer=config.optimizer(), jit_compile=jit_compile)
    os.makedirs(os.path.dirname(run.gin), exist_ok=True)
    io.write_atomic(run.gin, gin.operative_config_str())

    inputs = pipeline_arguments(vae.input_mode, pair_k)
    done = int(vae.optimizer.iterations.numpy()) if vae.optimizer.built else 0
    chunk = max(1, min(checkpoint_every, steps))
    preview = data.observations(data.sample_factors(8, np.random.default_rng(seed)))
    started = time.time()
    if done < steps:
        vae.fit(
            make_dataset(data, batch_size, seed=seed, start=done, **inputs),
            initial_epoch=done // chunk,
            epochs=math.ceil(steps / chunk),
            steps_per_epoch=chunk,
            verbose=verbose,
            shuffle=False,
            callbacks=[
                callbacks.StopAtStep(steps),
                callbacks.Checkpointer(run.checkpoints, every=checkpoint_every, keep=keep_checkpoints),
                callbacks.TensorBoardLogger(run.tensorboard, preview, scalar_every=log_every, image_every=image_every),
            ],
        )
    seconds = time.time() - started
    trained = int(vae.optimizer.iterations.numpy()) - done
    vae.save(run.model)

    os.makedirs(run.images, exist_ok=True)
    viz.save_png(os.path.join(run.images, "reconstructions.png"), viz.reconstruction_grid(vae, preview))
    viz.save_png(os.path.join(run.images, "traversals.png"), viz.traversal_grid(vae, preview))
    viz.save_png(os.path.join(run.images, "samples.png"), viz.sample_grid(vae))

    scores = evaluation.evaluate_model(vae, data, eval_metrics, seed, run)

    final = vae.evaluate(make_dataset(data, batch_size, seed=seed + 1, **inputs), steps=10, verbose=0, return_dict=True)
    results = {
        "status": "finished",
        "model": type(vae).__name__,
        "dataset": data.name,
        "reconstruction_loss": vae.reconstruction_loss.name,
        "seed": seed,
        "steps": int(vae.optimizer.iterations.numpy()),
        "batch_size": batch_size,
        "trained_steps_this_session": trained,
        "train_seconds_this_session": seconds,
        "images_per_second": trained * batch_size / seconds if trained else None,
        "eval_terms": {name: float(value) for name, value in final.items()},
        "kl_per_latent": keras.ops.convert_to_numpy(vae.kl_per_latent.result()).tolist(),
    }
    io.write_json(run.train_results, results)
    return {"train": results, "eval": scores, "run": run}
