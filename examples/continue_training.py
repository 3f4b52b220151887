"""Load a saved kvae model (a run's model.keras or a checkpoint) and keep training it with model.fit.

    python examples/continue_training.py runs/quickstart/model.keras --steps 500

Any frame works: the pipeline yields what the frame trains on (`mode=model.input_mode`:
single images, pairs, or pairs and their labels).
"""

import argparse

import keras

import kvae  # noqa: F401  (registers kvae classes for loading)
from kvae import data


def continue_training(path, dataset="dsprites_procedural", steps=500, seed=1, batch_size=64):
    """Trains the model saved at `path` `steps` more steps on `dataset` (name or dataset); saves it back."""
    model = keras.saving.load_model(path)
    start = int(model.optimizer.iterations.numpy())
    print(f"loaded {type(model).__name__} at step {start}")
    batches = data.make_dataset(dataset, batch_size, seed=seed, mode=model.input_mode)
    model.fit(batches, steps_per_epoch=steps, epochs=1)
    print(f"now at step {int(model.optimizer.iterations.numpy())}")
    model.save(path)
    return model


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model")
    parser.add_argument("--dataset", default="dsprites_procedural")
    parser.add_argument("--steps", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    continue_training(args.model, args.dataset, args.steps, args.seed)


if __name__ == "__main__":
    main()
