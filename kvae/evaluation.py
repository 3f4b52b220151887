"""Scoring a trained frame with disentanglement metrics; the body of `kvae-evaluate`."""

import inspect
import os
import time

import gin
import keras

from kvae import config, io, metrics
from kvae.errors import KvaeError
from kvae.frames.grouped_vae import GroupedVAE
from kvae.metrics import _predictors as predictors
from kvae.run_directory import RunDirectory


def metric_settings(name):
    """The arguments a metric runs with: its defaults overridden by its gin bindings."""
    fn = metrics.get(name)
    settings = {
        key: parameter.default
        for key, parameter in inspect.signature(fn).parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }
    settings.update(gin.get_bindings(name))
    return settings


def model_arguments(name, model):
    """Arguments a metric takes from the model itself: a Grouped-VAE's groups are MIC's subsets
    (Halevi, eq. 13), unless `mic.subsets` is bound."""
    if name == "mic" and isinstance(model, GroupedVAE) and "subsets" not in gin.get_bindings("mic"):
        return {"subsets": [list(range(start, stop)) for start, stop in model.bounds]}
    return {}


def evaluate_model(model, data, names, seed, run=None, representation="mean"):
    """Scores `model` on `data` with each metric in `names`; writes `run`'s
    results/eval/<representation>/<name>.json.

    With mean codes every image is encoded once for all the metrics
    (`metrics.SharedCodes`); each metric still draws its own points from `seed`,
    so its values equal those of a separate run.

    Args:
        model: a trained frame.
        data: the `GroundTruthData` to sample from.
        names: metric names (`kvae.metrics.METRICS`).
        seed: seeds the sampling of every metric.
        run: a `RunDirectory` to write into, or None.
        representation: "mean" (the study's choice) or "sample" codes.

    Returns:
        {name: result dict with "values", "settings", "mode" ("exact", or "fast" for a fast
        predictor), "seed", "dataset", "step", "seconds"}.
    """
    fns = {name: config.evaluation_metric(name) for name in names}
    # "posterior" hands (mean, logvar) to the metrics: the mean is the code, the variance serves active units.
    mode = "posterior" if representation == "mean" else representation
    representation_fn = metrics.representation_function(model, mode=mode, seed=seed)
    step = int(model.optimizer.iterations.numpy()) if model.optimizer is not None else None
    results = {}
    for name, fn in fns.items():
        print(f"Evaluating {name} on {data.name} ...", flush=True)
        started = time.time()
        arguments = model_arguments(name, model)
        values = fn(data, representation_fn, seed, **arguments)
        settings = {**metric_settings(name), **arguments}
        results[name] = {
            "metric": name,
            "values": values,
            "settings": settings,
            "mode": predictors.mode(settings.get("predictor")),
            "seed": seed,
            "dataset": data.name,
            "representation": representation,
            "step": step,
            "seconds": time.time() - started,
        }
        print(f"{name}: {results[name]['seconds']:.1f} s", flush=True)
        if run is not None:
            io.write_json(run.eval_results(name, representation), results[name])
    if isinstance(representation_fn, metrics.SharedCodes) and representation_fn.images_drawn:
        print(
            f"encoded {representation_fn.images_encoded} distinct images for the "
            f"{representation_fn.images_drawn} the metrics drew",
            flush=True,
        )
    return results


@gin.configurable("evaluate", denylist=["model_dir"])
def evaluate(model_dir, metrics=gin.REQUIRED, seed=None, representation="mean"):
    """Scores the model of a finished run on the run's dataset.

    Args:
        model_dir: the run directory (its `gin/operative.gin` chooses the dataset).
        metrics: metric names, e.g. `['mig', 'dci']`.
        seed: seed of the metrics' sampling; defaults to the run's `train.seed`.
        representation: "mean" or "sample" codes.
    """
    if isinstance(metrics, str) or not isinstance(metrics, (list, tuple)) or not metrics:
        raise KvaeError(
            f"evaluate.metrics: expected a non-empty list of metric names such as ['mig'], got {metrics!r}"
        )
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or seed < 0):
        raise KvaeError(f"evaluate.seed: expected an integer >= 0 or None (the run's seed), got {seed!r}")
    if representation not in ("mean", "sample"):
        raise KvaeError(f"evaluate.representation: expected 'mean' or 'sample', got {representation!r}")
    run = RunDirectory(model_dir)
    if not os.path.exists(run.model):
        raise FileNotFoundError(f"no trained model at {run.model}: train the run first with kvae-train")
    if seed is None:
        seed = io.read_json(run.train_results)["seed"] if os.path.exists(run.train_results) else 0
    model = keras.saving.load_model(run.model)
    return evaluate_model(model, config.dataset(), metrics, seed, run, representation), run
