"""Does TensorFlow Probability replace kvae's hand-written likelihoods and KL without slowing the step?

Issue 12 asks to use `tfp.distributions` where it replaces hand-written math at no cost (step time within
2%). This script trains the study's beta-VAE on one fixed batch with, in turn:
  - kvae's own Bernoulli loss and closed-form Gaussian KL (`kvae.losses`);
  - `tfd.Bernoulli(logits).log_prob` and `tfd.kl_divergence(Normal, Normal(0, 1))`;
  - kvae's continuous Bernoulli vs `tfd.ContinuousBernoulli(logits).log_prob`;
and prints the median step times (the models take turns, so machine load hits them alike), their ratios,
the largest difference between the per-example values, and what importing TFP costs.

    pip install "tensorflow-probability[tf]"   # not a kvae dependency: this script decided it (README)
    python benchmarks/tfp_step_time.py [--steps 40] [--rounds 10]

Measured on the 2-core CPU (load 4-7, two runs): Bernoulli + KL 1.08x and 1.10x, continuous Bernoulli
+ KL 1.13x and 1.11x slower with TFP; the per-example values agree to 5e-4 (float32 rounding over
4096 pixels); importing TFP costs 1.5 s more. So kvae keeps its own math.
"""

import argparse
import contextlib
import subprocess
import sys
import time

import numpy as np

import kvae  # noqa: F401
from common import make_beta_vae
from train_throughput import seconds_per_step


def import_seconds(module):
    """Seconds a fresh interpreter needs to import `module` (after TensorFlow, which both need)."""
    code = f"import time, tensorflow; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def tfp_losses():
    """The TFP-backed Bernoulli and continuous Bernoulli losses and Gaussian KL."""
    import tensorflow as tf

    try:
        import tensorflow_probability as tfp
    except ImportError:
        raise SystemExit('this benchmark needs TFP: pip install "tensorflow-probability[tf]"') from None

    from kvae import losses

    tfd = tfp.distributions

    class TFPBernoulli(losses.Bernoulli):
        def pixelwise(self, x, logits):
            return -tfd.Bernoulli(logits=logits).log_prob(x)

    class TFPContinuousBernoulli(losses.ContinuousBernoulli):
        def pixelwise(self, x, logits):
            return -tfd.ContinuousBernoulli(logits=logits).log_prob(x)

    def kl(mean, logvar):
        return tfd.kl_divergence(tfd.Normal(mean, tf.exp(0.5 * logvar)), tfd.Normal(0.0, 1.0))

    return TFPBernoulli("bernoulli"), TFPContinuousBernoulli("continuous_bernoulli"), kl


@contextlib.contextmanager
def kl_function(kl):
    """Makes the frames' step use `kl` as its Gaussian KL while a model traces its step."""
    from kvae import losses

    original = losses.gaussian_kl
    losses.gaussian_kl = kl
    try:
        yield
    finally:
        losses.gaussian_kl = original


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--batch_size", type=int, default=64)
    args = parser.parse_args()

    from kvae import data, losses

    tfp_bernoulli, tfp_continuous, tfp_kl = tfp_losses()
    dsprites = data.get("dsprites_procedural")
    batch = next(iter(data.make_dataset(dsprites, args.batch_size, seed=0)))
    shape = dsprites.observation_shape

    logits = np.random.default_rng(0).normal(0, 4, size=batch.shape).astype(np.float32)
    mean, logvar = (np.random.default_rng(1).normal(0, 1, size=(64, 10)).astype(np.float32) for _ in range(2))
    gaps = {
        "bernoulli": np.abs(np.asarray(losses.get("bernoulli")(batch, logits)) - np.asarray(tfp_bernoulli(batch, logits))).max(),
        "continuous_bernoulli": np.abs(
            np.asarray(losses.get("continuous_bernoulli")(batch, logits)) - np.asarray(tfp_continuous(batch, logits))
        ).max(),
        "gaussian_kl": np.abs(np.asarray(losses.gaussian_kl(mean, logvar)) - np.asarray(tfp_kl(mean, logvar))).max(),
    }

    pairs = (
        ("bernoulli + KL", "bernoulli", tfp_bernoulli),
        ("continuous_bernoulli + KL", "continuous_bernoulli", tfp_continuous),
    )
    models = []
    for _, own, tfp_loss in pairs:
        models.append(make_beta_vae(shape, own))
        with kl_function(tfp_kl):  # the step traces at its first call, inside seconds_per_step's warm-up
            tfp_model = make_beta_vae(shape, tfp_loss)
            tfp_model.train_on_batch(batch)
        models.append(tfp_model)
    times = seconds_per_step(models, batch, args.steps * args.rounds // 5 * 5, rounds=args.rounds)

    print(f"beta-VAE step, batch {args.batch_size}, median of {args.rounds} alternating rounds:")
    for i, (label, _, _) in enumerate(pairs):
        own, tfp_time = times[2 * i], times[2 * i + 1]
        print(f"  {label:28s} kvae {1000 * own:6.2f} ms   tfp {1000 * tfp_time:6.2f} ms   ratio tfp/kvae {tfp_time / own:.3f}")
    for name, gap in gaps.items():
        print(f"  max |kvae - tfp| per example, {name:22s} {gap:.3g}")
    print(f"import tensorflow_probability after tensorflow: {import_seconds('tensorflow_probability'):.2f} s "
          f"(import kvae.losses: {import_seconds('kvae.losses'):.2f} s)")


if __name__ == "__main__":
    main()
