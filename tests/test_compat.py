"""disentanglement_lib's own gin configs (their exact text) load in kvae through kvae.compat.dlib."""

import glob
import inspect
import json
import os

import gin
import pytest

import kvae.training  # noqa: F401  (registers every configurable)
from kvae import data, frames, metrics, nets
from kvae.compat import dlib
from kvae.errors import KvaeError

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

LICENSE = """\
# coding=utf-8
# Copyright 2018 The DisentanglementLib Authors.  All rights reserved.
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""

# disentanglement_lib/examples/model.gin
EXAMPLE_MODEL = (
    LICENSE
    + """\
dataset.name = "dsprites_full"
model.batch_size = 64
model.model = @vae()
model.random_seed = 0
vae.beta = 4
encoder.num_latent = 10
vae_optimizer.optimizer_fn = @AdamOptimizer
# We train for only 5 steps, in practice we train for 300000 steps.
model.training_steps = 5
model.random_seed=0
AdamOptimizer.beta1 = 0.9
AdamOptimizer.beta2 = 0.999
AdamOptimizer.epsilon = 1e-08
AdamOptimizer.learning_rate = 0.0001
AdamOptimizer.name = 'Adam'
AdamOptimizer.use_locking = False
encoder.encoder_fn = @conv_encoder
decoder.decoder_fn = @deconv_decoder
reconstruction_loss.loss_fn = @bernoulli_loss
"""
)

# disentanglement_lib/config/unsupervised_study_v1/model_configs/shared.gin
SHARED = (
    LICENSE
    + """\
