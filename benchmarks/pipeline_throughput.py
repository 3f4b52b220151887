"""Images per second of the tf.data input pipeline for each procedural dataset.

python benchmarks/pipeline_throughput.py --batch-size 64 --batches 200
"""

import argparse

from common import pipeline_images_per_second

import kvae.data

PROCEDURAL = ("xysquares", "dsprites_procedural")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=PROCEDURAL, choices=kvae.data.names())
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--batches", type=int, default=200, help="timed batches")
    parser.add_argument("--warmup", type=int, default=20, help="untimed batches first")
    args = parser.parse_args()
    for name in args.datasets:
        rate = pipeline_images_per_second(name, args.batch_size, args.batches, args.warmup)
        print(f"{name:24s} batch {args.batch_size:4d}: {rate:10.0f} images/s")


if __name__ == "__main__":
    main()
