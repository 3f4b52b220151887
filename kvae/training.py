"""Training a frame into a run directory (`kvae.run_directory`), resumably; the body of `kvae-train`.

A run never loses data: its configuration is fixed when it is created, one process at a time trains it
(a lock), every file is written atomically, a diverging loss stops it with its last finite checkpoint,
SIGINT/SIGTERM save a checkpoint at the current step, and running the same command resumes it
bit-identically to an uninterrupted run.
"""

import contextlib
import datetime
import math
import os
import signal
import socket
import sys
import threading
import time

import gin
import keras
import numpy as np

from kvae import callbacks, config, distribute, evaluation, frames, io, nets
from kvae.data import make_dataset
from kvae.errors import KvaeError
from kvae.run_directory import RunDirectory
from kvae.studies import hparams
from kvae.studies.task import versions
from kvae.viz.run_images import write_model_images

__all__ = ["train", "check_arguments", "Interrupted"]

ON_NAN = ("stop", "skip_step")


class Interrupted(KvaeError):
    """SIGINT or SIGTERM stopped the run at `step`; running the same command resumes it."""

    def __init__(self, step, signum):
        super().__init__(f"interrupted at step {step}; run the same command to resume")
        self.step, self.exit_code = step, 128 + signum


def check_arguments(model, encoder, decoder, latent_dim, steps, batch_size, seed, log_every, image_every,
                    checkpoint_every, keep_checkpoints, eval_metrics, jit_compile, verbose, pair_k, on_nan,
                    strategy="default", precision="float32", steps_per_execution=1, render_on_device=False):
    """Raises a one-line `KvaeError` for the first argument of `train` of the wrong type or range."""
    if not (isinstance(model, type) and issubclass(model, frames.VAE)):
        _refuse("model", "a frame class such as @BetaVAE", model)
    for name, value in (("encoder", encoder), ("decoder", decoder)):
        if not callable(value):
            _refuse(name, "a net class such as @ConvEncoder", value)
    for name, value, minimum in (
        ("latent_dim", latent_dim, 1), ("steps", steps, 1), ("batch_size", batch_size, 1), ("seed", seed, 0),
        ("log_every", log_every, 1), ("image_every", image_every, 1), ("checkpoint_every", checkpoint_every, 1),
        ("keep_checkpoints", keep_checkpoints, 1),
    ):
        if not _is_int(value) or value < minimum:
            _refuse(name, f"an integer >= {minimum}", value)
    if not isinstance(eval_metrics, (list, tuple)) or not all(isinstance(name, str) for name in eval_metrics):
        _refuse("eval_metrics", "a list of metric names such as ['mig']", eval_metrics)
    if not isinstance(jit_compile, bool):
        _refuse("jit_compile", "True or False", jit_compile)
    if verbose not in ("auto", 0, 1, 2) or isinstance(verbose, bool):
        _refuse("verbose", "'auto', 0, 1 or 2", verbose)
    if not _is_int(pair_k) or not (pair_k >= 1 or pair_k == -1):
        _refuse("pair_k", "an integer >= 1, or -1 (a random number per pair)", pair_k)
    if on_nan not in ON_NAN:
        _refuse("on_nan", " or ".join(map(repr, ON_NAN)), on_nan)
    for name, value, choices in (("strategy", strategy, distribute.STRATEGIES),
                                 ("precision", precision, distribute.PRECISIONS)):
        if value not in choices:
            _refuse(name, " or ".join(map(repr, choices)), value)
    if not _is_int(steps_per_execution) or steps_per_execution < 1:
        _refuse("steps_per_execution", "an integer >= 1", steps_per_execution)
    for name, value in (("steps", steps), ("checkpoint_every", checkpoint_every), ("log_every", log_every),
                        ("image_every", image_every)):
        if value % steps_per_execution:  # Keras runs whole executions and calls the callbacks after each
            _refuse(name, f"a multiple of train.steps_per_execution = {steps_per_execution}", value)
    if not isinstance(render_on_device, bool):
        _refuse("render_on_device", "True or False", render_on_device)


