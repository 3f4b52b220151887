"""Wall seconds of the analyses (issue 11), each beside a reference measured in the same run.

1. Distance matrices of all six XYSquares factors with 1,000 random traversals
   each, under mse and under the r31 box blur (target: under a minute each on a
   2-core CPU), against the pair-by-pair evaluation the first version did
   (`loss.distance` on every ordered pair, blurring both images of every pair),
   timed on a few traversals and scaled.
2. Encoding s for a perturbed dataset: the parallel, traced pre-encoding of
   `kvae.data.perturbed.least_noisy_code` against the serial eager loop it
   replaced, on the same elements of procedural dSprites with the study's
   beta-VAE; extrapolated to all 737,280 elements. (`precompute=False`
   removes this start-up cost altogether: s is encoded batch by batch.)
3. The PCA view of procedural dSprites with s as a factor at 4 eps.

    python benchmarks/analysis_wall_time.py
    python benchmarks/analysis_wall_time.py --num_bases 200 --encode 2048
"""

import argparse
import time

import numpy as np
from common import make_beta_vae

import kvae  # noqa: F401
from kvae import analysis, data, losses
from kvae.data.perturbed import PerturbationFactor, least_noisy_code

BLUR = "mse_box_r31_l1.0_k3969.0"


def pair_by_pair(dataset, loss, num_bases, rng):
    """The first version's averaged matrices: every ordered pair through `loss.distance`, base by base."""
    loss, bases = losses.get(loss), dataset.sample_factors(num_bases, np.random.default_rng(rng))
    for i in range(dataset.num_factors):
        for base in bases:
            traversal = np.repeat(base[None], dataset.factor_sizes[i], axis=0)
            traversal[:, i] = np.arange(dataset.factor_sizes[i])
            images = dataset.observations(traversal)
            np.stack([np.asarray(loss.distance(np.broadcast_to(x, images.shape), images)) for x in images])


def serial_least_noisy_code(model, dataset, count, batch_size=256):
    """The loop `least_noisy_code` replaced: render a batch, encode it eagerly, in turn."""
    means = []
    for start in range(0, count, batch_size):
        factors = dataset.index_to_factors(np.arange(start, min(start + batch_size, count)))
        mean, logvar = model.encode(dataset.observations(factors))
        means.append(np.asarray(mean))
    return np.concatenate(means)


class First:
    """The first `count` elements of a dataset (same factors, same rendering)."""

    def __init__(self, dataset, count):
        self.dataset, self.count = dataset, count

    def __getattr__(self, name):
        return getattr(self.dataset, name)

    def __len__(self):
        return self.count


def timed(fn, *args, **kwargs):
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - start, out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--num_bases", type=int, default=1000, help="traversals per factor (1,000 in the target)"
    )
    parser.add_argument(
        "--reference_bases", type=int, default=10, help="traversals the pair-by-pair reference runs (scaled)"
    )
    parser.add_argument("--encode", type=int, default=4096, help="elements encoded by both s encoders")
    args = parser.parse_args()

    xysquares = data.XYSquares()
    analysis.distance_matrices(xysquares, BLUR, ["x_R"], 2)  # warm-up: trace the renderer, build the blur
    print(f"1. XYSquares distance matrices, 6 factors x {args.num_bases} traversals x 64 pairs")
    for loss in ("mse", BLUR):
        seconds, _ = timed(analysis.distance_matrices, xysquares, loss, None, args.num_bases, 0)
        reference, _ = timed(pair_by_pair, xysquares, loss, args.reference_bases, 0)
        reference *= args.num_bases / args.reference_bases
        print(
            f"   {loss:>26}: {seconds:6.1f} s  ({seconds / 60:.2f} of the 1-minute target; pair by pair: "
            f"{reference:7.1f} s, {reference / seconds:5.1f}x slower)"
        )

    print(f"\n2. Encoding s (eq. 6) for {args.encode} procedural dSprites elements with the study's beta-VAE")
    dsprites = data.get("dsprites_procedural")
    model = make_beta_vae(dsprites.observation_shape)
    subset = First(dsprites, args.encode)
    least_noisy_code(model, First(dsprites, 512))  # warm-up: trace
    serial_least_noisy_code(model, dsprites, 512)
    serial, _ = timed(serial_least_noisy_code, model, dsprites, args.encode)
    parallel, _ = timed(least_noisy_code, model, subset)
    total = len(dsprites)
    print(
        f"   serial eager loop: {args.encode / serial:7.0f} images/s "
        f"({total / (args.encode / serial) / 60:5.1f} min for all {total})"
    )
    print(
        f"   parallel, traced : {args.encode / parallel:7.0f} images/s "
        f"({total / (args.encode / parallel) / 60:5.1f} min for all {total}),"
        f" {serial / parallel:.2f}x faster"
    )

    print("\n3. PCA view of procedural dSprites + s, 4 eps x 6 factors x 128 traversals")
    seconds, _ = timed(
        lambda: [
            analysis.pca_view(PerturbationFactor(dsprites, eps), num_bases=128) for eps in (0, 0.05, 0.1, 0.2)
        ]
    )
    print(f"   {seconds:.1f} s")


if __name__ == "__main__":
    main()
