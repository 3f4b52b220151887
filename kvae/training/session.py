"""`train`, the gin configurable behind `kvae-train`: one session of a run, from building to finishing."""

import gin

from kvae import config, distribute, nets
from kvae.run_directory import RunDirectory
from kvae.training import building, finishing, fitting
from kvae.training.interrupts import handling_signals
from kvae.training.results import TrainResults, run_fields
from kvae.training.settings import Settings

__all__ = ["train"]


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

    A session builds the frame (`building`), fits it (`fitting`) and finishes the run (`finishing`).
    The first session fixes the run's configuration (gin/operative.gin); a later session with the
    same bindings resumes from the newest readable checkpoint, and may change only the settings in
    `kvae.run_directory.RESUMABLE_SETTINGS` (recorded in gin/resumes/<n>.gin). Raising `steps` above
    those of a finished run extends it. The configurables first used at the end (the evaluation
    metrics' `mig.num_train`, ...) are added to gin/operative.gin once the run is finished.

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
    settings = Settings(
        **{
            name: value
            for name, value in locals().items()  # every argument but these two
            if name not in ("model_dir", "overwrite")
        }
    )
    replicas = distribute.get_strategy(settings.strategy, settings.devices)
    run = RunDirectory(model_dir)
    run.prepare(overwrite, steps)
    for name in (*eval_metrics, *eval_metrics_during):
        config.evaluation_metric(name)  # an unknown metric fails before training, not after
    data = config.dataset()
    if render_on_device:
        distribute.check_renderable(data)
    vae, optimizer = building.build(settings, data, replicas)
    learning_rate = building.learning_rate(optimizer)
    operative = gin.operative_config_str()  # everything the run is built from, now that it is configured
    changes = {} if overwrite else run.configuration_changes(operative)

    with run.lock(), handling_signals() as signals:
        run.prepare(overwrite, steps)  # again, now that no other process can change the directory
        run.create(overwrite)
        run.record_configuration(operative, changes)
        vae = building.restore(vae, optimizer, run, settings, data, replicas)
        done = building.trained_steps(vae)
        if done:
            print(f"Resuming {run.root} at step {done}", flush=True)
        signals.step = lambda: building.trained_steps(vae)
        results = TrainResults(run, done, run_fields(vae, data, settings, learning_rate))
        extra = fitting.fit(vae, data, run, results, signals, settings, replicas)
        finished, scores = finishing.finish(vae, data, run, results, settings, **extra)
        run.complete_configuration(gin.operative_config_str())  # now with the evaluation's configurables
    return {"train": finished, "eval": scores, "run": run}