model.batch_size = 64
encoder.num_latent = 10
model.model = @vae()
dataset.name = "dsprites_full"
vae.beta = 1.
vae_optimizer.optimizer_fn = @vae/AdamOptimizer
discriminator_optimizer.optimizer_fn = @discriminator/AdamOptimizer
model.training_steps = 300000
model.random_seed=0
vae/AdamOptimizer.beta1 = 0.9
vae/AdamOptimizer.beta2 = 0.999
vae/AdamOptimizer.epsilon = 1e-08
vae/AdamOptimizer.learning_rate = 0.0001
vae/AdamOptimizer.name = 'Adam'
vae/AdamOptimizer.use_locking = False
discriminator/AdamOptimizer.beta1 = 0.5
discriminator/AdamOptimizer.beta2 = 0.9
discriminator/AdamOptimizer.epsilon = 1e-08
discriminator/AdamOptimizer.name = 'Adam'
discriminator/AdamOptimizer.use_locking = False
discriminator/AdamOptimizer.learning_rate = 0.0001
encoder.encoder_fn = @conv_encoder
decoder.decoder_fn = @deconv_decoder
reconstruction_loss.loss_fn = @bernoulli_loss
"""
)

# unsupervised_study_v1/postprocess_configs/{mean,sampled}.gin
POSTPROCESS = {
    "mean": LICENSE
    + 'postprocess.postprocess_fn = @mean_representation\ndataset.name="auto"\npostprocess.random_seed = 0\n',
    "sample": LICENSE
    + (
        "postprocess.postprocess_fn = @sampled_representation\n"
        'dataset.name="auto"\npostprocess.random_seed = 0\n'
    ),
}

_EVAL = 'dataset.name="auto"\nevaluation.random_seed = 0\n'
_HISTOGRAM = "discretizer.discretizer_fn = @histogram_discretizer\ndiscretizer.num_bins = 20\n"
# unsupervised_study_v1/metric_configs/*.gin: text, the kvae metric, and the kvae settings it must give.
METRIC_CONFIGS = {
    "beta_vae_sklearn.gin": (
        "evaluation.evaluation_fn = @beta_vae_sklearn\n"
        + _EVAL
        + "beta_vae_sklearn.batch_size=64\nbeta_vae_sklearn.num_train=10000\n"
        "beta_vae_sklearn.num_eval=5000\n",
        "beta_vae",
        {"beta_vae.batch_size": 64, "beta_vae.num_train": 10000, "beta_vae.num_eval": 5000},
    ),
    "dci.gin": (
        "evaluation.evaluation_fn = @dci\n" + _EVAL + "dci.num_train=10000\ndci.num_test=5000\n",
        "dci",
        {"dci.num_train": 10000, "dci.num_test": 5000},
    ),
    "downstream_task_boosted_trees.gin": (
        "evaluation.evaluation_fn = @downstream_task\n"
        + _EVAL
        + "downstream_task.num_train=[10, 100,1000,10000]\ndownstream_task.num_test=5000\n"
        + "predictor.predictor_fn = @gradient_boosting_classifier\n",
        "downstream_gradient_boosting",
        {
            "downstream_gradient_boosting.num_train": [10, 100, 1000, 10000],
            "downstream_gradient_boosting.num_test": 5000,
        },
    ),
    "downstream_task_logistic_regression.gin": (
        "evaluation.evaluation_fn = @downstream_task\n"
        + _EVAL
        + "downstream_task.num_train=[10, 100,1000,10000]\ndownstream_task.num_test=5000\n"
        + "predictor.predictor_fn = @logistic_regression_cv\n",
        "downstream_logistic_regression",
        {
            "downstream_logistic_regression.num_train": [10, 100, 1000, 10000],
            "downstream_logistic_regression.num_test": 5000,
        },
    ),
    "factor_vae_metric.gin": (
        "evaluation.evaluation_fn = @factor_vae_score\n"
        + _EVAL
        + "factor_vae_score.num_variance_estimate=10000\nfactor_vae_score.num_train=10000\n"
        + "factor_vae_score.num_eval=5000\nfactor_vae_score.batch_size=64\nprune_dims.threshold = 0.05\n\n",
        "factor_vae",
        {
            "factor_vae.num_variance_estimate": 10000,
            "factor_vae.num_train": 10000,
            "factor_vae.num_eval": 5000,
            "factor_vae.batch_size": 64,
            "factor_vae.threshold": 0.05,
        },
    ),
    "mig.gin": (
        "evaluation.evaluation_fn = @mig\n" + _EVAL + "mig.num_train=10000\n" + _HISTOGRAM,
        "mig",
        {"mig.num_train": 10000, "mig.num_bins": 20},
    ),
    "modularity_explicitness.gin": (
        "evaluation.evaluation_fn = @modularity_explicitness\n"
        + _EVAL
        + "modularity_explicitness.num_train=10000\nmodularity_explicitness.num_test=5000\n"
        + _HISTOGRAM,
        "modularity_explicitness",
        {
            "modularity_explicitness.num_train": 10000,
            "modularity_explicitness.num_test": 5000,
            "modularity_explicitness.num_bins": 20,
        },
    ),
    "sap_score.gin": (
        "evaluation.evaluation_fn = @sap_score\n"
        + _EVAL
        + "sap_score.num_train=10000\nsap_score.num_test=5000\nsap_score.continuous_factors=False\n",
        "sap",
        {"sap.num_train": 10000, "sap.num_test": 5000, "sap.continuous_factors": False},
    ),
    "unsupervised.gin": (
        "evaluation.evaluation_fn = @unsupervised_metrics\n"
        + _EVAL
        + "unsupervised_metrics.num_train=10000\n"
        + _HISTOGRAM,
        "unsupervised",
        {"unsupervised.num_train": 10000, "unsupervised.num_bins": 20},
    ),
}
# config/sample/irs/irs.gin
IRS = (
    'evaluation.evaluation_fn = @irs\ndataset.name="auto"\nevaluation.random_seed = 0\nirs.num_train=10000\n'
    "irs.batch_size=16\ndiscretizer.num_bins=20\ndiscretizer.discretizer_fn=@histogram_discretizer\n"
)

# Bindings of unsupervised_study_v1/sweep.py as its h.to_bindings writes them, and what kvae must hold.
SWEEP = {
    "beta_vae": (
        ["model.name = 'beta_vae'", "vae.beta = 16.0", "model.model = @vae()"],
        {"train.model": "@BetaVAE", "BetaVAE.beta": 16.0},
    ),
    "annealed_vae": (
        [
            "model.name = 'annealed_vae'",
            "annealed_vae.c_max = 25.0",
            "annealed_vae.iteration_threshold = 100000",
            "annealed_vae.gamma = 1000",
            "model.model = @annealed_vae()",
        ],
        {
            "train.model": "@AnnealedVAE",
            "AnnealedVAE.c_max": 25.0,
            "AnnealedVAE.iteration_threshold": 100000,
            "AnnealedVAE.gamma": 1000,
        },
    ),
    "factor_vae": (
        [
            "model.name = 'factor_vae'",
            "factor_vae.gamma = 30.0",
            "model.model = @factor_vae()",
            "discriminator.discriminator_fn = @fc_discriminator",
        ],
        {"train.model": "@FactorVAE", "FactorVAE.gamma": 30.0, "FactorVAE.discriminator": "@Discriminator()"},
    ),
    "dip_vae_i": (
        [
            "model.name = 'dip_vae_i'",
            "model.model = @dip_vae()",
            "dip_vae.lambda_od = 5.0",
            "dip_vae.lambda_d_factor = 10.0",
            "dip_vae.dip_type = 'i'",
        ],
        {
            "train.model": "@DIPVAE",
            "DIPVAE.lambda_od": 5.0,
            "DIPVAE.lambda_d_factor": 10.0,
            "DIPVAE.dip_type": "i",
        },
    ),
    "dip_vae_ii": (
        [
            "model.name = 'dip_vae_ii'",
            "model.model = @dip_vae()",
            "dip_vae.lambda_od = 20.0",
            "dip_vae.lambda_d_factor = 1.0",
            "dip_vae.dip_type = 'ii'",
        ],
        {
            "train.model": "@DIPVAE",
            "DIPVAE.lambda_od": 20.0,
            "DIPVAE.lambda_d_factor": 1.0,
            "DIPVAE.dip_type": "ii",
        },
    ),
    "beta_tc_vae": (
        ["model.name = 'beta_tc_vae'", "model.model = @beta_tc_vae()", "beta_tc_vae.beta = 6.0"],
        {"train.model": "@BetaTCVAE", "BetaTCVAE.beta": 6.0},
    ),
}


@pytest.fixture(autouse=True)
def clean_gin():
    gin.clear_config()
    yield
    gin.clear_config()


def write(directory, name, text):
    path = os.path.join(directory, name)
    with open(path, "w") as f:
        f.write(text)
    return path


def query(name):
    """A bound kvae value; references as their gin text (`@BetaVAE`)."""
    value = gin.query_parameter(name)
    return str(value) if isinstance(value, gin.config.ConfigurableReference) else value


def assert_bound(expected):
    for name, value in expected.items():
        assert query(name) == value, name


def test_example_model_gin_gives_the_study_settings():
    translation = dlib.translate(EXAMPLE_MODEL)
    gin.parse_config(translation.bindings)
    assert_bound(
        {
            "train.model": "@BetaVAE",
            "BetaVAE.beta": 4,
            "train.latent_dim": 10,
            "train.steps": 5,
            "train.batch_size": 64,
            "train.seed": 0,
            "dataset.name": "dsprites",
            "reconstruction_loss.name": "bernoulli",
            "train.encoder": "@ConvEncoder",
            "train.decoder": "@ConvDecoder",
            "ConvEncoder.kernel_sizes": (4, 4, 2, 2),
            "optimizer.name": "adam",
            "optimizer.learning_rate": 1e-4,
            "optimizer.beta_1": 0.9,
            "optimizer.beta_2": 0.999,
            "optimizer.epsilon": 1e-8,
        }
    )
    assert translation.representation is None and translation.metrics == []


@pytest.mark.parametrize("name", sorted(SWEEP))
@pytest.mark.parametrize("dataset", ["cars3d", "shapes3d", "dsprites_full"])
def test_shared_gin_with_the_sweep_bindings(name, dataset):
    bindings, expected = SWEEP[name]
    seeds_and_nets = [
        "encoder.encoder_fn = @conv_encoder",
        "decoder.decoder_fn = @deconv_decoder",
        "model.random_seed = 7",
    ]
    translation = dlib.translate(
        "\n".join([SHARED, f"dataset.name = '{dataset}'", *seeds_and_nets, *bindings])
    )
    gin.parse_config(translation.bindings)
    assert_bound(
        {
            **expected,
            "dataset.name": {"dsprites_full": "dsprites"}.get(dataset, dataset),
            "train.seed": 7,
            "train.steps": 300000,
            "train.latent_dim": 10,
            "optimizer.learning_rate": 1e-4,
        }
    )


def test_factor_vae_gets_the_discriminator_optimizer_of_shared_gin():
    files, bindings = dlib.translate_files([], [*SWEEP["factor_vae"][0]])
    gin.parse_config(dlib.translate(SHARED).bindings + bindings)
    frame = gin.query_parameter("train.model").scoped_configurable_fn(
        nets.ConvEncoder(latent_dim=4), nets.ConvDecoder()
    )
    settings = frame.discriminator_optimizer.get_config()
    assert (settings["beta_1"], settings["beta_2"], settings["epsilon"]) == (0.5, 0.9, 1e-8)
    assert settings["learning_rate"] == pytest.approx(1e-4)
    assert frame.gamma == 30.0 and isinstance(frame.discriminator, nets.Discriminator)
    assert query("optimizer.beta_1") == 0.9  # the VAE's own Adam keeps vae/'s values


def test_adam_bindings_resolve_as_gin_resolves_them_in_disentanglement_lib():
    text = """
        discriminator/AdamOptimizer.beta1 = 0.6
        AdamOptimizer.beta1 = 0.5
        AdamOptimizer.epsilon = 0.01
        vae/AdamOptimizer.learning_rate = 0.002
        vae_optimizer.optimizer_fn = @vae/AdamOptimizer
        vae_optimizer.learning_rate = 0.003
        discriminator_optimizer.optimizer_fn = @discriminator/AdamOptimizer
    """
    gin.parse_config(dlib.translate(text).bindings)
    # The VAE: vae_optimizer.learning_rate beats its scope's, unscoped values apply, TF1's beta2 default.
    assert_bound(
        {
            "optimizer.learning_rate": 0.003,
            "optimizer.beta_1": 0.5,
            "optimizer.beta_2": 0.999,
            "optimizer.epsilon": 0.01,
        }
    )
    # The discriminator: its scope beats unscoped whatever the order, TF1's learning rate, nothing of vae/'s.
    assert_bound(
        {
            "discriminator/optimizer.beta_1": 0.6,
            "discriminator/optimizer.learning_rate": 0.001,
            "discriminator/optimizer.epsilon": 0.01,
        }
    )


@pytest.mark.parametrize("file_name", sorted(METRIC_CONFIGS))
def test_every_metric_config_of_the_study_maps_to_a_kvae_metric_with_its_sizes(file_name):
    text, metric, settings = METRIC_CONFIGS[file_name]
    translation = dlib.translate(LICENSE + text)
    assert translation.metrics == [metric] and metric in metrics.METRICS
    gin.parse_config(translation.bindings)
    assert_bound({**settings, "evaluate.metrics": [metric], "evaluate.seed": 0})
    assert not any(b.startswith("dataset.") for b in translation.bindings)  # "auto": the run's own dataset


def test_mig_config_translates_to_exactly_these_bindings():
    assert dlib.translate(METRIC_CONFIGS["mig.gin"][0]).bindings == [
        "evaluate.seed = 0",
        "mig.num_train = 10000",
        "mig.num_bins = 20",
        "modularity_explicitness.num_bins = 20",
        "unsupervised.num_bins = 20",
        "irs.num_bins = 20",
        "evaluate.metrics = ['mig']",
    ]


def test_irs_config_and_several_configs_evaluate_together():
    mig, dci = METRIC_CONFIGS["mig.gin"][0], METRIC_CONFIGS["dci.gin"][0]
    lr = METRIC_CONFIGS["downstream_task_logistic_regression.gin"][0]
    translation = dlib.translate("\n".join([POSTPROCESS["sample"], mig, dci, IRS, lr]))
    assert translation.metrics == ["mig", "dci", "irs", "downstream_logistic_regression"]
    assert translation.representation == "sample"
    gin.parse_config(translation.bindings)
    assert_bound(
        {"evaluate.representation": "sample", "irs.num_train": 10000, "irs.num_bins": 20, "mig.num_bins": 20}
    )


@pytest.mark.parametrize("representation", ["mean", "sample"])
def test_postprocess_configs_choose_the_representation(representation):
    translation = dlib.translate(POSTPROCESS[representation])
    assert translation.representation == representation and translation.metrics == []
    assert translation.bindings == [f"evaluate.representation = {representation!r}"]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("vae.gama = 4", "binding vae.gama is not supported by kvae; supported vae.* bindings: vae.beta"),
        (
            "model.model = @vae()\nadam.beta = 3",
            "binding:2: disentanglement_lib binding adam.beta is not supported",
        ),
        (
            'dataset.name = "dsprites_noshape"',
            "dataset.name = 'dsprites_noshape' is not supported by kvae; supported values: 'dsprites_full'",
        ),
        ("evaluation.evaluation_fn = @udr_sklearn", "supported values: @mig, @beta_vae_sklearn"),
        ("discretizer.discretizer_fn = @percentile_discretizer", "supported values: @histogram_discretizer"),
        ("reconstruction_loss.activation = 'tanh'", "supported values: 'logits'"),
        ("vae_optimizer.optimizer_fn = @GradientDescentOptimizer", "supported values: @AdamOptimizer"),
        ("foo/vae.beta = 3", "scoped binding foo/vae.beta is not supported"),
        ("evaluation.evaluation_fn = @downstream_task", "needs predictor.predictor_fn"),
        (
            "vae_optimizer.learning_rate = @exponential_decay",
            "takes a value, not the reference @exponential_decay",
        ),
        (
            "model.model = @vae()\nother/AdamOptimizer.beta1 = 0.5",
            "AdamOptimizer scope 'other' is used by no optimizer_fn",
        ),
        ("BETA = 4\nvae.beta = %BETA", "is not supported in a disentanglement_lib config"),
        ("vae.beta = 4\nmodel.model = = 3", "binding:2: gin syntax error in 'model.model = = 3'"),
    ],
)
def test_unsupported_bindings_are_one_line_errors_naming_them(text, expected):
    with pytest.raises(KvaeError) as error:
        dlib.translate(text)
    assert expected in str(error.value) and "\n" not in str(error.value)


def test_detection_says_true_for_dlib_configs_and_false_for_every_kvae_config():
    dlib_texts = [
        EXAMPLE_MODEL,
        SHARED,
        IRS,
        *POSTPROCESS.values(),
        *(text for text, _, _ in METRIC_CONFIGS.values()),
    ]
    dlib_texts += [b for bindings, _ in SWEEP.values() for b in bindings if not b.startswith("model.name")]
    assert all(dlib.is_dlib_config(text) for text in dlib_texts)
    kvae_files = glob.glob(os.path.join(REPO, "gin_configs", "**", "*.gin"), recursive=True)
    assert len(kvae_files) > 30
    for path in kvae_files:
        with open(path) as f:
            assert not dlib.is_dlib_config(f.read()), path
    assert not dlib.is_dlib_config("dataset.name = 'cars3d'\nmig.num_train = 100")  # the same in both
    assert not dlib.is_dlib_config(
        "train.steps = = 3\nvae.beta = 4"
    )  # kvae's parser reports the syntax error


def test_shared_selectors_are_exactly_the_dlib_names_kvae_configures():
    shared = set()
    for selector in {key.split(".")[0] for key in dlib.DLIB_NAMES}:
        try:
            gin.parse_config(f"{selector}.no_such_parameter_xyz = 1")
        except ValueError as error:
            shared |= set() if "No configurable matching" in str(error) else {selector}
    assert shared == dlib._SHARED_SELECTORS


def test_every_kvae_name_in_the_table_exists_in_kvae():
    classes = {c.__name__: c for c in (*frames.FRAMES.values(), *nets.NETS.values())}
    for row_key, row in dlib.DLIB_NAMES.items():
        bindings = list(row.kvae) if " = " in row_key else [f"{name} = None" for name in row.kvae]
        gin.parse_config(bindings)  # an unknown function parameter raises
        for binding in bindings:
            name, value = binding.split(" = ", 1)
            configurable, parameter = name.rsplit("/", 1)[-1].split(".")
            if configurable in classes:  # classes take **kwargs, so gin cannot check their parameters
                assert parameter in inspect.signature(classes[configurable]).parameters, binding
            if name == "evaluate.metrics":
                assert set(eval(value)) <= set(metrics.METRICS), binding
            if name == "dataset.name":
                assert eval(value) in data.registry.names(), binding
        gin.clear_config()


def test_mapping_table_lists_every_row():
    table = dlib.mapping_table_markdown().splitlines()
    assert table[0] == "| disentanglement_lib | kvae | note |" and len(table) == len(dlib.DLIB_NAMES) + 2
    assert "| `model.model = @vae()` | `train.model = @BetaVAE` |  |" in table
    assert "| `AdamOptimizer.use_locking` | (nothing) | TF1 variable locking |" in table


def test_translate_files_follows_includes_and_passes_kvae_configs_through(tmp_path):
    shared = write(tmp_path, "shared.gin", SHARED)
    model = write(tmp_path, "model.gin", "include 'shared.gin'\nvae.beta = 8.\n")
    kvae_config = os.path.join(REPO, "gin_configs", "datasets", "xysquares.gin")
    files, bindings = dlib.translate_files(
        [kvae_config, model], ["XYSquares.grid_spacing = 4", "model.training_steps = 9"]
    )
    assert files == [kvae_config]
    assert bindings[-1] == "XYSquares.grid_spacing = 4"  # kvae bindings come last, after the dlib config
    assert (
        "BetaVAE.beta = 8.0" in bindings
        and "train.steps = 9" in bindings
        and "train.steps = 300000" not in bindings
    )
    assert dlib.translate_files([shared], [], force=True)[1] == dlib.translate(SHARED).bindings
    with pytest.raises(KvaeError, match="included file 'missing.gin' not found"):
        dlib.translate_files([write(tmp_path, "bad.gin", "include 'missing.gin'\nvae.beta = 1.")])


def test_example_model_gin_trains_unchanged(tmp_path):
    model = write(tmp_path, "model.gin", EXAMPLE_MODEL)
    tiny = [
        "dataset.name = 'xysquares'",
        "train.batch_size = 8",
        "mig.num_train = 200",
        "train.image_every = 5",
    ]
    dlib.parse_gin([model], tiny)
    result = kvae.training.train(str(tmp_path / "run"))
    train = result["train"]
    assert train["status"] == "finished" and train["steps"] == 5 and train["model"] == "BetaVAE"
    assert train["dataset"] == "xysquares" and train["reconstruction_loss"] == "bernoulli"
    assert len(train["kl_per_latent"]) == 10
    operative = (tmp_path / "run" / "gin" / "operative.gin").read_text()
    assert "BetaVAE.beta = 4" in operative and "ConvEncoder.kernel_sizes = (4, 4, 2, 2)" in operative
    assert not dlib.is_dlib_config(operative)  # kvae-evaluate reads it first: it passes through
    with open(tmp_path / "run" / "results" / "eval" / "mean" / "mig.json") as f:
        assert json.load(f)["values"]["mig"] >= 0.0


def test_kvae_train_and_evaluate_read_dlib_configs_from_the_command_line(tmp_path):
    """The CLIs detect dlib files: dlib's model.gin trains, its sampled.gin + mig.gin evaluate (sample
    codes)."""
    import subprocess
    import sys

    def cli(program, *args):
        command = [sys.executable, "-m", f"kvae.cli.{program}", *args]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=400, stdin=subprocess.DEVNULL, cwd=tmp_path
        )

    run_dir = tmp_path / "run"
    model = write(
        tmp_path, "model.gin", EXAMPLE_MODEL.replace("model.training_steps = 5", "model.training_steps = 2")
    )
    trained = cli(
        "train",
        f"--gin_config={model}",
        f"--model_dir={run_dir}",
        "--gin_bindings=dataset.name = 'xysquares'",
        "--gin_bindings=train.batch_size = 8",
        "--gin_bindings=train.eval_metrics = []",
    )
    assert trained.returncode == 0, trained.stderr[-2000:]
    assert json.loads((run_dir / "results" / "train.json").read_text())["steps"] == 2
    sampled = write(tmp_path, "sampled.gin", POSTPROCESS["sample"])
    mig = write(tmp_path, "mig.gin", METRIC_CONFIGS["mig.gin"][0])
    evaluated = cli(
        "evaluate",
        f"--model_dir={run_dir}",
        f"--gin_config={sampled}",
        f"--gin_config={mig}",
        "--gin_bindings=mig.num_train = 200",
    )
    assert evaluated.returncode == 0, evaluated.stderr[-2000:]
    result = json.loads((run_dir / "results" / "eval" / "sample" / "mig.json").read_text())
    assert result["representation"] == "sample" and result["settings"]["num_train"] == 200
    assert not (run_dir / "results" / "eval" / "mean").exists()
    # --gin_config names kvae's own configs from any directory (here tmp_path, which has no gin_configs/).
    from kvae.cli import common

    os.chdir(tmp_path)
    try:
        gin.clear_config()
        common.parse_gin(["models/factor_vae.gin", "datasets/xysquares.gin"], [])
        assert (
            gin.query_parameter("FactorVAE.gamma") == 30.0
            and gin.query_parameter("dataset.name") == "xysquares"
        )
    finally:
        os.chdir(REPO)
        gin.clear_config()
    refused = cli("train", "--gin_config=models/nope.gin", f"--model_dir={tmp_path / 'x'}")
    assert refused.returncode == 1 and "models/nope.gin' not found" in refused.stderr
