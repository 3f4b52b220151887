"""Finishing a trained run: model.keras, the images, the evaluation and the final results."""

import os

import keras

from kvae import evaluation, io
from kvae.data import make_dataset
from kvae.studies import hparams
from kvae.training.building import trained_steps
from kvae.training.fitting import dataset_arguments
from kvae.viz.run_images import write_model_images

__all__ = ["finish"]


def finish(vae, data, run, results, settings, **extra):
    """Saves `vae` to model.keras, writes its images, evaluates `settings.eval_metrics` (also into
    TensorBoard's hparams) and the terms on held-out batches; writes status "finished" with `extra`.

    Returns:
        (the finished results/train.json, {metric: evaluation result}).
    """
    step, seed = trained_steps(vae), settings.seed
    with io.atomic_path(run.model) as tmp:
        vae.save(tmp)
    title = f"{type(vae).__name__} on {data.name}, step {step}: "
    write_model_images(vae, data, run.images, seed, title=title)

    scores = evaluation.evaluate_model(vae, data, settings.eval_metrics, seed, run)
    hparams.write(
        run.tensorboard,
        os.path.basename(os.path.normpath(run.root)),
        results.fields["hyperparameters"],
        {"mean": {name: result["values"] for name, result in scores.items()}},
        step,
    )

    heldout = make_dataset(data, settings.batch_size, seed=seed + 1, **dataset_arguments(vae, settings))
    final = vae.evaluate(heldout, steps=10, verbose=0, return_dict=True)
    finished = results.write(
        "finished",
        step,
        eval_terms={name: float(value) for name, value in final.items()},
        kl_per_latent=keras.ops.convert_to_numpy(vae.kl_per_latent.result()).tolist(),
        **extra,
    )
    return finished, scores
