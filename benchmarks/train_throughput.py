"""Training throughput of beta-VAE, the cost of the blur loss, and input pipeline headroom.

Prints, measured in one run:
  - beta-VAE training images/s at batch 64 (bernoulli loss, procedural dSprites);
  - step time with `mse_box_r31_l1.0_k3969.0` / step time with `mse` on XYSquares (target <= 1.3);
  - input pipeline images/s / training images/s, per dataset (target >= 10).

    python benchmarks/train_throughput.py [--steps 60] [--batch_size 64] [--jit_compile]
"""

import argparse
import time

import numpy as np
from common import make_beta_vae, pipeline_images_per_second

import kvae  # noqa: F401
from kvae import data, losses


def seconds_per_step(models, batch, steps, rounds=5):
    """Median seconds per train step of each model on a fixed batch.

    The models take turns (`rounds` rounds of `steps // rounds` steps each, after
    a warm-up), so a change in machine load hits them alike and their ratio holds.
    """
    for model in models:
        for _ in range(5):
            model.train_on_batch(batch)
    times = [[] for _ in models]
    for _ in range(rounds):
        for model, record in zip(models, times):
            start = time.perf_counter()
            for _ in range(max(1, steps // rounds)):
                model.train_on_batch(batch)
            record.append((time.perf_counter() - start) / max(1, steps // rounds))
    return [float(np.median(record)) for record in times]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--batch_size", type=int, default=64)
    parser.add_argument("--jit_compile", action="store_true")
    args = parser.parse_args()
    b = args.batch_size

    dsprites, xysquares = data.get("dsprites_procedural"), data.get("xysquares")
    dsprites_batch = next(iter(data.make_dataset(dsprites, b, seed=0)))
    xysquares_batch = next(iter(data.make_dataset(xysquares, b, seed=0)))

    (bvae,) = seconds_per_step(
        [make_beta_vae(dsprites.observation_shape, "bernoulli", args.jit_compile)], dsprites_batch, args.steps
    )
    train_rate = b / bvae
    print(
        f"beta-VAE (bernoulli, dSprites) training: {train_rate:8.1f} images/s  ({1000 * bvae:.1f} "
        f"ms/step, batch {b})"
    )

    name = "mse_box_r31_l1.0_k3969.0"
    fft = losses.AugmentedLoss("mse", losses.box_kernel(31), alpha=3969.0, name=name, method="fft")
    mse, blur, blur_fft = seconds_per_step(
        [make_beta_vae(xysquares.observation_shape, loss, args.jit_compile) for loss in ("mse", name, fft)],
        xysquares_batch,
        args.steps,
    )
    print(
        f"XYSquares step: mse {1000 * mse:.1f} ms, {name} {1000 * blur:.1f} ms (separable), "
        f"{1000 * blur_fft:.1f} ms (FFT)"
    )
    print(
        f"ratio blur-loss step / mse step:            {blur / mse:6.2f}   (target <= 1.3; FFT path "
        f"{blur_fft / mse:.2f})"
    )

    for name, dataset, step in (("dsprites_procedural", dsprites, bvae), ("xysquares", xysquares, mse)):
        rate = pipeline_images_per_second(dataset, b, 4 * args.steps, warmup=5)
        print(
            f"ratio pipeline / training images/s, {name:20s} {rate / (b / step):6.1f}   "
            f"({rate:.0f} vs {b / step:.0f} images/s; target >= 10)"
        )


if __name__ == "__main__":
    main()