def _check_during(eval_every, eval_metrics_during):
    """Raises a one-line `KvaeError` for a bad `eval_every` or `eval_metrics_during`."""
    if not _is_int(eval_every) or eval_every < 1:
        _refuse("eval_every", "an integer >= 1", eval_every)
    if not isinstance(eval_metrics_during, (list, tuple)) or not all(isinstance(n, str) for n in eval_metrics_during):
        _refuse("eval_metrics_during", "a list of metric names such as ['mig']", eval_metrics_during)


def _hyperparameters(model, data, latent_dim, batch_size, seed, learning_rate):
    """The settings that tell runs apart: the frame and its bound arguments, the dataset and its, the loss,
    latent_dim, learning rate, batch size and seed (gin names where there is one)."""
    frame, dataset = type(model).__name__, type(data).__name__
    found = {"frame": frame, "dataset": data.name, "reconstruction_loss": model.reconstruction_loss.name}
    for name in (frame, dataset):
        try:
            bound = gin.get_bindings(name)
        except (ValueError, KeyError):  # not a configurable
            bound = {}
        found.update({f"{name}.{key}": value for key, value in bound.items() if isinstance(value, (bool, int, float, str))})
    found.update({"train.latent_dim": latent_dim, "optimizer.learning_rate": learning_rate,
                  "train.batch_size": batch_size, "train.seed": seed})
    return found


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _refuse(name, expected, given):
    raise KvaeError(f"train.{name}: expected {expected}, got {given!r} ({type(given).__name__})")


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
    on_nan="stop",
    strategy="default",
    devices=None,
    precision="float32",
    steps_per_execution=1,
    render_on_device=False,
    eval_every=10000,
    eval_metrics_during=(),
):
    """Trains a frame on the configured dataset into `model_dir`, resuming an unfinished run.

    The first session fixes the run's configuration (gin/operative.gin); a later session with the
    same bindings resumes from the newest readable checkpoint, and may change only the settings in
    `kvae.run_directory.RESUMABLE_SETTINGS` (recorded in gin/resumes/<n>.gin). Raising `steps` above
    those of a finished run extends it.

    Args:
        model_dir: the run directory.
        overwrite: replace the run in `model_dir` (only a directory kvae made).
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
        eval_metrics: metric names evaluated at the end (`kvae.metrics.METRICS`), at full size;
            also written to TensorBoard (`tensorboard/hparams`, with the run's hyperparameters).
        eval_every: steps between evaluations of `eval_metrics_during`.
        eval_metrics_during: metric names evaluated during training every `eval_every` steps at
            reduced sizes (`callbacks.MetricsDuringTraining`), logged to TensorBoard as `metrics/<name>`.
        jit_compile: XLA-compile the train step (faster on GPUs, slower on CPUs).
        verbose: progress on stdout: "auto" (a bar on a terminal, else lines), 0 (none), 1 (a bar)
            or 2 (one line per `log_every` steps: step, images/s, the terms, ETA).
        pair_k: for frames trained on pairs, how many factors differ within a
            pair (-1: a random number per pair, Locatello et al. 2020).
        on_nan: when a loss term or a gradient is not finite, "stop" (status
            "diverged" in results/train.json, the last finite checkpoint kept) or
            "skip_step" (the step's update is dropped; training goes on).
        strategy: "default" (one device), "mirrored" (all local GPUs, or `devices`) or
            "multi_worker" (`kvae.distribute.get_strategy`); `batch_size` is the global batch.
        devices: for "mirrored", the device names, e.g. ["/gpu:0", "/gpu:1"]; None for all GPUs.
        precision: "float32", "mixed_bfloat16" or "mixed_float16" (`kvae.distribute.precision`).
        steps_per_execution: optimizer steps per call of the compiled train function (Keras'
            compile argument); steps, checkpoint_every, log_every and image_every are multiples of it.
        render_on_device: the pipeline yields factors and the step renders the images on the device
            (procedural datasets; `kvae.distribute.render_inputs`).

    Returns:
        {"train": the train results, "eval": the evaluation results, "run": the `RunDirectory`}.

    Raises:
        KvaeError: a bad argument, an unusable run directory, a divergence (`callbacks.Diverged`),
            or SIGINT/SIGTERM (`Interrupted`).
    """
    check_arguments(model, encoder, decoder, latent_dim, steps, batch_size, seed, log_every, image_every,
                    checkpoint_every, keep_checkpoints, eval_metrics, jit_compile, verbose, pair_k, on_nan,
                    strategy, precision, steps_per_execution, render_on_device)
    _check_during(eval_every, eval_metrics_during)
    replicas = distribute.get_strategy(strategy, devices)
    run = RunDirectory(model_dir)
    run.prepare(overwrite, steps)
    for name in (*eval_metrics, *eval_metrics_during):
        config.evaluation_metric(name)  # an unknown metric fails before training, not after
    data = config.dataset()
    if render_on_device:
        distribute.check_renderable(data)
    keras.utils.set_random_seed(seed)
    with distribute.precision(precision), replicas.scope():  # variables on every replica, in float32
        vae = model(
            encoder(latent_dim=latent_dim, image_shape=data.observation_shape),
            decoder(image_shape=data.observation_shape),
            reconstruction_loss=config.reconstruction_loss(),
            seed=seed,
            **{name: fn(data) for name, fn in getattr(model, "dataset_arguments", {}).items()},
        )
        vae.build((None,) + tuple(data.observation_shape))
        optimizer = config.optimizer()
    learning_rate = float(keras.ops.convert_to_numpy(optimizer.learning_rate))
    if not (math.isfinite(learning_rate) and learning_rate > 0):
        raise KvaeError(f"optimizer.learning_rate: expected a positive number, got {learning_rate!r}")
    operative = gin.operative_config_str()  # everything the run is built from, now that all is configured
    changes = {} if overwrite else run.configuration_changes(operative)

    with run.lock(), _signals() as interrupts:
        run.prepare(overwrite, steps)  # again, now that no other process can change the directory
        run.create(overwrite)
        run.record_configuration(operative, changes)
        keras.utils.set_random_seed(seed)
        with distribute.precision(precision), replicas.scope():
            resumed = run.load_latest_checkpoint(keras.saving.load_model)
            if resumed is not None:
                vae, optimizer = resumed, resumed.optimizer
            vae.compile(optimizer=optimizer, jit_compile=jit_compile, steps_per_execution=steps_per_execution)
        if render_on_device:
            vae.render_inputs = distribute.render_inputs(data)
        done = int(vae.optimizer.iterations.numpy()) if vae.optimizer.built else 0
        if done:
            print(f"Resuming {run.root} at step {done}", flush=True)
        interrupts.step = lambda: int(vae.optimizer.iterations.numpy())
        progress = _Progress(run, done, {
            "model": type(vae).__name__,
            "dataset": data.name,
            "reconstruction_loss": vae.reconstruction_loss.name,
            "seed": seed,
            "batch_size": batch_size,
            "on_nan": on_nan,
            "hyperparameters": _hyperparameters(vae, data, latent_dim, batch_size, seed, learning_rate),
            "versions": versions(),
        })

        inputs = {"mode": vae.input_mode, "k": pair_k, "render": not render_on_device}

        def shard(size, worker, start):  # the pipeline of one worker's replicas (`distribute.distribute_dataset`)
            return make_dataset(data, size, seed=distribute.worker_seed(seed, worker), start=start, **inputs)
        chunk = max(1, min(checkpoint_every, steps))
        preview = data.observations(data.sample_factors(8, np.random.default_rng(seed)))
        heldout = data.observations(data.sample_factors(batch_size, np.random.default_rng(seed + 1)))
        guard = callbacks.DivergenceGuard(on_nan)
        show = callbacks.Progress(steps, batch_size, log_every, bar=verbose == 1 or (verbose == "auto" and sys.stdout.isatty()))
        during = callbacks.MetricsDuringTraining(data, eval_metrics_during, seed, report=show.message) if eval_metrics_during else None
        logger = callbacks.TensorBoardLogger(run.tensorboard, preview, scalar_every=log_every, image_every=image_every,
                                             heldout=heldout, metrics=during, metrics_every=eval_every)
        if done < steps:
            try:
                with interrupts.stopping_after_the_step() as stopper:
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
                            callbacks.Checkpointer(
                                run.checkpoints, every=checkpoint_every, keep=keep_checkpoints,
                                on_save=lambda step: progress.write("running", step, skipped_steps=guard.skipped),
                            ),
                            logger,
                            *([show] if verbose != 0 else []),
                        ],
                    )
            except callbacks.Diverged as error:
                kept = run.latest_checkpoint()
                progress.write("diverged", progress.session["end_step"], skipped_steps=guard.skipped,
                               diverged={"step": error.step, "term": error.term, "checkpoint": kept})
                kept = os.path.relpath(kept, run.root) if kept else "none yet"
                skip = ", or set train.on_nan = 'skip_step'" if on_nan == "stop" else ""
                raise KvaeError(
                    f"{error}; kept the last finite checkpoint ({kept}) and wrote status 'diverged' to "
                    f"{run.train_results}; expected finite values: lower optimizer.learning_rate{skip}"
                ) from None
            finally:
                logger.close()
            if stopper.reason is not None:
                step = int(vae.optimizer.iterations.numpy())
                progress.write("interrupted", step, skipped_steps=guard.skipped)
                raise Interrupted(step, stopper.reason)
        step = int(vae.optimizer.iterations.numpy())
        progress.write("running", step, skipped_steps=guard.skipped)  # this session's time, before evaluating

        with io.atomic_path(run.model) as tmp:
            vae.save(tmp)
        write_model_images(vae, data, run.images, seed, title=f"{type(vae).__name__} on {data.name}, step {step}: ")

        scores = evaluation.evaluate_model(vae, data, eval_metrics, seed, run)
        hparams.write(run.tensorboard, os.path.basename(os.path.normpath(run.root)), progress.fields["hyperparameters"],
                      {"mean": {name: result["values"] for name, result in scores.items()}}, step)

        final = vae.evaluate(make_dataset(data, batch_size, seed=seed + 1, **inputs), steps=10, verbose=0, return_dict=True)
        results = progress.write(
            "finished",
            step,
            skipped_steps=guard.skipped,
            eval_terms={name: float(value) for name, value in final.items()},
            kl_per_latent=keras.ops.convert_to_numpy(vae.kl_per_latent.result()).tolist(),
            **({"metrics_during_training_seconds": during.seconds} if during is not None else {}),
        )
    return {"train": results, "eval": scores, "run": run}


