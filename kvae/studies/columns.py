"""Metric results as flat scalar columns, shared by the HParams summaries and `kvae-aggregate`.

A metric's JSON `values` become `<metric>.<key>` columns for each scalar (lists such as
`mig_per_factor` are left out), and `<metric>` alone when the key is the metric's name
(`mig`, `irs`). `HEADLINE` names the one column per metric that the figures show, the value
Locatello et al. 2019 report.
"""

import numbers

__all__ = ["scalar_columns", "HEADLINE", "UNSUPERVISED"]

HEADLINE = {
    "mig": "mig",
    "beta_vae": "beta_vae.eval_accuracy",
    "factor_vae": "factor_vae.eval_accuracy",
    "dci": "dci.disentanglement",
    "sap": "sap.sap_score",
    "modularity_explicitness": "modularity_explicitness.modularity_score",
    "irs": "irs",
    "downstream_logistic_regression": "downstream_logistic_regression.mean_test_accuracy",
    "downstream_gradient_boosting": "downstream_gradient_boosting.mean_test_accuracy",
    "active_units": "active_units.num_active_units",
}

# The unsupervised scores (Locatello et al. 2019, sec. 5.2), computed without ground-truth factors.
UNSUPERVISED = (
    "unsupervised.gaussian_total_correlation",
    "unsupervised.gaussian_wasserstein_correlation_norm",
    "unsupervised.mutual_info_score",
)


def scalar_columns(metric, values):
    """{column: float} for the scalar entries of one metric's `values` dict."""
    columns = {}
    for key, value in values.items():
        if isinstance(value, numbers.Number) and not isinstance(value, bool):
            columns[metric if key == metric else f"{metric}.{key}"] = float(value)
    return columns
