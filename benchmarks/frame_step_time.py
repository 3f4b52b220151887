"""Training-step time of every registered frame (and a few variants) relative to beta-VAE, on CPU, in one run.

    python benchmarks/frame_step_time.py --batch-size 64 --steps 20

Every frame trains on the same XYSquares batch (pair frames on the same number
of pairs, so twice the images), with the Locatello et al. conv nets and 10
latents. After `--warmup` untimed steps each, the frames take turns one step at
a time (so a change of machine load hits them all alike) and the median step
time of each is divided by beta-VAE's.
"""

import argparse
import os
import time

os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")  # the targets are CPU figures

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

from kvae import frames  # noqa: E402
from kvae.data import XYSquares  # noqa: E402
from kvae.testing import small_frame, xysquares_images, xysquares_pairs  # noqa: E402

DATA = XYSquares()
# Constructor arguments (besides the nets) and the target step-time ratio to beta-VAE of some registered
# frames; every other registered frame runs at its defaults, with no target.
SETTINGS = {
    "beta_vae": ({"beta": 4.0}, None),
    "factor_vae": ({"gamma": 30.0}, 2.0),
    "beta_tcvae": ({"beta": 6.0, "dataset_size": len(DATA)}, 1.2),
    "dip_vae": ({"dip_type": "i"}, 1.2),
    "grouped_vae": ({"groups": 2}, None),
    "ada_gvae": ({}, 2.2),
    "ada_ml_vae": ({}, 2.2),
}
# Other settings of a registered frame, timed beside it: name -> (registered name, arguments, target).
VARIANTS = {
    "beta_tcvae_mss": ("beta_tcvae", {"beta": 6.0, "dataset_size": len(DATA), "sampling": "mss"}, 1.2),
    "dip_vae_ii": ("dip_vae", {"dip_type": "ii", "lambda_d_factor": 1.0}, 1.2),
}
# name: (frame class, constructor arguments, target ratio or None)
FRAMES = {name: (cls, *SETTINGS.get(name, ({}, None))) for name, cls in frames.FRAMES.items()}
for name, (frame, kwargs, target) in VARIANTS.items():
    FRAMES[name] = (frames.FRAMES[frame], kwargs, target)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batch-size", type=int, default=64, help="images, or pairs for the pair frames")
    parser.add_argument("--steps", type=int, default=20, help="timed steps per frame")
    parser.add_argument("--warmup", type=int, default=3, help="untimed steps per frame first (tracing)")
    parser.add_argument("--frames", nargs="+", default=list(FRAMES), choices=list(FRAMES))
    args = parser.parse_args()
    names = ["beta_vae"] + [name for name in args.frames if name != "beta_vae"]

    images = tf.constant(xysquares_images(args.batch_size, seed=0, data=DATA))
    pairs, changed = (tf.constant(a) for a in xysquares_pairs(args.batch_size, k=1, seed=0, data=DATA))
    models, batches = {}, {}
    for name in names:
        cls, kwargs, _ = FRAMES[name]
        models[name] = small_frame(cls, latent_dim=10, learning_rate=1e-4, **kwargs)
        batches[name] = {"single": (images,), "pair": (pairs,), "pair_with_labels": (pairs, changed)}[cls.input_mode]
        for _ in range(args.warmup):
            models[name].train_on_batch(*batches[name])

    times = {name: [] for name in names}
    for _ in range(args.steps):
        for name in names:
            start = time.perf_counter()
            models[name].train_on_batch(*batches[name])
            times[name].append(time.perf_counter() - start)

    reference = np.median(times["beta_vae"])
    print(f"CPU step time at batch {args.batch_size}, median of {args.steps} steps after {args.warmup} warm-up steps")
    print(f"{'frame':24s} {'ms/step':>9s} {'/ beta_vae':>11s} {'target':>8s}")
    for name in names:
        median = np.median(times[name])
        target = FRAMES[name][2]
        verdict = "" if target is None else f"<= {target:.1f} {'ok' if median / reference <= target else 'MISSED'}"
        label = name if FRAMES[name][0].input_mode == "single" else f"{name} (per pair)"
        print(f"{label:24s} {1000 * median:9.1f} {median / reference:11.2f}   {verdict}")


if __name__ == "__main__":
    main()
