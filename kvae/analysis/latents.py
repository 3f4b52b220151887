"""The latent-factor structure of a trained run: what MIG, DCI and active units read.

Built from the metrics' own functions (`kvae.metrics`), so the matrices are the
ones the scores come from: the latent x factor mutual information normalised
by the factor entropies (MIG, Chen et al. 2018), the gradient-boosted-tree
importances of DCI (Eastwood & Williams 2018) and the active units
(E[sigma^2] < 0.8; Zietlow et al. 2021).
"""

import numpy as np

__all__ = ["latent_structure"]


def latent_structure(
    mean, logvar, factors, factor_names=None, num_bins=20, importance=True, num_train=None, seed=0, n_jobs=-1
):
    """The latent x factor matrices of a representation.

    Args:
        mean, logvar: posterior means and log-variances [N, D].
        factors: ground-truth factors [N, F].
        factor_names: names of the F factors (default "0", "1", ...).
        num_bins: histogram bins per latent for the mutual information (MIG's 20).
        importance: also fit DCI's classifiers for the importance matrix (the slow part).
        num_train: points that train DCI's classifiers (default 2/3 of N); the rest test them.
        seed: seeds the classifiers.
        n_jobs: joblib workers.

    Returns:
        {"factor_names", "mutual_information": [D][F] I(z_d; f) / H(f),
        "mig": float, "mig_per_factor": [F], "active_units": [D] bools,
        "mean_posterior_variance": [D], "num_active_units": int, and with
        `importance` "dci_importance": [D][F] (normalised to sum 1 per factor),
        "disentanglement", "completeness", "informativeness_test"}.
    """
    from kvae.metrics import _utils as utils
    from kvae.metrics import active_units, mig
    from kvae.metrics._dci import completeness, disentanglement

    mean, factors = utils.check_codes_factors(mean, factors)
    names = [str(j) for j in range(factors.shape[1])] if factor_names is None else list(factor_names)
    mi = utils.discrete_mutual_info(utils.histogram_discretize(mean, num_bins), factors)
    entropy = utils.check_entropy(utils.discrete_entropy(factors), "the mutual information matrix")
    out = {
        "factor_names": names,
        "mutual_information": (mi / entropy).tolist(),
        **mig(mean, factors, num_bins),
    }
    out.update(active_units(logvar))
    if importance:
        from sklearn.ensemble import GradientBoostingClassifier

        n = len(mean) * 2 // 3 if num_train is None else int(num_train)
        _, test_acc, weights = utils.fit_per_factor(
            GradientBoostingClassifier(random_state=seed),
            mean[:n],
            factors[:n],
            mean[n:],
            factors[n:],
            importances=True,
            n_jobs=n_jobs,
        )
        totals = weights.sum(axis=0, keepdims=True)
        out.update(
            dci_importance=(weights / np.where(totals > 0, totals, 1.0)).tolist(),
            disentanglement=disentanglement(weights),
            completeness=completeness(weights),
            informativeness_test=float(np.mean(test_acc)),
        )
    return out
