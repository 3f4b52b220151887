"""Fitting a run's frame from the step it is at to `train.steps`: the input pipeline and the callbacks
(checkpoints, TensorBoard, progress, divergence, signals)."""

import math
import os
import sys

import numpy as np

from kvae import callbacks, distribute
from kvae.data import make_dataset
from kvae.errors import KvaeError
from kvae.training.building import trained_steps
from kvae.training.interrupts import Interrupted

__all__ = ["fit", "dataset_arguments"]


def dataset_arguments(vae, settings):
    """The `make_dataset` arguments of `vae`'s training batches (images, or factors rendered in the step)."""
    return {"mode": vae.input_mode, "k": settings.pair_k, "render": not settings.render_on_device}


def fit(vae, data, run, results, signals, settings, replicas):
    """Trains the compiled `vae` from its step to `settings.steps` on `data`, into `run`.

    Checkpoints every `checkpoint_every` steps (each writes status "running" to `results`), logs to
    TensorBoard, shows the progress and evaluates `eval_metrics_during`.

    Returns:
        The fields the finished results add ({"metrics_during_training_seconds": ...} or {}).

    Raises:
        KvaeError: the training diverged (status "diverged", the last finite checkpoint kept).
        Interrupted: SIGINT/SIGTERM (`signals`) stopped it after a step (status "interrupted").
    """
    done, steps, seed, batch_size = trained_steps(vae), settings.steps, settings.seed, settings.batch_size
    inputs = dataset_arguments(vae, settings)

    def shard(size, worker, start):  # the pipeline of one worker's replicas (`distribute.distribute_dataset`)
        return make_dataset(data, size, seed=distribute.worker_seed(seed, worker), start=start, **inputs)

    chunk = max(1, min(settings.checkpoint_every, steps))
    preview = data.observations(data.sample_factors(8, np.random.default_rng(seed)))
    heldout = data.observations(data.sample_factors(batch_size, np.random.default_rng(seed + 1)))
    guard = callbacks.DivergenceGuard(settings.on_nan)
    results.skipped_steps = guard.skipped  # the guard appends each step it skips
    verbose = settings.verbose
    bar = verbose == 1 or (verbose == "auto" and sys.stdout.isatty())
    show = callbacks.Progress(steps, batch_size, settings.log_every, bar=bar)
    during = (
        callbacks.MetricsDuringTraining(data, settings.eval_metrics_during, seed, report=show.message)
        if settings.eval_metrics_during
        else None
    )
    logger = callbacks.TensorBoardLogger(
        run.tensorboard,
        preview,
        scalar_every=settings.log_every,
        image_every=settings.image_every,
        heldout=heldout,
        metrics=during,
        metrics_every=settings.eval_every,
    )
    if done < steps:
        try:
            with signals.stopping_after_the_step() as stopper:
                vae.fit(
                    distribute.distribute_dataset(replicas, shard, batch_size, start=done),
                    initial_epoch=done // chunk,
                    epochs=math.ceil(steps / chunk),
                    steps_per_epoch=chunk,
                    verbose=0,  # `callbacks.Progress` shows it
                    shuffle=False,
                    callbacks=[
                        callbacks.StepLogs(),  # first: the logs of each step are that step's values
                        guard,
                        callbacks.StopAtStep(steps),
                        stopper,
                        logger,  # before the checkpoints: a checkpoint's steps are in TensorBoard
                        callbacks.Checkpointer(
                            run.checkpoints,
                            every=settings.checkpoint_every,
                            keep=settings.keep_checkpoints,
                            on_save=lambda step: results.write("running", step),
                        ),
                        *([show] if verbose != 0 else []),
                    ],
                )
        except callbacks.Diverged as error:
            raise _diverged(error, run, results, settings.on_nan) from None
        finally:
            logger.close()
        if stopper.reason is not None:
            step = trained_steps(vae)
            results.write("interrupted", step)
            raise Interrupted(step, stopper.reason)
    results.write("running", trained_steps(vae))  # this session's time, before evaluating
    return {"metrics_during_training_seconds": during.seconds} if during is not None else {}


def _diverged(error, run, results, on_nan):
    """Writes status "diverged" with the last finite checkpoint; returns the one-line error to raise."""
    kept = run.latest_checkpoint()
    results.write(
        "diverged",
        results.session["end_step"],
        diverged={"step": error.step, "term": error.term, "checkpoint": kept},
    )
    kept = os.path.relpath(kept, run.root) if kept else "none yet"
    skip = ", or set train.on_nan = 'skip_step'" if on_nan == "stop" else ""
    return KvaeError(
        f"{error}; kept the last finite checkpoint ({kept}) and wrote status 'diverged' to "
        f"{run.train_results}; expected finite values: lower optimizer.learning_rate{skip}"
    )
