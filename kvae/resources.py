"""Where kvae's gin configs are: the wheel ships them as `kvae/gin_configs`, a clone has them in
`gin_configs/`.

A config name such as `models/beta_vae.gin` or `studies/tiny.gin` resolves to a local file first and then
to kvae's own configs, so the README's commands work from any directory once kvae is installed.
"""

import os

from kvae.errors import KvaeError

__all__ = ["gin_configs_dir", "find_gin_config"]

_PACKAGE = os.path.dirname(os.path.abspath(__file__))


def gin_configs_dir():
    """The directory of kvae's own gin configs (installed wheel or source checkout)."""
    for candidate in (
        os.path.join(_PACKAGE, "gin_configs"),
        os.path.join(os.path.dirname(_PACKAGE), "gin_configs"),
    ):
        if os.path.isdir(candidate):
            return candidate
    raise KvaeError(f"kvae's gin configs were not found beside the package {_PACKAGE}; reinstall kvae")


def find_gin_config(name, search=()):
    """The absolute path of config `name`: as given, then in each directory of `search`, then in kvae's
    configs.

    Raises:
        KvaeError: naming the places looked in, when none has the file.
    """
    places = [os.getcwd(), *search, gin_configs_dir()]
    if os.path.isabs(name):
        places = [""]
    for place in places:
        path = os.path.abspath(os.path.join(place, name))
        if os.path.isfile(path):
            return path
    raise KvaeError(f"gin config {name!r} not found in {', '.join(dict.fromkeys(places))}")
