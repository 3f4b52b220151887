"""A study: base configs, sweep axes and evaluations, read from a gin file (`gin_configs/studies/*.gin`).

A study file binds the `study` configurable:

    study.name = 'tiny'
    study.configs = ['models/beta_vae.gin', 'datasets/xysquares.gin']   # every run includes these
    study.bindings = ['train.steps = 100']                               # ... then these
    study.axes = [{'BetaVAE.beta': [1.0, 4.0]}, {'train.seed': [0, 1]}]  # kvae.studies.sweep
    study.evaluations = ['metrics/mig.gin']                              # metric configs, run after training
    study.representations = ['mean', 'sample']

Config names resolve beside the study file first, then in kvae's own gin configs. Run `model_num` N
is the N-th run of the axes' product (first axis outermost, last fastest), so it always means the
same run; the study's fingerprint hashes every run's configs and bindings.
"""

import contextlib
import hashlib
import inspect
import json
import os

import gin

from kvae import resources
from kvae.errors import KvaeError, first_line
from kvae.studies import sweep

__all__ = ["Study", "load_study", "study_names"]

REPRESENTATIONS = ("mean", "sample")


@gin.configurable("study")
def _definition(
    name=gin.REQUIRED,
    axes=gin.REQUIRED,
    configs=(),
    bindings=(),
    evaluations=(),
    evaluation_bindings=(),
    representations=("mean",),
    description="",
):
    """A study definition (see `kvae.studies.study`).

    Args:
        name: the study's name.
        axes: the sweep axes (`kvae.studies.sweep`).
        configs: gin config files every run includes, before its axes' includes.
        bindings: gin bindings every run gets, before its axes' bindings.
        evaluations: metric gin configs (each binds `evaluate.metrics` and the metrics' settings).
        evaluation_bindings: bindings applied after each evaluation config (e.g. smaller sizes).
        representations: "mean" and/or "sample" codes for every evaluation.
        description: one line shown by `kvae-study --only_print`.
    """
    return dict(
        name=name,
        axes=axes,
        configs=list(configs),
        bindings=list(bindings),
        evaluations=list(evaluations),
        evaluation_bindings=list(evaluation_bindings),
        representations=list(representations),
        description=description,
    )


@contextlib.contextmanager
def _isolated_gin():
    """Parses in a clean gin config and leaves none of it behind."""
    gin.clear_config()
    try:
        yield
    finally:
        gin.clear_config()


_KERAS_ARGUMENTS = {"name", "dtype", "trainable", "autocast"}


def _parameters(fn):
    """The keyword parameters `fn` accepts, following `**kwargs` up a class's bases; None when unbounded."""
    if not inspect.isclass(fn):
        signature = inspect.signature(fn)
        if any(p.kind is p.VAR_KEYWORD for p in signature.parameters.values()):
            return None
        return set(signature.parameters)
    names = set()
    for cls in fn.__mro__:
        if cls.__module__.split(".")[0] == "keras":
            return names | _KERAS_ARGUMENTS
        if "__init__" not in vars(cls):
            continue
        parameters = inspect.signature(vars(cls)["__init__"]).parameters.values()
        names |= {p.name for p in parameters if p.kind not in (p.VAR_KEYWORD, p.VAR_POSITIONAL)}
        if not any(p.kind is p.VAR_KEYWORD for p in parameters):
            return names
    return None


def check_parameters():
    """Raises KvaeError for a parsed binding of a parameter its configurable does not take.

    gin checks the parameter names of plain functions when it parses; a class whose `__init__` passes
    `**kwargs` on (every frame) is checked here along its bases, as its construction would.
    """
    for (_, selector), values in gin.config._CONFIG.items():
        configurable = gin.config._REGISTRY.get_match(selector)
        if configurable is None:
            continue
        accepted = _parameters(configurable.wrapped)
        unknown = sorted(set(values) - accepted) if accepted is not None else []
        if unknown:
            raise KvaeError(
                f"{configurable.name} has no parameter {unknown[0]!r}; it takes {', '.join(sorted(accepted))}"
            )


