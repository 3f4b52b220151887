"""Shared pieces of the absl command-line apps: gin flags and one-line errors."""

import logging
import sys

import gin
from absl import flags


def define_gin_flags():
    flags.DEFINE_multi_string("gin_config", [], "Gin config files, applied in order.")
    flags.DEFINE_multi_string("gin_bindings", [], "Gin bindings applied after the files, e.g. 'BetaVAE.beta = 4'.")


def parse_gin(config_files, bindings):
    """Parses gin files and bindings; an unknown configurable or parameter is a ValueError."""
    import os

    import kvae.training  # noqa: F401  (registers every configurable)

    for path in config_files:
        if not os.path.isfile(path):
            raise FileNotFoundError(f"gin config file {path!r} not found (working directory {os.getcwd()})")
    for path in config_files:  # lets `include 'defaults.gin'` resolve beside a config or one level up
        directory = os.path.dirname(os.path.abspath(path))
        for search_path in (directory, os.path.dirname(directory)):
            if search_path not in gin.config._LOCATION_PREFIXES:
                gin.add_config_file_search_path(search_path)
    logging.disable(logging.ERROR)  # gin logs every search path it tries before the one that has the file
    try:
        gin.parse_config_files_and_bindings(config_files, bindings, finalize_config=False)
    finally:
        logging.disable(logging.NOTSET)


def show_metric_progress():
    """Prints the metrics' progress messages (sampling, fitting) to stdout."""
    progress = logging.getLogger("kvae.metrics")
    if not progress.handlers:
        progress.setLevel(logging.INFO)
        progress.addHandler(logging.StreamHandler(sys.stdout))


def fail(program, error):
    """Prints `program: error: <first line of error>` to stderr and exits with status 1."""
    message = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    print(f"{program}: error: {message}", file=sys.stderr)
    sys.exit(1)
