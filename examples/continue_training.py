"""Load a saved kvae model (a run's model.keras or a checkpoint) and keep training it with model.fit.

    python examples/continue_training.py runs/quickstart/model.keras --steps 500
"""

import argparse

import keras

import kvae  # noqa: F401  (registers kvae classes for loading)
from kvae import data


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--dataset", default="dsprites_procedural")
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    model = keras.saving.load_model(args.model)
    start = int(model.optimizer.iterations.numpy())
    print(f"loaded {type(model).__name__} at step {start}")
    dataset = data.make_dataset(data.get(args.dataset), 64, seed=args.seed, mode=model.input_mode)
    model.fit(dataset, steps_per_epoch=args.steps, epochs=1)
    print(f"now at step {int(model.optimizer.iterations.numpy())}")
    model.save(args.model)


if __name__ == "__main__":
    main()
