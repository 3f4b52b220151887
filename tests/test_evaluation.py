"""evaluate_model: one set of codes for all metrics, each with the values of a separate run; Grouped-VAE
groups for MIC; fast mode deterministic and near exact mode."""

import gin
import keras
import numpy as np
import pytest
from test_metrics_recorded import DATA, RECORDED, SETTINGS, representation

import kvae.metrics as metrics
from kvae import evaluation, frames, nets

# UDR compares several models; DCI draws the points SAP draws; downstream is left out for speed.
SKIPPED = (
    "dci",
    "downstream_logistic_regression",
    "downstream_gradient_boosting",
    "udr_lasso",
    "udr_spearman",
)
SUITE = [name for name in SETTINGS if name not in SKIPPED]


class FixedCodes:
    """A model whose posterior is the recorded tests' representation."""

    optimizer = None

    def __init__(self):
        self.fn = representation()

    def encode(self, x):
        return self.fn(np.asarray(x))


@pytest.fixture
def bindings():
    def bind(values):
        with gin.unlock_config():
            for name, settings in values.items():
                for key, value in settings.items():
                    gin.bind_parameter(f"{name}.{key}", value)

    yield bind
    gin.clear_config()


def test_shared_codes_reproduce_each_metric_recorded_alone(bindings):
    bindings({name: SETTINGS[name] for name in SUITE})
    results = evaluation.evaluate_model(FixedCodes(), DATA, SUITE, 0)
    for name in SUITE:
        assert results[name]["values"] == RECORDED[name], name
        assert results[name]["mode"] == "exact" and results[name]["settings"]["encode_batch_size"] == 1024


def test_shared_codes_encode_each_distinct_image_once():
    fn = metrics.SharedCodes(representation())
    mig = metrics.compute_mig(DATA, fn, 0, **SETTINGS["mig"])
    irs = metrics.compute_irs(DATA, fn, 0, **SETTINGS["irs"])  # the same 1000 points as MIG
    assert mig == RECORDED["mig"] and irs == RECORDED["irs"]
    distinct = np.unique(DATA.factors_to_index(DATA.sample_factors(1000, np.random.default_rng(0))))
    assert fn.images_drawn == 2000 and fn.images_encoded == len(distinct) < 1000
    beta_vae = metrics.compute_beta_vae(DATA, fn, 0, **SETTINGS["beta_vae"])  # 9600 draws of 11520 images
    assert beta_vae == RECORDED["beta_vae"]
    assert fn.images_encoded < len(DATA) and fn.images_drawn == 2000 + 300 * 2 * 16


def test_a_grouped_vae_scores_mic_over_its_groups(bindings):
    shape = DATA.observation_shape
    model = frames.GroupedVAE(nets.FCEncoder(4, shape), nets.FCDecoder(shape), groups=[3, 1], seed=0)
    model.build((None,) + shape)
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    bindings({"mic": {"num_train": 300}})
    result = evaluation.evaluate_model(model, DATA, ["mic"], 0)["mic"]
    assert result["settings"]["subsets"] == [[0, 1, 2], [3]]
    direct = metrics.compute_mic(
        DATA,
        metrics.representation_function(model, mode="posterior"),
        0,
        subsets=[[0, 1, 2], [3]],
        num_train=300,
    )
    assert result["values"] == direct and len(result["values"]["mic"]) == 2
    bindings({"mic": {"subsets": [[0], [1, 2, 3]]}})  # a binding wins over the model's groups
    assert evaluation.evaluate_model(model, DATA, ["mic"], 0)["mic"]["settings"]["subsets"] == [
        [0],
        [1, 2, 3],
    ]


def test_fast_mode_is_deterministic_labelled_and_near_exact_mode(bindings):
    fast = dict(SETTINGS["dci"], predictor="hist_gradient_boosting")
    first = metrics.compute_dci(DATA, representation(), 0, **fast)
    assert metrics.compute_dci(DATA, representation(), 0, **fast) == first
    for key, exact in RECORDED["dci"].items():
        assert abs(first[key] - exact) <= 0.05, key  # the README's metric table: within 0.05
    fast = dict(SETTINGS["downstream_gradient_boosting"], predictor="hist_gradient_boosting")
    bindings({"downstream_gradient_boosting": fast})
    result = evaluation.evaluate_model(FixedCodes(), DATA, ["downstream_gradient_boosting"], 0)
    result = result["downstream_gradient_boosting"]
    assert result["mode"] == "fast" and result["settings"]["predictor"] == "hist_gradient_boosting"
    exact = RECORDED["downstream_gradient_boosting"]
    assert abs(result["values"]["200:mean_test_accuracy"] - exact["200:mean_test_accuracy"]) <= 0.05
    with pytest.raises(ValueError, match="known predictors: gradient_boosting, hist_gradient_boosting"):
        metrics.compute_dci(DATA, representation(), 0, predictor="logistic_regression")


def test_fast_logistic_regression_is_deterministic_labelled_and_near_exact_mode(bindings):
    fast = dict(SETTINGS["downstream_logistic_regression"], predictor="fast_logistic_regression")
    bindings({"downstream_logistic_regression": fast})
    result = evaluation.evaluate_model(FixedCodes(), DATA, ["downstream_logistic_regression"], 0)
    result = result["downstream_logistic_regression"]
    assert result["mode"] == "fast" and result["settings"]["predictor"] == "fast_logistic_regression"
    assert metrics.compute_downstream(DATA, representation(), 0, **fast) == result["values"]
    exact = RECORDED["downstream_logistic_regression"]
    for size in (10, 50, 200):  # the README's metric table: mean test accuracy within 0.02
        key = f"{size}:mean_test_accuracy"
        assert abs(result["values"][key] - exact[key]) <= 0.02, key
    assert result["values"]["10:mean_test_accuracy"] != exact["10:mean_test_accuracy"]  # fast mode did run
