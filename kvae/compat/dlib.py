"""disentanglement_lib's gin configs in kvae, translated at parse time by one name table.

disentanglement_lib (Locatello et al. 2019, "Challenging common assumptions...") and kvae both
configure with gin, and their names clash (`dataset.name`, `reconstruction_loss.*`,
`mig.num_train` mean different things or take different values), so dlib's names are not
registered beside kvae's: a dlib config is read with gin's own statement parser and each
binding becomes kvae bindings by `DLIB_NAMES`. A dlib binding is mapped, ignored because it
has no effect in kvae (the table says why), or a one-line `KvaeError`; nothing is dropped
silently. Within the dlib part, gin's rules hold (a later binding wins, a scoped
`vae/AdamOptimizer.*` binding beats an unscoped one); kvae's own files come before it and
kvae's own bindings after it, so a kvae binding refines a dlib config.

Example:
    files, bindings = translate_files(["dlib/examples/model.gin"], ["train.steps = 100"])
    parse_gin(["dlib/examples/model.gin"], ["dataset.name = 'xysquares'"])
"""

import ast
import os
import tokenize
from typing import NamedTuple

from gin import config_parser

from kvae.errors import KvaeError

__all__ = [
    "DLIB_NAMES",
    "Name",
    "Translation",
    "is_dlib_config",
    "mapping_table_markdown",
    "parse_gin",
    "translate",
    "translate_files",
]


class Name(NamedTuple):
    """A row of `DLIB_NAMES`.

    For a row keyed `configurable.parameter`, `kvae` holds the kvae parameters that take the
    binding's value; for a row keyed `configurable.parameter = value`, whole kvae bindings.
    Empty `kvae`: nothing to bind, and `note` says why.
    """

    kvae: tuple = ()
    note: str = ""


def _rename(*kvae, note=""):
    return Name(tuple(kvae), note)


def _ignore(note):
    return Name((), note)


