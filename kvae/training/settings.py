"""The arguments of `kvae.training.train`, checked: one record the building, fitting and finishing read."""

import dataclasses

import numpy as np

from kvae import distribute, frames
from kvae.errors import KvaeError

__all__ = ["Settings", "ON_NAN"]

ON_NAN = ("stop", "skip_step")


@dataclasses.dataclass(frozen=True)
class Settings:
    """The arguments of `train` but `model_dir` and `overwrite` (documented there); making one checks them.

    Raises:
        KvaeError: one line naming the first argument of the wrong type or range, as `train.<name>`.
    """

    model: type
    encoder: type
    decoder: type
    latent_dim: int
    steps: int
    batch_size: int
    seed: int
    log_every: int
    image_every: int
    checkpoint_every: int
    keep_checkpoints: int
    eval_metrics: tuple
    jit_compile: bool
    verbose: object
    pair_k: int
    on_nan: str
    strategy: str
    devices: object
    precision: str
    steps_per_execution: int
    render_on_device: bool
    eval_every: int
    eval_metrics_during: tuple

    def __post_init__(self):
        if not (isinstance(self.model, type) and issubclass(self.model, frames.VAE)):
            _refuse("model", "a frame class such as @BetaVAE", self.model)
        for name in ("encoder", "decoder"):
            if not callable(getattr(self, name)):
                _refuse(name, "a net class such as @ConvEncoder", getattr(self, name))
        for name, minimum in (
            ("latent_dim", 1),
            ("steps", 1),
            ("batch_size", 1),
            ("seed", 0),
            ("log_every", 1),
            ("image_every", 1),
            ("checkpoint_every", 1),
            ("keep_checkpoints", 1),
            ("steps_per_execution", 1),
            ("eval_every", 1),
        ):
            if not _is_int(getattr(self, name)) or getattr(self, name) < minimum:
                _refuse(name, f"an integer >= {minimum}", getattr(self, name))
        for name in ("eval_metrics", "eval_metrics_during"):
            names = getattr(self, name)
            if not isinstance(names, (list, tuple)) or not all(isinstance(n, str) for n in names):
                _refuse(name, "a list of metric names such as ['mig']", names)
        for name in ("jit_compile", "render_on_device"):
            if not isinstance(getattr(self, name), bool):
                _refuse(name, "True or False", getattr(self, name))
        if self.verbose not in ("auto", 0, 1, 2) or isinstance(self.verbose, bool):
            _refuse("verbose", "'auto', 0, 1 or 2", self.verbose)
        if not _is_int(self.pair_k) or not (self.pair_k >= 1 or self.pair_k == -1):
            _refuse("pair_k", "an integer >= 1, or -1 (a random number per pair)", self.pair_k)
        for name, choices in (
            ("on_nan", ON_NAN),
            ("strategy", distribute.STRATEGIES),
            ("precision", distribute.PRECISIONS),
        ):
            if getattr(self, name) not in choices:
                _refuse(name, " or ".join(map(repr, choices)), getattr(self, name))
        for name in ("steps", "checkpoint_every", "log_every", "image_every"):
            if getattr(self, name) % self.steps_per_execution:  # callbacks run after whole executions
                expected = f"a multiple of train.steps_per_execution = {self.steps_per_execution}"
                _refuse(name, expected, getattr(self, name))


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _refuse(name, expected, given):
    raise KvaeError(f"train.{name}: expected {expected}, got {given!r} ({type(given).__name__})")
