"""Every metric's values on fixed seeds, recorded before the evaluation speed-ups (issue 14) at commit
019a721.

Exact mode must reproduce them bit for bit, metric by metric and through `evaluate_model`'s shared draws.
"""

import numpy as np
import pytest

import kvae.metrics as metrics
from kvae.testing import FactorPixels, linear_codes

DATA = FactorPixels((3, 6, 10, 8, 8))
MATRIX = np.random.default_rng(0).normal(size=(5, 6))
LOGVAR = np.linspace(-3.0, 0.5, 6)
SETTINGS = {
    "mig": dict(num_train=1000),
    "beta_vae": dict(batch_size=16, num_train=200, num_eval=100),
    "factor_vae": dict(batch_size=16, num_train=200, num_eval=100, num_variance_estimate=1000),
    "dci": dict(num_train=200, num_test=100),
    "sap": dict(num_train=1000, num_test=500),
    "modularity_explicitness": dict(num_train=1000, num_test=500),
    "irs": dict(num_train=1000),
    "unsupervised": dict(num_train=1000),
    "downstream_logistic_regression": dict(num_train=(10, 50, 200), num_test=100, efficiency_sizes=(50, 200)),
    "downstream_gradient_boosting": dict(num_train=(10, 50, 200), num_test=100, efficiency_sizes=(50, 200)),
    "mic": dict(num_train=1000),
    "active_units": dict(num_points=1000),
    "udr_lasso": dict(num_data_points=300),
    "udr_spearman": dict(num_data_points=300),
}


def representation(seed=0):
    """Codes fixed per image (like posterior means), returned with log-variances."""
    return linear_codes(DATA, MATRIX, noise=0.3, logvar=LOGVAR, seed=seed, fixed_noise=True)


