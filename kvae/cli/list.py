"""kvae-list: what kvae can build by name, each with its one-line doc.

    kvae-list frames            # the frames a config binds as train.model = @BetaVAE, by registered name
    kvae-list losses metrics    # several kinds
    kvae-list all

Kinds: frames, nets, losses (and the augmented-name pattern), datasets, metrics, schedules. A frame,
loss, dataset or metric of your own appears once the module that registers it is imported.
"""

import importlib

from absl import flags

from kvae.cli import common

__all__ = ["KINDS", "listing"]

FLAGS = flags.FLAGS
common.define_verbose_flag()

# kind -> the package whose import fills its registry.
KINDS = {
    "frames": "kvae.frames",
    "nets": "kvae.nets",
    "losses": "kvae.losses",
    "datasets": "kvae.data",
    "metrics": "kvae.metrics",
    "schedules": "kvae.schedules",
}


def listing(kind):
    """The lines `kvae-list kind` prints: each registered name and its one-line doc, aligned."""
    from kvae.errors import KvaeError
    from kvae.registry import REGISTRIES

    if kind not in KINDS:
        raise KvaeError(f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}, all")
    try:
        importlib.import_module(KINDS[kind])
    except ModuleNotFoundError as error:
        if error.name != "kvae.schedules":
            raise
    if kind not in REGISTRIES:
        return []
    rows = REGISTRIES[kind].describe()
    width = max((len(name) for name, _ in rows), default=0)
    lines = [f"{name:<{width}}  {doc}".rstrip() for name, doc in rows]
    if kind == "losses":
        from kvae.losses import AUGMENTED_PATTERN, AugmentedLoss
        from kvae.registry import first_doc_line

        lines.append(f"and augmented names {AUGMENTED_PATTERN}, e.g. mse_box_r31_l1.0_k3969.0:")
        lines.append(f"  {first_doc_line(AugmentedLoss)}")
    return lines


def main(argv):
    with common.one_line_errors("kvae-list", FLAGS.verbose):
        from kvae.errors import KvaeError

        kinds = argv[1:]
        if not kinds:
            raise KvaeError(f"expected what to list: {', '.join(KINDS)} or all")
        if kinds == ["all"]:
            kinds = list(KINDS)
        sections = [(kind, listing(kind)) for kind in kinds]  # every kind checked before anything is printed
        for number, (kind, lines) in enumerate(sections):
            if len(sections) > 1:
                print(("\n" if number else "") + f"{kind}:")
            indent = "  " if len(sections) > 1 else ""
            for line in lines:
                print(indent + line)


def run():
    common.run_app(main, __name__)


if __name__ == "__main__":
    run()
