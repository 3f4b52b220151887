"""TensorBoard HParams summaries: a run's hyperparameters and final metrics, so that
`tensorboard --logdir STUDY_DIR/runs` shows a study as a table and as parallel coordinates."""

import numbers
import os

from kvae.studies.columns import scalar_columns

__all__ = ["write", "metric_tags"]


def metric_tags(scores):
    """{tag: value} of the final scalar metrics, e.g. `final/mean/mig`."""
    return {
        f"final/{representation}/{column}": value
        for representation, by_metric in scores.items()
        for metric, values in by_metric.items()
        for column, value in scalar_columns(metric, values).items()
    }


def _hparam_value(value):
    if isinstance(value, bool) or isinstance(value, str):
        return value
    if isinstance(value, numbers.Number):
        return float(value)
    return str(value)


def write(log_dir, trial_id, hparams, scores, step):
    """Writes the HParams summary of one run and its final metrics as scalars into `log_dir/hparams`.

    Args:
        log_dir: the run's TensorBoard directory.
        trial_id: the run's name in the HParams table (the study's model_num).
        hparams: {name: value}, e.g. {"BetaVAE.beta": 4.0, "train.seed": 0}.
        scores: {representation: {metric: values}} as written in results/eval/.
        step: the run's final step.
    """
    import tensorflow as tf
    from tensorboard.plugins.hparams import api as hp

    directory = os.path.join(log_dir, "hparams")
    if os.path.isdir(directory):  # one session per run: a re-evaluated run replaces its summary
        for name in os.listdir(directory):
            if name.startswith("events.out.tfevents"):
                os.remove(os.path.join(directory, name))
    writer = tf.summary.create_file_writer(directory)
    with writer.as_default(step=int(step or 0)):
        hp.hparams({name: _hparam_value(v) for name, v in hparams.items()}, trial_id=trial_id)
        for tag, value in metric_tags(scores).items():
            tf.summary.scalar(tag, value)
    writer.flush()
    writer.close()
