"""Hyperparameter schedules: a frame's scalar hyperparameter as a function of the optimizer step.

Any scalar hyperparameter of a frame (`BetaVAE.beta`, `FactorVAE.gamma`, `AnnealedVAE.capacity`, the
DIP-VAE lambdas, ...) may be a schedule instead of a number. The frame evaluates it at the optimizer's
step (`iterations`, saved in checkpoints and `.keras` files, so a resumed run continues the schedule) and
logs its value as a term of the same name ("beta"). In gin, each schedule is `<name>_schedule`:

    BetaVAE.beta = @linear_schedule()
    linear_schedule.start = 0.0
    linear_schedule.end = 4.0
    linear_schedule.end_step = 10000

(scopes tell two schedules apart: `FactorVAE.gamma = @gamma/cyclic_schedule()`). A new schedule is a
`Schedule` subclass registered in `SCHEDULES`, whose `__call__` maps the step to a float32 scalar with
`keras.ops` (it runs inside the traced train step) and whose constructor keeps each argument as the
attribute of the same name (`Schedule.get_config` reads them back).
"""

import inspect
import math

import keras
from keras import ops

from kvae.data.arguments import check_choice, check_float, check_int, fail
from kvae.registry import Registry

__all__ = ["SCHEDULES", "Schedule", "Constant", "Linear", "Cyclic", "Cosine", "serialize", "deserialize"]

SCHEDULES = Registry("schedules", keras_package="kvae")


class Schedule:
    """A value as a function of the optimizer step: `schedule(step)` is a float32 scalar (keras.ops)."""

    def __call__(self, step):
        raise NotImplementedError(f"{type(self).__name__} does not define __call__(step)")

    def get_config(self):
        """The constructor's arguments, read from the attributes of the same names."""
        names = list(inspect.signature(type(self).__init__).parameters)[1:]
        return {name: getattr(self, name) for name in names}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in self.get_config().items())})"


def _elapsed(step, start_step):
    """Steps since `start_step` (0 before it), an integer tensor."""
    return ops.maximum(ops.convert_to_tensor(step) - start_step, 0)


@SCHEDULES.register("constant")
class Constant(Schedule):
    """The same `value` at every step (a number that is logged as a term)."""

    def __init__(self, value):
        self.value = check_float(type(self).__name__, "value", value)

    def __call__(self, step):
        return ops.convert_to_tensor(self.value, "float32")


@SCHEDULES.register("linear")
class Linear(Schedule):
    """A linear ramp: `start` until `start_step`, a straight line to `end` at `end_step`, then `end`.

    AnnealedVAE's capacity (Burgess et al. 2018) is `Linear(0, c_max, end_step=iteration_threshold)`.

    Args:
        start, end: the values before and after the ramp.
        end_step: the step the ramp reaches `end` at.
        start_step: the step the ramp leaves `start` at.
    """

    def __init__(self, start, end, end_step, start_step=0):
        owner = type(self).__name__
        self.start = check_float(owner, "start", start)
        self.end = check_float(owner, "end", end)
        self.start_step = check_int(owner, "start_step", start_step, low=0)
        self.end_step = check_int(owner, "end_step", end_step, low=self.start_step + 1)

    def __call__(self, step):
        elapsed = ops.cast(_elapsed(step, self.start_step), "float32")
        progress = elapsed / float(self.end_step - self.start_step)
        return self.start + (self.end - self.start) * ops.clip(progress, 0.0, 1.0)


SHAPES = ("linear", "cosine")


@SCHEDULES.register("cyclic")
class Cyclic(Schedule):
    """Cyclical annealing (Fu et al. 2019, "Cyclical annealing schedule: a simple approach to mitigating KL
    vanishing"): every `period` steps a ramp from `start` to `end` over the first `ramp` part of the
    period, then `end` for the rest of it.

    Args:
        start, end: the values at the beginning and at the top of each cycle.
        period: steps per cycle.
        ramp: the part of a cycle spent on the ramp, in (0, 1] (Fu et al.'s R; 1: a sawtooth).
        shape: "linear" or "cosine" (the ramp is `0.5 * (1 - cos(pi * t))`, as disent's `mode='cosine'`).
        cycles: the number of cycles, after which the value stays at `end`; None: cycles for ever.
        start_step: the step the first cycle begins at (the value is `start` before it).
    """

    def __init__(self, start, end, period, ramp=0.5, shape="linear", cycles=None, start_step=0):
        owner = type(self).__name__
        self.start = check_float(owner, "start", start)
        self.end = check_float(owner, "end", end)
        self.period = check_int(owner, "period", period, low=1)
        self.ramp = check_float(owner, "ramp", ramp, low=0, high=1, low_open=True)
        self.shape = check_choice(owner, "shape", shape, SHAPES)
        self.cycles = None if cycles is None else check_int(owner, "cycles (None: for ever)", cycles, low=1)
        self.start_step = check_int(owner, "start_step", start_step, low=0)

    def __call__(self, step):
        elapsed = _elapsed(step, self.start_step)
        phase = ops.cast(ops.mod(elapsed, self.period), "float32") / float(self.period * self.ramp)
        rise = ops.minimum(phase, 1.0)
        if self.shape == "cosine":
            rise = 0.5 * (1.0 - ops.cos(math.pi * rise))
        value = self.start + (self.end - self.start) * rise
        if self.cycles is not None:
            value = ops.where(elapsed >= self.cycles * self.period, ops.cast(self.end, "float32"), value)
        return value


@SCHEDULES.register("cosine")
class Cosine(Schedule):
    """A cosine wave: `start` at step 0, `end` half a `period` later, `start` again after a period.

    `start + (end - start) * (1 - cos(2 pi t / period)) / 2` at `t` steps after `start_step` (disent's
    `CosineWaveSchedule`, with values in place of ratios).

    Args:
        start, end: the values at the trough and at the crest.
        period: steps per wave.
        start_step: the step the wave begins at (the value is `start` before it).
    """

    def __init__(self, start, end, period, start_step=0):
        owner = type(self).__name__
        self.start = check_float(owner, "start", start)
        self.end = check_float(owner, "end", end)
        self.period = check_int(owner, "period", period, low=1)
        self.start_step = check_int(owner, "start_step", start_step, low=0)

    def __call__(self, step):
        phase = ops.cast(ops.mod(_elapsed(step, self.start_step), self.period), "float32") / self.period
        return self.start + (self.end - self.start) * 0.5 * (1.0 - ops.cos(2.0 * math.pi * phase))


def serialize(value):
    """A schedule's Keras config (what `get_config` of a frame returns); a number as it is."""
    if not isinstance(value, Schedule):
        return value
    return keras.saving.serialize_keras_object(value)


def deserialize(value, owner="schedule", name="value"):
    """A schedule from its Keras config (`serialize`); a schedule or a number as it is."""
    if not isinstance(value, dict):
        return value
    schedule = keras.saving.deserialize_keras_object(value)
    if not isinstance(schedule, Schedule):
        raise fail(owner, name, "a number or a kvae.schedules.Schedule", schedule)
    return schedule
