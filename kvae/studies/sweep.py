"""Sweep axes -> the study's runs, in a stable order (disentanglement_lib's `utils/hyperparams.py` semantics).

A study's `axes` is a list; the runs are the outer product of its axes, the first axis outermost and the
last fastest (dlib's `h.product`). An axis is one of:

- a dict `{binding: values}`: its bindings are zipped (dlib's `h.zipit`); a list gives one value per
  run of the axis, a scalar is fixed across it. The key `'include'` names a gin config file to
  include before the bindings (e.g. `'models/factor_vae.gin'`).
- a list of such dicts: their runs are chained one after the other (dlib's `h.chainit`), e.g. one
  dict per frame with its own hyperparameter.

Values are gin literals; a string that starts with `@` is a configurable reference (`'@BetaVAE'`), as
in dlib's sweeps. Example, 2 frames x 3 values x 2 seeds = 12 runs, run 0 = beta 1 seed 0, run 1 =
beta 1 seed 1, run 2 = beta 2 seed 0, ...:

    axes = [
        [{'include': 'models/beta_vae.gin', 'BetaVAE.beta': [1.0, 2.0, 4.0]},
         {'include': 'models/factor_vae.gin', 'FactorVAE.gamma': [10.0, 20.0, 30.0]}],
        {'train.seed': [0, 1]},
    ]
"""

import itertools

from kvae.errors import KvaeError

__all__ = ["Run", "enumerate_runs", "format_value"]

INCLUDE = "include"


class Run:
    """One run of a study: its `model_num`, the config files it includes and its bindings (name -> value)."""

    __slots__ = ("model_num", "includes", "bindings")

    def __init__(self, model_num, includes, bindings):
        self.model_num = model_num
        self.includes = tuple(includes)
        self.bindings = dict(bindings)

    def binding_lines(self):
        """The bindings as gin lines, e.g. `["BetaVAE.beta = 4.0", "train.model = @BetaVAE"]`."""
        return [f"{name} = {format_value(value)}" for name, value in self.bindings.items()]

    def to_json(self):
        return {
            "model_num": self.model_num,
            "includes": list(self.includes),
            "bindings": self.binding_lines(),
        }

    def __repr__(self):
        return f"Run({self.model_num}, includes={list(self.includes)}, bindings={self.binding_lines()})"


def format_value(value):
    """A Python value as a gin literal; `'@Name'` strings become references (dlib's `_escape_value`)."""
    if isinstance(value, str):
        return value if value.startswith("@") or value.startswith("%") else repr(value)
    if isinstance(value, (list, tuple)):
        inner = ", ".join(format_value(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    return repr(value)


def _zip(axis, where):
    """The settings of one dict axis: a list of (includes, bindings) of equal length."""
    if not isinstance(axis, dict) or not axis:
        raise KvaeError(
            f"study axis {where}: expected a non-empty dict of bindings or a list of them, got {axis!r}"
        )
    lengths = {name: len(v) for name, v in axis.items() if isinstance(v, list)}
    if len(set(lengths.values())) > 1:
        raise KvaeError(f"study axis {where}: zipped value lists must have one length, got {lengths}")
    length = next(iter(lengths.values()), 1)
    if length == 0:
        raise KvaeError(f"study axis {where}: empty value list in {axis!r}")
    settings = []
    for i in range(length):
        includes, bindings = [], {}
        for name, values in axis.items():
            if not isinstance(name, str):
                raise KvaeError(f"study axis {where}: binding names must be strings, got {name!r}")
            value = values[i] if isinstance(values, list) else values
            if name == INCLUDE:
                includes.extend(value if isinstance(value, (list, tuple)) else [value])
            elif "." not in name and "/" not in name:
                raise KvaeError(
                    f"study axis {where}: expected a binding such as 'BetaVAE.beta', got {name!r}"
                )
            else:
                bindings[name] = value
        settings.append((includes, bindings))
    return settings


def _axis(axis, index):
    if isinstance(axis, (list, tuple)):
        if not axis:
            raise KvaeError(
                f"study axis {index}: expected a dict of bindings or a non-empty list of them, got []"
            )
        return [s for j, part in enumerate(axis) for s in _zip(part, f"{index}[{j}]")]
    return _zip(axis, str(index))


def enumerate_runs(axes):
    """Every run of `axes`, numbered 0.. in the stable order described in the module docstring."""
    if not isinstance(axes, (list, tuple)) or not axes:
        raise KvaeError(f"study axes: expected a non-empty list of axes, got {axes!r}")
    runs = []
    for model_num, combination in enumerate(itertools.product(*(_axis(a, i) for i, a in enumerate(axes)))):
        includes, bindings = [], {}
        for axis_includes, axis_bindings in combination:
            includes.extend(axis_includes)
            bindings.update(axis_bindings)
        runs.append(Run(model_num, includes, bindings))
    return runs
