"""results/train.json: a run's status, steps and seconds over its sessions, and what tells runs apart."""

import datetime
import socket
import time

import gin

from kvae import io
from kvae.studies.task import versions

__all__ = ["TrainResults", "run_fields", "hyperparameters"]


class TrainResults:
    """results/train.json of a run over its sessions: each session's steps and seconds, and their totals.

    Args:
        run: the `RunDirectory`.
        step: the step this session starts at.
        fields: what every write repeats (`run_fields`).
    """

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
        self.skipped_steps = []  # this session's steps whose update was dropped (`callbacks.DivergenceGuard`)

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
            "skipped_steps": self.skipped_steps,
            **extra,
        }
        io.write_json(self.run.train_results, results)
        return results


def run_fields(vae, data, settings, learning_rate):
    """The fields of results/train.json that describe the run: frame, dataset, loss, seed, ..., versions."""
    return {
        "model": type(vae).__name__,
        "dataset": data.name,
        "reconstruction_loss": vae.reconstruction_loss.name,
        "seed": settings.seed,
        "batch_size": settings.batch_size,
        "on_nan": settings.on_nan,
        "hyperparameters": hyperparameters(vae, data, settings, learning_rate),
        "versions": versions(),
    }


def hyperparameters(vae, data, settings, learning_rate):
    """The settings that tell runs apart: the frame and its bound arguments, the dataset and its, the loss,
    latent_dim, learning rate, batch size and seed (gin names where there is one)."""
    frame, dataset = type(vae).__name__, type(data).__name__
    found = {"frame": frame, "dataset": data.name, "reconstruction_loss": vae.reconstruction_loss.name}
    for name in (frame, dataset):
        try:
            bound = gin.get_bindings(name)
        except (ValueError, KeyError):  # not a configurable
            bound = {}
        found.update(
            {
                f"{name}.{key}": value
                for key, value in bound.items()
                if isinstance(value, (bool, int, float, str))
            }
        )
    found.update(
        {
            "train.latent_dim": settings.latent_dim,
            "optimizer.learning_rate": learning_rate,
            "train.batch_size": settings.batch_size,
            "train.seed": settings.seed,
        }
    )
    return found