class _Progress:
    """results/train.json of a run over its sessions: each session's steps and seconds, and their totals."""

    def __init__(self, run, step, fields):
        self.run, self.fields, self.started = run, fields, time.time()
        self.sessions = [s for s in run.train_state().get("sessions", []) if isinstance(s, dict)]
        self.session = {
            "started": datetime.datetime.now().isoformat(timespec="seconds"),
            "host": socket.gethostname(),
            "start_step": step,
            "end_step": step,
            "seconds": 0.0,
        }

    def write(self, status, step, **extra):
        """Writes the state at `step` with `status`; returns the dict written."""
        self.session.update(end_step=step, seconds=time.time() - self.started)
        sessions = self.sessions + [self.session]
        trained, seconds = step - self.session["start_step"], self.session["seconds"]
        results = {
            "status": status,
            "timestamp": datetime.datetime.now().isoformat(timespec="seconds"),
            **self.fields,
            "steps": step,
            "trained_steps_this_session": trained,
            "train_seconds_this_session": seconds,
            "images_per_second": trained * self.fields["batch_size"] / seconds if trained else None,
            "train_seconds_total": sum(s["seconds"] for s in sessions),
            "sessions": sessions,
            **extra,
        }
        io.write_json(self.run.train_results, results)
        return results


class _Signals:
    """SIGINT/SIGTERM: while `fit` runs, stop after the current step (its checkpoint is saved); else stop at once."""

    def __init__(self):
        self.stopper = None
        self.step = lambda: 0

    def handle(self, signum, frame):
        if self.stopper is not None and self.stopper.reason is None:  # a second signal stops at once
            self.stopper.request(signum)
        else:
            raise Interrupted(self.step(), signum)

    @contextlib.contextmanager
    def stopping_after_the_step(self):
        self.stopper = callbacks.StopOnRequest()
        try:
            yield self.stopper
        finally:
            self.stopper = None


@contextlib.contextmanager
def _signals():
    """Installs `_Signals.handle` for SIGINT and SIGTERM (in the main thread only) while the block runs."""
    interrupts = _Signals()
    if threading.current_thread() is not threading.main_thread():
        yield interrupts
        return
    previous = {s: signal.signal(s, interrupts.handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield interrupts
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