_ENCODE_BATCH = "the encoder's batch size: no effect on the score"
_LABEL = "a label: no effect"
# disentanglement_lib's frames (methods/unsupervised/vae.py): its name -> (kvae's class, parameters).
_FRAMES = {
    "vae": ("BetaVAE", ("beta",)),
    "annealed_vae": ("AnnealedVAE", ("gamma", "c_max", "iteration_threshold")),
    "factor_vae": ("FactorVAE", ("gamma",)),
    "dip_vae": ("DIPVAE", ("lambda_od", "lambda_d_factor", "dip_type")),
    "beta_tc_vae": ("BetaTCVAE", ("beta",)),
}
# data/ground_truth/named_data.py -> kvae.data registry; dsprites_noshape and dummy_data have no counterpart.
_DATASETS = {
    "dsprites_full": "dsprites",
    "color_dsprites": "color_dsprites",
    "noisy_dsprites": "noisy_dsprites",
    "scream_dsprites": "scream_dsprites",
    "smallnorb": "smallnorb",
    "cars3d": "cars3d",
    "shapes3d": "shapes3d",
    "mpi3d_toy": "mpi3d_toy",
    "mpi3d_realistic": "mpi3d_realistic",
    "mpi3d_real": "mpi3d_real",
}
# evaluation/metrics/*.py: evaluation_fn -> kvae metric; predictor_fn -> downstream metric.
_METRICS = {
    "mig": "mig",
    "beta_vae_sklearn": "beta_vae",
    "factor_vae_score": "factor_vae",
    "dci": "dci",
    "sap_score": "sap",
    "modularity_explicitness": "modularity_explicitness",
    "irs": "irs",
    "unsupervised_metrics": "unsupervised",
}
_PREDICTORS = {
    "logistic_regression_cv": "downstream_logistic_regression",
    "gradient_boosting_classifier": "downstream_gradient_boosting",
}
_DOWNSTREAM = tuple(_PREDICTORS.values())
# TF1's tf.train.AdamOptimizer: dlib's parameter -> kvae's `optimizer` parameter, and TF1's defaults.
_ADAM = {"learning_rate": "learning_rate", "beta1": "beta_1", "beta2": "beta_2", "epsilon": "epsilon"}
_TF1_ADAM_DEFAULTS = {"learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-08}
# The optimizer roles: dlib's wrapper -> (kvae's optimizer configurable, dlib's usual scope).
_ROLES = {
    "vae_optimizer": ("optimizer", "vae"),
    "discriminator_optimizer": ("discriminator/optimizer", "discriminator"),
}

DLIB_NAMES = {
    # Training: methods/unsupervised/train.py, methods/shared/architectures.py, losses.py.
    "model.training_steps": _rename("train.steps"),
    "model.batch_size": _rename("train.batch_size"),
    "model.random_seed": _rename("train.seed"),
    "model.eval_steps": _ignore("kvae measures the final terms on 10 batches"),
    "model.name": _ignore(_LABEL),
    "model.model_num": _ignore(_LABEL),
    **{f"model.model = @{name}()": _rename(f"train.model = @{cls}") for name, (cls, _) in _FRAMES.items()},
    **{f"{name}.{p}": _rename(f"{cls}.{p}") for name, (cls, params) in _FRAMES.items() for p in params},
    "encoder.num_latent": _rename("train.latent_dim"),
    "encoder.encoder_fn = @conv_encoder": _rename(
        "train.encoder = @ConvEncoder",
        "ConvEncoder.kernel_sizes = (4, 4, 2, 2)",
        note="the 2x2 kernels of dlib's code in the last two conv layers",
    ),
    "encoder.encoder_fn = @fc_encoder": _rename("train.encoder = @FCEncoder"),
    "decoder.decoder_fn = @deconv_decoder": _rename("train.decoder = @ConvDecoder"),
    "decoder.decoder_fn = @fc_decoder": _rename("train.decoder = @FCDecoder"),
    "discriminator.discriminator_fn = @fc_discriminator": _rename(
        "FactorVAE.discriminator = @Discriminator()"
    ),
    "reconstruction_loss.loss_fn = @bernoulli_loss": _rename("reconstruction_loss.name = 'bernoulli'"),
    "reconstruction_loss.loss_fn = @l2_loss": _rename(
        "reconstruction_loss.name = 'mse'", note="squared error on sigmoid(logits), summed over pixels"
    ),
    "reconstruction_loss.activation = 'logits'": _ignore("kvae's decoders output logits"),
    "bernoulli_loss.subtract_true_image_entropy = False": _ignore(
        "kvae's bernoulli loss keeps the images' entropy"
    ),
    # Optimizers: methods/shared/optimizers.py and gin's TF1 AdamOptimizer.
    "vae_optimizer.optimizer_fn = @AdamOptimizer": _rename(
        "optimizer.name = 'adam'",
        note=(
            "unbound Adam parameters take TF1's defaults (learning_rate 0.001, beta1 0.9, beta2 0.999, "
            "epsilon 1e-8)"
        ),
    ),
    "vae_optimizer.learning_rate": _rename(
        "optimizer.learning_rate", note="beats AdamOptimizer.learning_rate"
    ),
    "discriminator_optimizer.optimizer_fn = @AdamOptimizer": _rename(
        "FactorVAE.discriminator_optimizer = @discriminator/optimizer()",
        "discriminator/optimizer.name = 'adam'",
        note="with its scope's AdamOptimizer parameters; TF1's defaults for unbound ones",
    ),
    "discriminator_optimizer.learning_rate": _rename("discriminator/optimizer.learning_rate"),
    **{
        f"AdamOptimizer.{dlib}": _rename(
            f"optimizer.{kvae}", note=f"unscoped or vae/; discriminator/ -> discriminator/optimizer.{kvae}"
        )
        for dlib, kvae in _ADAM.items()
    },
    "AdamOptimizer.name": _ignore("a TF1 variable-name prefix"),
    "AdamOptimizer.use_locking": _ignore("TF1 variable locking"),
    # Datasets: data/ground_truth/named_data.py.
    **{f"dataset.name = {dlib!r}": _rename(f"dataset.name = {kvae!r}") for dlib, kvae in _DATASETS.items()},
    "dataset.name = 'auto'": _ignore("the run's own dataset"),
    # Representations: postprocessing/postprocess.py, methods.py.
    "postprocess.postprocess_fn = @mean_representation": _rename("evaluate.representation = 'mean'"),
    "postprocess.postprocess_fn = @sampled_representation": _rename("evaluate.representation = 'sample'"),
    "postprocess.random_seed": _ignore("kvae samples the codes with evaluate.seed"),
    "postprocess.name": _ignore(_LABEL),
    # Metrics: evaluation/evaluate.py, evaluation/metrics/*.py.
    **{
        f"evaluation.evaluation_fn = @{dlib}": _rename(
            f"evaluate.metrics = [{kvae!r}]", note="metric configs given together add up to one list"
        )
        for dlib, kvae in _METRICS.items()
    },
    "evaluation.evaluation_fn = @downstream_task": _ignore(
        "evaluate.metrics gets the downstream metric of predictor.predictor_fn"
    ),
    **{
        f"predictor.predictor_fn = @{dlib}": _rename(
            f"evaluate.metrics = [{kvae!r}]", note="with evaluation.evaluation_fn = @downstream_task"
        )
        for dlib, kvae in _PREDICTORS.items()
    },
    "evaluation.random_seed": _rename("evaluate.seed"),
    "evaluation.name": _ignore(_LABEL),
    "mig.num_train": _rename("mig.num_train"),
    "mig.batch_size": _ignore(_ENCODE_BATCH),
    "beta_vae_sklearn.batch_size": _rename("beta_vae.batch_size"),
    "beta_vae_sklearn.num_train": _rename("beta_vae.num_train"),
    "beta_vae_sklearn.num_eval": _rename("beta_vae.num_eval"),
    "factor_vae_score.batch_size": _rename("factor_vae.batch_size"),
    "factor_vae_score.num_train": _rename("factor_vae.num_train"),
    "factor_vae_score.num_eval": _rename("factor_vae.num_eval"),
    "factor_vae_score.num_variance_estimate": _rename("factor_vae.num_variance_estimate"),
    "prune_dims.threshold": _rename("factor_vae.threshold"),
    "dci.num_train": _rename("dci.num_train"),
    "dci.num_test": _rename("dci.num_test"),
    "dci.batch_size": _ignore(_ENCODE_BATCH),
    "sap_score.num_train": _rename("sap.num_train"),
    "sap_score.num_test": _rename("sap.num_test"),
    "sap_score.continuous_factors": _rename("sap.continuous_factors"),
    "sap_score.batch_size": _ignore(_ENCODE_BATCH),
    "modularity_explicitness.num_train": _rename("modularity_explicitness.num_train"),
    "modularity_explicitness.num_test": _rename("modularity_explicitness.num_test"),
    "modularity_explicitness.batch_size": _ignore(_ENCODE_BATCH),
    "irs.num_train": _rename("irs.num_train"),
    "irs.diff_quantile": _rename("irs.diff_quantile"),
    "irs.batch_size": _ignore(_ENCODE_BATCH),
    "unsupervised_metrics.num_train": _rename("unsupervised.num_train"),
    "unsupervised_metrics.batch_size": _ignore(_ENCODE_BATCH),
    "downstream_task.num_train": _rename(*(f"{m}.num_train" for m in _DOWNSTREAM)),
    "downstream_task.num_test": _rename(*(f"{m}.num_test" for m in _DOWNSTREAM)),
    "downstream_task.batch_size": _ignore(_ENCODE_BATCH),
    "discretizer.num_bins": _rename(
        "mig.num_bins", "modularity_explicitness.num_bins", "unsupervised.num_bins", "irs.num_bins"
    ),
    "discretizer.discretizer_fn = @histogram_discretizer": _ignore(
        "kvae's metrics discretise with histograms"
    ),
}

# dlib configurables whose names kvae uses too (kvae/config.py, kvae/metrics): a binding of one
# of them is dlib's only where its row maps it to something else.
_SHARED_SELECTORS = frozenset(
    {"dataset", "reconstruction_loss", "factor_vae", "mig", "dci", "modularity_explicitness", "irs"}
)
_DLIB_SELECTORS = frozenset(key.split(".")[0] for key in DLIB_NAMES) - _SHARED_SELECTORS


class Translation(NamedTuple):
    """A dlib config in kvae's terms.

    Attributes:
        bindings: kvae gin bindings, for `gin.parse_config`.
        representation: "mean" or "sample" (dlib's postprocess_fn), or None.
        metrics: kvae metric names (dlib's evaluation_fn), in order.
    """

    bindings: list[str]
    representation: str | None
    metrics: list[str]


class _Reference:
    """A `@scope/name` or `@scope/name()` in a dlib value, written back as gin writes it."""

    def __init__(self, name, evaluate):
        self.scope, _, self.name = name.rpartition("/")
        self.evaluate = evaluate

    def __repr__(self):
        return f"@{self.scope + '/' if self.scope else ''}{self.name}{'()' if self.evaluate else ''}"


class _Macro:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"%{self.name}"


class _Delegate(config_parser.ParserDelegate):
    def configurable_reference(self, scoped_configurable_name, evaluate):
        return _Reference(scoped_configurable_name, evaluate)

    def macro(self, macro_name):
        return _Macro(macro_name)


def _statements(text):
    return config_parser.ConfigParser(text, _Delegate())


def _where(statement, path):
    return f"{path or 'binding'}:{statement.location.line_num}"


def _row(key, value):
    """The `DLIB_NAMES` key and row for `key = value`: its `key = value` row, else its `key` row, else
    None."""
    if isinstance(value, _Reference):  # looked up unscoped, with or without the call
        texts = [f"@{value.name}()", f"@{value.name}"][:: 1 if value.evaluate else -1]
    else:
        texts = [repr(value)]
    for text in texts:
        if f"{key} = {text}" in DLIB_NAMES:
            return f"{key} = {text}", DLIB_NAMES[f"{key} = {text}"]
    if key in DLIB_NAMES:
        return key, DLIB_NAMES[key]
    return None


def _is_dlib_binding(statement):
    if statement.selector in _DLIB_SELECTORS:
        return True
    found = _row(f"{statement.selector}.{statement.arg_name}", statement.value)
    if found is None:
        return False
    key, row = found
    return row.kvae != (key,)  # a row that maps a binding onto itself is kvae's too (`mig.num_train`)


def is_dlib_config(text):
    """Whether gin `text` is a disentanglement_lib config: it binds a name or value that only dlib has.

    Examples: `model.model`, `encoder.num_latent`, `vae.beta`, `evaluation.evaluation_fn`,
    `dataset.name = 'dsprites_full'`. Includes are not followed; a syntax error before the first
    such binding gives False, leaving the error to kvae's parser.
    """
    try:
        return any(
            isinstance(statement, config_parser.BindingStatement)
            and statement.arg_name
            and _is_dlib_binding(statement)
            for statement in _statements(text)
        )
    except (SyntaxError, tokenize.TokenError):  # left to the parser that reads it to report
        return False


def _contains(value, kind):
    if isinstance(value, kind):
        return True
    if isinstance(value, (list, tuple)):
        return any(_contains(v, kind) for v in value)
    if isinstance(value, dict):
        return any(_contains(v, kind) for item in value.items() for v in item)
    return False


class _Translator:
    """Reads dlib statements in order and keeps the kvae bindings they come to."""

    def __init__(self):
        self.bindings = {}  # kvae parameter -> value text; a later binding replaces an earlier one
        self.metrics = []
        self.representation = None
        self.adam = {}  # AdamOptimizer scope ('' unscoped) -> {kvae parameter: value}
        self.role_scopes = {}  # "vae_optimizer"/"discriminator_optimizer" -> scope of its AdamOptimizer
        self.role_rates = {}  # the same -> its own learning_rate
        self.downstream = False
        self.predictor = None

    def feed(self, text, path=None):
        """Translates the statements of `text` (read from `path`, which resolves its includes)."""
        self._feed(text, path, ())
        if self.downstream:  # an evaluation_fn = @downstream_task takes its metric from the predictor
            if self.predictor is None:
                raise KvaeError(
                    f"{path or 'binding'}: evaluation.evaluation_fn = @downstream_task needs "
                    f"predictor.predictor_fn (@{' or @'.join(_PREDICTORS)})"
                )
            self._add_metric(_PREDICTORS[self.predictor])
            self.downstream = False

    def _feed(self, text, path, including):
        try:
            statements = list(_statements(text))
        except SyntaxError as error:
            raise KvaeError(
                f"{path or 'binding'}:{error.lineno}: gin syntax error in "
                f"{(error.text or '').strip()!r}: {error.msg}"
            ) from None
        for statement in statements:
            where = _where(statement, path)
            if isinstance(statement, config_parser.IncludeStatement):
                self._include(statement.filename, path, including, where)
            elif isinstance(statement, config_parser.BindingStatement) and statement.arg_name:
                self._bind(statement, where)
            else:
                raise KvaeError(
                    f"{where}: {statement.location.line_content.strip()!r} is not supported in a "
                    "disentanglement_lib config; expected bindings and includes"
                )

    def _include(self, filename, path, including, where):
        candidates = [os.path.join(os.path.dirname(path), filename)] if path else []
        found = next((c for c in candidates + [filename] if os.path.isfile(c)), None)
        if found is None:
            raise KvaeError(
                f"{where}: included file {filename!r} not found (looked beside {path or 'the bindings'})"
            )
        if os.path.abspath(found) in including:
            raise KvaeError(f"{where}: {filename!r} includes itself")
        with open(found) as f:
            self._feed(f.read(), found, including + (os.path.abspath(found),))

    def _bind(self, statement, where):
        scope, selector, param, value = (
            statement.scope,
            statement.selector,
            statement.arg_name,
            statement.value,
        )
        key = f"{selector}.{param}"
        if _contains(value, _Macro):
            raise KvaeError(
                f"{where}: macros are not supported in a disentanglement_lib config, got {key} = {value!r}"
            )
        found = _row(key, value)
        if found is None:
            raise KvaeError(_unsupported(key, value, where))
        row_key, row = found
        if scope and selector != "AdamOptimizer":
            raise KvaeError(
                f"{where}: scoped binding {scope}/{key} is not supported; only AdamOptimizer.* may be scoped"
            )
        if isinstance(value, _Reference) and value.scope and selector not in _ROLES:
            raise KvaeError(f"{where}: scoped reference {value!r} is not supported in {key}")
        if row_key == key and _contains(value, _Reference):
            raise KvaeError(f"{where}: {key} takes a value, not the reference {value!r}")

        if selector == "AdamOptimizer":
            if row.kvae:
                self.adam.setdefault(scope, {})[_ADAM[param]] = value
        elif selector in _ROLES and param == "learning_rate":
            self.role_rates[selector] = value
        elif key == "evaluation.evaluation_fn" and value.name == "downstream_task":
            self.downstream = True
        elif key == "predictor.predictor_fn":
            self.predictor = value.name
        elif selector in _ROLES:  # optimizer_fn = @scope/AdamOptimizer; bound by `_optimizers`
            self.role_scopes[selector] = value.scope
        else:
            for target in row.kvae:
                self._set(*(target.split(" = ", 1) if row_key != key else (target, repr(value))))

    def _set(self, name, text):
        if name == "evaluate.metrics":
            for metric in ast.literal_eval(text):
                self._add_metric(metric)
            return
        if name == "evaluate.representation":
            self.representation = ast.literal_eval(text)
        self.bindings[name] = text

    def _add_metric(self, metric):
        if metric not in self.metrics:
            self.metrics.append(metric)

    def _optimizers(self):
        """The kvae optimizer bindings of dlib's AdamOptimizer bindings, resolved as gin resolves dlib's.

        A declared optimizer (its optimizer_fn, its scope or its learning_rate bound) gets TF1's
        defaults, then the unscoped AdamOptimizer values, then its scope's, then its learning_rate.
        Unscoped values alone (no optimizer declared) set only what they name.
        """
        scopes = {self.role_scopes.get(role, default) for role, (_, default) in _ROLES.items()} | {""}
        unused = sorted(set(self.adam) - scopes)
        if unused:
            raise KvaeError(
                f"AdamOptimizer scope {unused[0]!r} is used by no optimizer_fn; expected "
                "vae_optimizer.optimizer_fn or "
                f"discriminator_optimizer.optimizer_fn = @{unused[0]}/AdamOptimizer"
            )
        bindings = {}
        for role, (target, default) in _ROLES.items():
            scope = self.role_scopes.get(role, default)
            declared = role in self.role_scopes or role in self.role_rates or (scope and scope in self.adam)
            if not declared and role != "vae_optimizer":
                continue
            values = dict(_TF1_ADAM_DEFAULTS) if declared else {}
            values.update(self.adam.get("", {}))
            values.update(self.adam.get(scope, {}))
            if role in self.role_rates:
                values["learning_rate"] = self.role_rates[role]
            if declared:
                bindings.update(
                    b.split(" = ", 1) for b in DLIB_NAMES[f"{role}.optimizer_fn = @AdamOptimizer"].kvae
                )
            bindings.update({f"{target}.{name}": repr(value) for name, value in values.items()})
        return bindings

    def finish(self):
        bindings = {**self.bindings, **self._optimizers()}
        if self.metrics:
            bindings["evaluate.metrics"] = repr(self.metrics)
        return Translation(
            [f"{name} = {text}" for name, text in bindings.items()], self.representation, list(self.metrics)
        )


def _unsupported(key, value, where):
    selector = key.split(".")[0]
    values = [k.split(" = ", 1)[1] for k in DLIB_NAMES if k.startswith(f"{key} = ")]
    if values:
        return (
            f"{where}: disentanglement_lib binding {key} = {value!r} is not supported by kvae; "
            f"supported values: {', '.join(values)}"
        )
    params = sorted({k.split(" = ")[0] for k in DLIB_NAMES if k.startswith(f"{selector}.")})
    supported = (
        f"supported {selector}.* bindings: {', '.join(params)}"
        if params
        else "see kvae.compat.dlib.DLIB_NAMES"
    )
    return f"{where}: disentanglement_lib binding {key} is not supported by kvae; {supported}"


def translate(text, path=None):
    """Translates the disentanglement_lib gin config `text` into kvae bindings.

    Args:
        text: the config (comments, multi-line values, scopes and includes as gin allows).
        path: the file `text` was read from: its includes are looked up beside it.

    Returns:
        A `Translation`.

    Raises:
        KvaeError: naming the first binding that kvae does not support.
    """
    translator = _Translator()
    translator.feed(text, path)
    return translator.finish()


def _read(path):
    with open(path) as f:
        return f.read()


def translate_files(config_files, bindings=(), force=False):
    """Splits gin files and bindings into kvae's own and disentanglement_lib's, and translates dlib's.

    The dlib files and bindings are translated together as one dlib config. kvae parses the
    result as `gin.parse_config_files_and_bindings(files, bindings)` does: kvae's files first,
    then the translated dlib config, then kvae's bindings.

    Args:
        config_files: gin file paths; a file is dlib's if `is_dlib_config` says so.
        bindings: gin binding strings, each detected the same way.
        force: treat every file as dlib's (`--dlib_compat`); bindings are still detected.

    Returns:
        (kvae config files, kvae bindings).
    """
    translator, files, own = _Translator(), [], []
    for path in config_files:
        text = (
            _read(path) if os.path.isfile(path) else ""
        )  # a missing file is left to kvae's parser to report
        if text and (force or is_dlib_config(text)):
            translator.feed(text, path)
        else:
            files.append(path)
    for binding in bindings:
        if is_dlib_config(binding):
            translator.feed(binding)
        else:
            own.append(binding)
    return files, translator.finish().bindings + own


def parse_gin(config_files, bindings=(), force=False):
    """`kvae.cli.common.parse_gin` of `translate_files(config_files, bindings, force)`; returns those."""
    from kvae.cli import common

    files, translated = translate_files(config_files, bindings, force)
    common.parse_gin(files, translated)
    return files, translated


def mapping_table_markdown():
    """The Markdown table of `DLIB_NAMES`, for the README."""
    lines = ["| disentanglement_lib | kvae | note |", "| --- | --- | --- |"]
    for dlib, row in DLIB_NAMES.items():
        kvae = ", ".join(f"`{k}`" for k in row.kvae) or "(nothing)"
        lines.append(f"| `{dlib}` | {kvae} | {row.note} |")
    return "\n".join(lines)
