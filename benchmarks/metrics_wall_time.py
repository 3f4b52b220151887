"""Wall time of every metric at study sizes, on a cheap synthetic dataset and representation.

The dataset has dSprites-sized factors (3, 6, 40, 32, 32) rendered as a row of
pixels; the representation is a fixed random linear map of the standardised
factors to 10 latents plus Gaussian noise, returned as (mean, logvar) so that
every metric, the posterior ones included, can run. DCI runs twice, on one
core and on all, to show that its per-factor classifiers use every core; the
"cores" column is CPU seconds (workers included) per wall-clock second. On a
shared machine the scheduler may give the session about one core whatever
the number of workers; the "cores" column then stays near 1.

    python benchmarks/metrics_wall_time.py            # study sizes (minutes)
    python benchmarks/metrics_wall_time.py --scale 0.1 --only mig dci
"""

import argparse
import os
import time

import numpy as np
from joblib.externals.loky import get_reusable_executor

import kvae.metrics as metrics
from kvae.metrics.testing import FactorPixels, linear_codes

FACTOR_SIZES = (3, 6, 40, 32, 32)
NUM_LATENTS = 10

# Study sizes of each metric, scaled by --scale.
SIZES = {
    "mig": dict(num_train=10000),
    "beta_vae": dict(num_train=10000, num_eval=5000),
    "factor_vae": dict(num_train=10000, num_eval=5000, num_variance_estimate=10000),
    "dci": dict(num_train=10000, num_test=5000),
    "sap": dict(num_train=10000, num_test=5000),
    "modularity_explicitness": dict(num_train=10000, num_test=5000),
    "irs": dict(num_train=10000),
    "unsupervised": dict(num_train=10000),
    "downstream_logistic_regression": dict(num_train=(10, 100, 1000, 10000), num_test=5000),
    "downstream_gradient_boosting": dict(num_train=(10, 100, 1000, 10000), num_test=5000),
    "mic": dict(num_train=10000),
    "active_units": dict(num_points=10000),
    "udr_lasso": dict(num_data_points=1000),
    "udr_spearman": dict(num_data_points=1000),
}
HEADLINE = {
    "mig": "mig",
    "beta_vae": "eval_accuracy",
    "factor_vae": "eval_accuracy",
    "dci": "disentanglement",
    "sap": "sap_score",
    "modularity_explicitness": "modularity_score",
    "irs": "irs",
    "unsupervised": "gaussian_total_correlation",
    "downstream_logistic_regression": "sample_efficiency",
    "downstream_gradient_boosting": "sample_efficiency",
    "mic": "mic_max_per_factor",
    "active_units": "num_active_units",
    "udr_lasso": "model_scores",
    "udr_spearman": "model_scores",
}


def scaled(kwargs, scale):
    def one(n):
        return max(10, int(round(n * scale)))

    return {k: tuple(one(n) for n in v) if isinstance(v, tuple) else one(v) for k, v in kwargs.items()}


def cpu_seconds():
    """User + system CPU seconds of this process and of its reaped children (joblib's workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every study size")
    parser.add_argument("--only", nargs="*", default=sorted(SIZES), choices=sorted(SIZES), metavar="METRIC")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    data = FactorPixels(FACTOR_SIZES)
    matrix = np.random.default_rng(args.seed).normal(size=(len(FACTOR_SIZES), NUM_LATENTS))
    logvar = np.linspace(-4.0, 0.0, NUM_LATENTS)  # the last latent is inactive (variance 1)

    def representation(seed=0):
        return linear_codes(data, matrix, noise=0.1, logvar=logvar, seed=seed)

    runs = [(name, name, {}) for name in args.only]
    if "dci" in args.only:
        runs.insert(runs.index(("dci", "dci", {})), ("dci", "dci (1 core)", {"n_jobs": 1}))
    print(f"{os.cpu_count()} cores; factors {FACTOR_SIZES}; {NUM_LATENTS} latents; sizes x{args.scale:g}\n")
    print(f"{'metric':34s} {'seconds':>8s} {'cores':>6s}  headline")
    times, cores = {}, {}
    suite_start = time.perf_counter()
    for name, label, extra in runs:
        compute = metrics.get(name)
        kwargs = dict(scaled(SIZES[name], args.scale), **extra)
        if name.startswith("downstream"):
            kwargs["efficiency_sizes"] = kwargs["num_train"][1], kwargs["num_train"][-1]
        rep = [representation(s) for s in range(5)] if name.startswith("udr") else representation()
        cpu_start, start = cpu_seconds(), time.perf_counter()
        result = compute(data, rep, args.seed, **kwargs)
        get_reusable_executor().shutdown(wait=True)  # Reaps joblib's workers, so their CPU time counts.
        times[label] = time.perf_counter() - start
        cores[label] = (cpu_seconds() - cpu_start) / times[label]
        value = result[HEADLINE[name]]
        if isinstance(value, list):
            value = np.round(value, 3).tolist()
        elif not isinstance(value, int):
            value = round(float(value), 3)
        print(f"{label:34s} {times[label]:8.1f} {cores[label]:6.2f}  {HEADLINE[name]} = {value}", flush=True)
    suite = time.perf_counter() - suite_start - times.get("dci (1 core)", 0.0)
    print(f"{'whole suite (DCI on all cores)':34s} {suite:8.1f}")
    if "dci" in times:
        print(
            f"\nDCI on all cores: {times['dci (1 core)'] / times['dci']:.2f}x faster than on one, "
            f"{cores['dci']:.2f} cores busy on average (CPU seconds / wall seconds, workers included)"
        )
    print(f"load average over the last 15 minutes: {os.getloadavg()[2]:.1f} (other processes share the cores)")


if __name__ == "__main__":
    main()