RECORDED = {
    "mig": {
        "mig": 0.04592835273920849,
        "mig_per_factor": [
            0.06679170839321132,
            0.02715079413533243,
            0.0867867938112159,
            0.046219256252353264,
            0.0026932111039295434,
        ],
    },
    "beta_vae": {"train_accuracy": 0.645, "eval_accuracy": 0.53},
    "factor_vae": {"train_accuracy": 0.555, "eval_accuracy": 0.44, "num_active_dims": 6},
    "dci": {
        "disentanglement": 0.06646275249116924,
        "completeness": 0.06416975102139948,
        "informativeness_train": 1.0,
        "informativeness_test": 0.41,
    },
    "sap": {"sap_score": 0.01680000000000001},
    "modularity_explicitness": {
        "modularity_score": 0.7547797341669291,
        "explicitness_score_train": 0.950643045878747,
        "explicitness_score_test": 0.9401114979067756,
    },
    "irs": {"irs": 0.44654868779689993, "num_active_dims": 6},
    "unsupervised": {
        "gaussian_total_correlation": 1.96763149677384,
        "gaussian_wasserstein_correlation": 3.3329904807023283,
        "gaussian_wasserstein_correlation_norm": 0.15917209041017172,
        "mutual_info_score": 0.2551224331071703,
        "sampled_gaussian_total_correlation": 0.9273083455106677,
        "sampled_gaussian_wasserstein_correlation": 2.6063248037713294,
        "sampled_gaussian_wasserstein_correlation_norm": 0.10780754356354524,
        "sampled_mutual_info_score": 0.21121609626354268,
    },
    "downstream_logistic_regression": {
        "10:train_accuracy_per_factor": [1.0, 1.0, 1.0, 0.5, 0.3],
        "10:test_accuracy_per_factor": [0.45, 0.38, 0.18, 0.24, 0.08],
        "10:mean_train_accuracy": 0.76,
        "10:mean_test_accuracy": 0.266,
        "10:min_train_accuracy": 0.3,
        "10:min_test_accuracy": 0.08,
        "50:train_accuracy_per_factor": [1.0, 0.88, 0.94, 0.74, 0.58],
        "50:test_accuracy_per_factor": [0.88, 0.54, 0.42, 0.27, 0.32],
        "50:mean_train_accuracy": 0.828,
        "50:mean_test_accuracy": 0.48599999999999993,
        "50:min_train_accuracy": 0.58,
        "50:min_test_accuracy": 0.27,
        "200:train_accuracy_per_factor": [0.965, 0.73, 0.935, 0.91, 0.525],
        "200:test_accuracy_per_factor": [0.95, 0.63, 0.83, 0.81, 0.37],
        "200:mean_train_accuracy": 0.8130000000000001,
        "200:mean_test_accuracy": 0.7180000000000001,
        "200:min_train_accuracy": 0.525,
        "200:min_test_accuracy": 0.37,
        "sample_efficiency": 0.6768802228412255,
    },
    "downstream_gradient_boosting": {
        "10:train_accuracy_per_factor": [1.0, 1.0, 1.0, 1.0, 1.0],
        "10:test_accuracy_per_factor": [0.36, 0.26, 0.18, 0.21, 0.12],
        "10:mean_train_accuracy": 1.0,
        "10:mean_test_accuracy": 0.22599999999999998,
        "10:min_train_accuracy": 1.0,
        "10:min_test_accuracy": 0.12,
        "50:train_accuracy_per_factor": [1.0, 1.0, 1.0, 1.0, 1.0],
        "50:test_accuracy_per_factor": [0.66, 0.24, 0.21, 0.29, 0.09],
        "50:mean_train_accuracy": 1.0,
        "50:mean_test_accuracy": 0.29800000000000004,
        "50:min_train_accuracy": 1.0,
        "50:min_test_accuracy": 0.09,
        "200:train_accuracy_per_factor": [1.0, 1.0, 1.0, 1.0, 1.0],
        "200:test_accuracy_per_factor": [0.77, 0.41, 0.39, 0.38, 0.19],
        "200:mean_train_accuracy": 1.0,
        "200:mean_test_accuracy": 0.42799999999999994,
        "200:min_train_accuracy": 1.0,
        "200:min_test_accuracy": 0.19,
        "sample_efficiency": 0.6962616822429909,
    },
    "mic": {
        "mic": [
            [
                -0.37496556487977184,
                -0.3973259586148474,
                -0.18717284844226922,
                -0.5403942539500559,
                -0.24371919969361153,
            ],
            [
                -0.34684757651656617,
                -0.2582764283134449,
                -0.6545937282037633,
                -0.20888951432155098,
                -0.28142778964761717,
            ],
            [
                -0.22646167562264055,
                -0.43652411065752994,
                -0.360746436064701,
                -0.5457011906107724,
                -0.202831941321008,
            ],
            [
                -0.3861594190495334,
                -0.31257801658410983,
                -0.611099426960074,
                -0.3013280268262575,
                -0.20821836352886708,
            ],
            [
                -0.23392516043793377,
                -0.4193245397187362,
                -0.5576192583106283,
                -0.4186818466687732,
                -0.22337866648258078,
            ],
            [
                -0.09287825883621788,
                -0.5230792685334308,
                -0.5620776886647109,
                -0.44239595873854953,
                -0.23606729444660077,
            ],
        ],
        "mic_max_per_factor": [
            -0.09287825883621788,
            -0.2582764283134449,
            -0.18717284844226922,
            -0.20888951432155098,
            -0.202831941321008,
        ],
    },
    "active_units": {
        "num_active_units": 4,
        "active_units": [True, True, True, True, False, False],
        "mean_posterior_variance": [
            0.049787068367863944,
            0.10025884372280379,
            0.20189651799465536,
            0.40656965974059905,
            0.8187307530779819,
            1.6487212707001289,
        ],
    },
    "udr_lasso": {
        "model_scores": [0.7727344059018493, 0.7941518175024429, 0.7761796335793831],
        "pairwise_scores": [
            [0.0, 0.7858041418191543, 0.7855946912699392],
            [0.7584049278985239, 0.0, 0.7667645758888271],
            [0.7870638839051747, 0.8024994931857314, 0.0],
        ],
    },
    "udr_spearman": {
        "model_scores": [0.34391435910866774, 0.34346387449303184, 0.34400891786406057],
        "pairwise_scores": [
            [0.0, 0.34336931573763896, 0.3444594024796965],
            [0.34336931573763896, 0.0, 0.34355843324842467],
            [0.3444594024796965, 0.34355843324842467, 0.0],
        ],
    },
}


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_exact_mode_reproduces_the_recorded_values(name):
    rep = [representation(s) for s in range(3)] if name.startswith("udr") else representation()
    assert metrics.get(name)(DATA, rep, 0, **SETTINGS[name]) == RECORDED[name]
