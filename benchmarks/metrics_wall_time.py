"""Wall and CPU seconds of the whole metric suite at study sizes, exact and fast mode, in one run.

The representation is a fixed random linear map of dSprites-sized factors
(3, 6, 40, 32, 32) to 10 latents plus noise fixed per image (a posterior mean),
returned with log-variances so that every metric runs; or, with `--frame`, the
study's convolutional beta-VAE on procedural dSprites (encoding included; give
`--model` for a trained `.keras` file, else untrained weights, which encode at
the same cost). The suite runs as `kvae.evaluation.evaluate_model` runs it: one
`SharedCodes` representation for all metrics (each image encoded once).

Printed, per metric: wall seconds, CPU seconds (this process and its pool
workers) and the headline value, in exact mode and in fast mode (DCI and
downstream GBT with `predictor="hist_gradient_boosting"`); the totals as
ratios to disentanglement_lib's protocol at the same sizes (REFERENCE_SECONDS,
measured on this 2-core machine when idle; disentanglement_lib cannot be
installed beside TF 2); the images encoded with and without shared codes; and
how far fast mode moves the DCI and downstream values.

    python benchmarks/metrics_wall_time.py                 # study sizes, synthetic codes
    python benchmarks/metrics_wall_time.py --frame --scale 0.1 [--separate]
    python benchmarks/metrics_wall_time.py --scale 0.1 --only mig dci
"""

import argparse
import os
import time

import numpy as np
from joblib.externals.loky import get_reusable_executor

import kvae.metrics as metrics
from kvae.metrics import parallel
from kvae.testing import FactorPixels, linear_codes

FACTOR_SIZES = (3, 6, 40, 32, 32)
NUM_LATENTS = 10
REFERENCE_SECONDS = 450.0  # disentanglement_lib 1.5, these metrics at study sizes, this machine idle (issue 14)

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
}
FAST = {"dci", "downstream_gradient_boosting"}  # the metrics fast mode changes
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
}


def scaled(kwargs, scale):
    def one(n):
        return max(10, int(round(n * scale)))

    return {k: tuple(one(n) for n in v) if isinstance(v, tuple) else one(v) for k, v in kwargs.items()}


def cpu_seconds():
    """User + system CPU seconds of this process and of its reaped children (the pool's workers)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def representation(args):
    """(data, a deterministic representation function returning (mean, logvar))."""
    if not args.frame:
        data = FactorPixels(FACTOR_SIZES)
        matrix = np.random.default_rng(args.seed).normal(size=(len(FACTOR_SIZES), NUM_LATENTS))
        logvar = np.linspace(-4.0, 0.0, NUM_LATENTS)  # the last latent is inactive (variance 1)
        return data, linear_codes(data, matrix, noise=0.1, logvar=logvar, fixed_noise=True)
    import keras

    from kvae.data import ProceduralDSprites

    data = ProceduralDSprites()
    if args.model:
        model = keras.saving.load_model(args.model)
    else:
        from common import make_beta_vae

        keras.utils.set_random_seed(args.seed)  # the same weights in every run, for --separate
        model = make_beta_vae(data.observation_shape)
    return data, metrics.representation_function(model, mode="posterior").representation_fn


def run_suite(data, fn, names, args, fast):
    """{name: (wall s, CPU s, values)} of each metric, one SharedCodes for the suite when `fn` is."""
    results = {}
    for name in names:
        kwargs = scaled(SIZES[name], args.scale)
        if name.startswith("downstream"):
            kwargs["efficiency_sizes"] = kwargs["num_train"][1], kwargs["num_train"][-1]
        if fast and name in FAST:
            kwargs["predictor"] = "hist_gradient_boosting"
        cpu_start, start = cpu_seconds(), time.perf_counter()
        values = metrics.get(name)(data, fn, args.seed, **kwargs)
        get_reusable_executor().shutdown(wait=True)  # Reaps the pool's workers, so their CPU time counts.
        results[name] = (time.perf_counter() - start, cpu_seconds() - cpu_start, values)
        headline = values[HEADLINE[name]]
        headline = np.round(headline, 3).tolist() if isinstance(headline, list) else round(float(headline), 3)
        wall, cpu, _ = results[name]
        print(f"  {name:32s} {wall:8.1f} {cpu:8.1f}  {HEADLINE[name]} = {headline}", flush=True)
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every study size")
    parser.add_argument("--only", nargs="*", default=list(SIZES), choices=list(SIZES), metavar="METRIC")
    parser.add_argument("--frame", action="store_true", help="encode with the study's conv beta-VAE on dSprites")
    parser.add_argument("--model", help="a trained .keras frame for --frame (default: untrained weights)")
    parser.add_argument("--modes", nargs="*", default=["exact", "fast"], choices=["exact", "fast"])
    parser.add_argument(
        "--separate", action="store_true", help="each metric encodes its own draws (the encoding before issue 14)"
    )
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    data, fn = representation(args)
    print(
        f"{parallel.num_cpus()} cores owned; {data.name} factors {data.factor_sizes}; "
        f"{'conv beta-VAE' if args.frame else f'{NUM_LATENTS} linear latents'}; sizes x{args.scale:g}"
    )
    totals, suites = {}, {}
    for mode in args.modes:
        shared = metrics.SharedCodes(fn)
        print(f"\n{mode} mode{' ':27s} {'wall s':>8s} {'CPU s':>8s}  headline")
        suites[mode] = run_suite(data, fn if args.separate else shared, args.only, args, fast=mode == "fast")
        totals[mode] = sum(wall for wall, _, _ in suites[mode].values())
        cpu = sum(c for _, c, _ in suites[mode].values())
        print(
            f"  {'whole suite':32s} {totals[mode]:8.1f} {cpu:8.1f}  "
            f"{totals[mode] / REFERENCE_SECONDS:.2f}x disentanglement_lib's {REFERENCE_SECONDS:.0f} s"
            + (" (scaled sizes: compare at --scale 1)" if args.scale != 1 else "")
        )
        if not args.separate:
            print(f"  encoded {shared.images_encoded} distinct images for the {shared.images_drawn} drawn", flush=True)
    if len(totals) == 2:
        print(f"\nfast mode: {totals['exact'] / totals['fast']:.1f}x faster than exact mode")
        print("fast minus exact (the README's metric table):")
        for name in sorted(FAST & set(args.only)):
            exact, fast = suites["exact"][name][2], suites["fast"][name][2]
            for key in sorted(k for k, v in exact.items() if isinstance(v, float)):
                print(f"  {name}:{key:34s} {fast[key] - exact[key]:+.3f}  ({exact[key]:.3f} -> {fast[key]:.3f})")
    print(f"load average over the last 15 minutes: {os.getloadavg()[2]:.1f} (other processes share the cores)")


if __name__ == "__main__":
    main()
