"""Train a beta-VAE with model.fit on procedural dSprites, score it with MIG, save it.

python examples/fit_beta_vae.py --steps 2000 --output /tmp/bvae.keras
"""

import argparse

import keras

import kvae  # noqa: F401  (selects the TensorFlow backend, registers kvae classes)
from kvae import data, frames, metrics, nets


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--beta", type=float, default=4.0)
    parser.add_argument("--loss", default="bernoulli", help="e.g. bernoulli, mse, mse_box_r31_l1.0_k3969.0")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--output", default="bvae.keras")
    args = parser.parse_args()

    dsprites = data.get("dsprites_procedural")
    shape = dsprites.observation_shape
    model = frames.BetaVAE(
        nets.ConvEncoder(latent_dim=10, image_shape=shape),
        nets.ConvDecoder(image_shape=shape),
        beta=args.beta,
        reconstruction_loss=args.loss,
        seed=args.seed,
    )
    model.build((None,) + shape)
    model.compile(optimizer=keras.optimizers.Adam(1e-4))
    epoch = min(500, args.steps)
    model.fit(
        data.make_dataset(dsprites, 64, seed=args.seed), steps_per_epoch=epoch, epochs=args.steps // epoch
    )

    mig = metrics.compute_mig(dsprites, metrics.representation_function(model), args.seed)
    print(f"MIG: {mig['mig']:.3f}")
    model.save(args.output)
    print(f"saved {args.output}")


if __name__ == "__main__":
    main()
