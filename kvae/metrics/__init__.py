"""Disentanglement metrics: pure functions of arrays and samplers over ground-truth data.

Each metric `x` has a pure function `x(codes, factors, ...) -> dict` (or of the
batches it needs) and a wrapper `compute_x(data, representation_fn,
random_state, **study_defaults)` that samples from a `GroundTruthData` with a
seeded `numpy.random.Generator`. `get(name)` returns a wrapper by its stable name
from `METRICS`, where each registers itself (`@METRICS.register("mig")`).

A representation function maps float32 images [N, H, W, C] to codes [N, D], or
to a (mean, logvar) pair (`representation_function(model, mode="posterior")`);
metrics of codes then use the mean, and the metrics that need posterior
variances (active units, UDR) require the pair.

The modules are private (`_mig.py`): `kvae.metrics.mig` is the function.
"""

from kvae.metrics._active_units import active_units, compute_active_units
from kvae.metrics._beta_vae import beta_vae, compute_beta_vae
from kvae.metrics._dci import compute_dci, dci
from kvae.metrics._downstream import compute_downstream, downstream
from kvae.metrics._factor_vae import compute_factor_vae, factor_vae
from kvae.metrics._irs import compute_irs, irs
from kvae.metrics._mic import compute_mic, mic
from kvae.metrics._mig import compute_mig, mig
from kvae.metrics._modularity import compute_modularity_explicitness, modularity_explicitness
from kvae.metrics._registry import METRICS, get
from kvae.metrics._representation import SharedCodes, representation_function
from kvae.metrics._sap import compute_sap, sap
from kvae.metrics._udr import compute_udr, udr
from kvae.metrics._unsupervised import compute_unsupervised, unsupervised

__all__ = [
    "METRICS",
    "SharedCodes",
    "active_units",
    "beta_vae",
    "compute_active_units",
    "compute_beta_vae",
    "compute_dci",
    "compute_downstream",
    "compute_factor_vae",
    "compute_irs",
    "compute_mic",
    "compute_mig",
    "compute_modularity_explicitness",
    "compute_sap",
    "compute_udr",
    "compute_unsupervised",
    "dci",
    "downstream",
    "factor_vae",
    "get",
    "irs",
    "mic",
    "mig",
    "modularity_explicitness",
    "representation_function",
    "sap",
    "udr",
    "unsupervised",
]