class Study:
    """A loaded study: its runs, evaluations and fingerprint.

    Args:
        path: the study's gin file.
        study_bindings: bindings applied after the study file (e.g. `study.axes = ...` overrides, or
            macros such as the perturbation model of `zietlow2021_perturbed.gin`).
        run_bindings: bindings every run gets after its own, in training and in evaluation
            (e.g. `train.steps = 1000`); they are part of the study's definition and fingerprint.
    """

    def __init__(self, path, study_bindings=(), run_bindings=()):
        self.path = os.path.abspath(path)
        self._search = [os.path.dirname(self.path), os.path.dirname(os.path.dirname(self.path))]
        with _isolated_gin():
            try:
                gin.parse_config_files_and_bindings([self.path], list(study_bindings), finalize_config=False)
                definition = _definition()
            except (ValueError, TypeError, KeyError, SyntaxError) as error:
                raise KvaeError(f"study file {self.path}: {first_line(error)}") from None
        self.name = definition["name"]
        self.description = definition["description"]
        self.configs = [self.find(c) for c in definition["configs"]]
        self.bindings = [str(b) for b in definition["bindings"]]
        self.run_bindings = [str(b) for b in run_bindings]
        self.evaluations = [self.find(e) for e in definition["evaluations"]]
        self.evaluation_bindings = [str(b) for b in definition["evaluation_bindings"]]
        self.representations = list(definition["representations"])
        for r in self.representations:
            if r not in REPRESENTATIONS:
                raise KvaeError(
                    f"study {self.name}: representations must be among {REPRESENTATIONS}, got {r!r}"
                )
        self.runs = sweep.enumerate_runs(definition["axes"])
        for run in self.runs:
            run.includes = tuple(self.find(c) for c in run.includes)

    def find(self, name):
        """A config file named by the study, resolved beside the study file or in kvae's configs."""
        return resources.find_gin_config(name, self._search)

    def __len__(self):
        return len(self.runs)

    def run_config(self, model_num):
        """(config files, bindings) that `kvae-train` would get for run `model_num`."""
        run = self.runs[model_num]
        return [*self.configs, *run.includes], [*self.bindings, *run.binding_lines(), *self.run_bindings]

    @property
    def fingerprint(self):
        """sha256 of the study's name and every run's configs and bindings (config files by content).

        Evaluations are not part of it: adding a metric to a finished study evaluates the missing ones.
        """
        contents = {}
        for path in {p for r in range(len(self.runs)) for p in self.run_config(r)[0]}:
            with open(path, "rb") as f:
                contents[os.path.basename(path)] = hashlib.sha256(f.read()).hexdigest()
        runs = [
            [[os.path.basename(p) for p in files], bindings]
            for files, bindings in map(self.run_config, range(len(self)))
        ]
        blob = json.dumps(
            {"name": self.name, "runs": runs, "files": sorted(contents.items())}, sort_keys=True
        )
        return hashlib.sha256(blob.encode()).hexdigest()

    def select(self, model_nums=None):
        """The runs numbered `model_nums` (all when None); a number out of range is a KvaeError."""
        if model_nums is None:
            return list(self.runs)
        for n in model_nums:
            if not 0 <= n < len(self.runs):
                raise KvaeError(
                    f"--model_num {n} is out of range: study {self.name} has runs 0..{len(self.runs) - 1}"
                )
        return [self.runs[n] for n in model_nums]

    def validate(self, runs):
        """Parses every run's config before anything starts: an unknown configurable or parameter is a
        KvaeError.

        Returns:
            [(evaluation config, its metric names)].
        """
        from kvae import config
        from kvae.cli import common  # registers every configurable

        seen = set()
        with _isolated_gin():
            for run in runs:
                files, bindings = self.run_config(run.model_num)
                key = (tuple(files), tuple(bindings))
                if key in seen:
                    continue
                seen.add(key)
                gin.clear_config()
                try:
                    common.parse_gin(files, bindings)
                    check_parameters()
                except (ValueError, KeyError, SyntaxError, OSError) as error:
                    raise KvaeError(f"study {self.name}, run {run.model_num}: {first_line(error)}") from None
            evaluations = []
            for path in self.evaluations:
                gin.clear_config()
                try:
                    common.parse_gin([path], [*self.evaluation_bindings, *self.run_bindings])
                    names = list(gin.query_parameter("evaluate.metrics"))
                    for name in names:
                        config.evaluation_metric(name)
                except (ValueError, KeyError, SyntaxError, OSError) as error:
                    raise KvaeError(f"study {self.name}, evaluation {path}: {first_line(error)}") from None
                evaluations.append((path, names))
        return evaluations


def study_names():
    """The studies shipped with kvae (`gin_configs/studies/*.gin`)."""
    directory = os.path.join(resources.gin_configs_dir(), "studies")
    return sorted(f[: -len(".gin")] for f in os.listdir(directory) if f.endswith(".gin"))


def load_study(name_or_file, study_bindings=(), run_bindings=()):
    """A `Study` from a gin file path or the name of a shipped study (`study_names()`)."""
    if os.path.isfile(name_or_file):
        return Study(name_or_file, study_bindings, run_bindings)
    if name_or_file in study_names():
        path = os.path.join(resources.gin_configs_dir(), "studies", f"{name_or_file}.gin")
        return Study(path, study_bindings, run_bindings)
    raise KvaeError(
        f"unknown study {name_or_file!r}: expected a study file or one of {', '.join(study_names())}"
    )
