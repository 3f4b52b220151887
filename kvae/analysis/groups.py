"""Group informativeness of a Grouped-VAE (Halevi, "Important groups first", sections 4-5).

A Grouped-VAE orders its latent groups by importance for reconstruction: term i
decodes groups 1..i only. These tools show where each factor went (the mutual
information of each factor with each group, MIC per group, and optionally the
accuracy of predicting the factor from the group alone, as DCI's
informativeness) and what each prefix of groups reconstructs.
"""

import numpy as np

from kvae.errors import KvaeError

__all__ = ["group_bounds", "group_informativeness", "prefix_reconstructions"]


def group_bounds(groups, latent_dim):
    """Latent groups as (start, stop) pairs, from a Grouped-VAE's `groups`: a count G or the group sizes.

    A count splits the latents as `GroupedVAE` does (as evenly as possible, earlier groups larger).
    """
    if isinstance(groups, (int, np.integer)) and not isinstance(groups, bool):
        if not 1 <= groups <= latent_dim:
            raise KvaeError(f"groups must lie in [1, latent_dim={latent_dim}], got {groups}")
        sizes = [len(part) for part in np.array_split(np.arange(latent_dim), int(groups))]
    else:
        sizes = [int(size) for size in groups]
        if min(sizes, default=0) < 1 or sum(sizes) != latent_dim:
            raise KvaeError(
                f"group sizes must be positive and sum to latent_dim={latent_dim}, got {list(groups)}"
            )
    stops = np.cumsum(sizes)
    return [(int(stop - size), int(stop)) for size, stop in zip(sizes, stops)]


def group_informativeness(
    codes, factors, groups, factor_names=None, num_bins=20, predictor=None, seed=0, n_jobs=-1
):
    """How much each latent group knows about each factor.

    Args:
        codes: representations [N, D] (posterior means).
        factors: ground-truth factors [N, F].
        groups: a group count G or the group sizes (see `group_bounds`).
        factor_names: names of the F factors (default "0", "1", ...).
        num_bins: histogram bins per latent for the mutual information (as MIG and MIC).
        predictor: None, or "gradient_boosting" (DCI's classifier) or
            "logistic_regression": also fit one classifier per (group, factor)
            on half of the points and report its test accuracy on the other half.
        seed: seeds the split and the classifiers.
        n_jobs: joblib workers for the classifiers.

    Returns:
        {"groups": [(start, stop)], "factor_names": [F],
        "mutual_information": [G][F] sum over the group's latents of I(z_n; f) / H(f)
        (Halevi's eq. 13, first sum), "mic": [G][F] MIC(f, group) (eq. 13),
        "group_of_factor": {factor: the group with the most information},
        and with a predictor "informativeness": [G][F] test accuracies}.
    """
    from kvae.metrics import _utils as utils
    from kvae.metrics import mic

    codes, factors = utils.check_codes_factors(codes, factors)
    bounds = group_bounds(groups, codes.shape[1])
    names = [str(j) for j in range(factors.shape[1])] if factor_names is None else list(factor_names)
    mi = utils.discrete_mutual_info(utils.histogram_discretize(codes, num_bins), factors)  # [D, F]
    entropy = utils.check_entropy(utils.discrete_entropy(factors), "group informativeness")
    per_group = np.stack([mi[start:stop].sum(axis=0) for start, stop in bounds]) / entropy
    subsets = [list(range(start, stop)) for start, stop in bounds]
    out = {
        "groups": bounds,
        "factor_names": names,
        "mutual_information": per_group.tolist(),
        "mic": mic(codes, factors, subsets, num_bins)["mic"],
        "group_of_factor": {name: int(g) for name, g in zip(names, np.argmax(per_group, axis=0))},
    }
    if predictor is not None:
        out["informativeness"] = _group_accuracies(codes, factors, subsets, predictor, seed, n_jobs).tolist()
    return out


def prefix_reconstructions(model, images, groups=None, batch_size=256):
    """Reconstructions from group prefixes 1..G of the posterior mean (later groups zero): [N, G, H, W, C].

    Halevi's reconstruction term i (eq. 8-10) at the posterior mean.

    Args:
        model: a trained frame; `groups` defaults to its `bounds` (a `GroupedVAE`).
        images: float32 images [N, H, W, C].
        groups: a group count or sizes (see `group_bounds`), for models without `bounds`.
    """
    from keras import ops

    bounds = list(model.bounds) if groups is None and hasattr(model, "bounds") else None
    if bounds is None:
        if groups is None:
            raise KvaeError(
                f"{type(model).__name__} has no latent groups: pass groups (a count or the sizes)"
            )
        bounds = group_bounds(groups, model.latent_dim)
    out = []
    for start in range(0, len(images), batch_size):
        mean, _ = model.encode(np.asarray(images[start : start + batch_size], np.float32), training=False)
        keep = (
            np.arange(model.latent_dim)[None, :] < np.array([stop for _, stop in bounds])[:, None]
        )  # [G, D]
        codes = ops.reshape(mean[None] * keep[:, None].astype(np.float32), (-1, model.latent_dim))
        decoded = np.asarray(model.reconstruction_loss.activation(model.decode(codes, training=False)))
        out.append(np.swapaxes(decoded.reshape((len(bounds), -1) + decoded.shape[1:]), 0, 1))
    return np.concatenate(out)


def _group_accuracies(codes, factors, subsets, predictor, seed, n_jobs):
    """Test accuracy [G, F] of a classifier per (group, factor), trained on a seeded half of the points."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    from kvae.metrics import _utils as utils

    estimators = {
        "gradient_boosting": lambda: GradientBoostingClassifier(random_state=seed),
        "logistic_regression": lambda: LogisticRegression(max_iter=1000),
    }
    if predictor not in estimators:
        raise KvaeError(f"unknown predictor {predictor!r}; expected one of {', '.join(estimators)}")
    order = np.random.default_rng(seed).permutation(len(codes))
    train, test = order[: len(order) // 2], order[len(order) // 2 :]
    accuracies = []
    for subset in subsets:
        x = utils.standardize(codes[:, subset])
        _, test_acc, _ = utils.fit_per_factor(
            estimators[predictor](),
            x[train],
            factors[train],
            x[test],
            factors[test],
            n_jobs=n_jobs,
            quiet=True,
        )
        accuracies.append(test_acc)
    return np.array(accuracies)
