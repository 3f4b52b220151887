"""The command-line apps, one module each (kvae-train is `kvae.cli.train`, kvae-list `kvae.cli.list`, ...).

Each module defines its absl flags when imported, so this package imports none of them.
"""

__all__ = []
