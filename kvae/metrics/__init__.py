"""Disentanglement metrics: pure functions of arrays and samplers over ground-truth data.

Each metric `x` has a pure function `x(codes, factors, ...) -> dict` (or of the
batches it needs) and a wrapper `compute_x(data, representation_fn,
random_state, **study_defaults)` that samples from a `GroundTruthData` with a
seeded `numpy.random.Generator`. `get(name)` returns a wrapper by its stable name.

A representation function maps float32 images [N, H, W, C] to codes [N, D], or
to a (mean, logvar) pair (`representation_function(model, mode="posterior")`);
metrics of codes then use the mean, and the metrics that need posterior
variances (active units, UDR) require the pair.
"""

import functools

from kvae.metrics.active_units import active_units, compute_active_units
from kvae.metrics.beta_vae import beta_vae, compute_beta_vae
from kvae.metrics.dci import compute_dci, dci
from kvae.metrics.downstream import compute_downstream, downstream
from kvae.metrics.factor_vae import compute_factor_vae, factor_vae
from kvae.metrics.irs import compute_irs, irs
from kvae.metrics.mic import compute_mic, mic
from kvae.metrics.mig import compute_mig, mig
from kvae.metrics.modularity import compute_modularity_explicitness, modularity_explicitness
from kvae.metrics.representation import SharedCodes, representation_function
from kvae.metrics.sap import compute_sap, sap
from kvae.metrics.udr import compute_udr, udr
from kvae.metrics.unsupervised import compute_unsupervised, unsupervised

# Metrics of one representation function: compute(data, representation_fn, random_state, **kwargs).
METRICS = {
    "mig": compute_mig,
    "beta_vae": compute_beta_vae,
    "factor_vae": compute_factor_vae,
    "dci": compute_dci,
    "sap": compute_sap,
    "modularity_explicitness": compute_modularity_explicitness,
    "irs": compute_irs,
    "unsupervised": compute_unsupervised,
    "downstream_logistic_regression": functools.partial(compute_downstream, predictor="logistic_regression"),
    "downstream_gradient_boosting": functools.partial(compute_downstream, predictor="gradient_boosting"),
    "mic": compute_mic,
    "active_units": compute_active_units,
    # Takes a list of representation functions: compute_udr(data, representation_fns, random_state).
    "udr_lasso": functools.partial(compute_udr, correlation="lasso"),
    "udr_spearman": functools.partial(compute_udr, correlation="spearman"),
}


def get(name):
    """The compute function registered under `name` in `METRICS`."""
    try:
        return METRICS[name]
    except KeyError:
        raise ValueError(f"unknown metric {name!r}; known metrics: {', '.join(sorted(METRICS))}") from None
