"""Shared pieces of the absl command-line apps: gin flags and one-line errors."""

import contextlib
import logging
import os
import sys
import tokenize
import traceback
import zipfile
import zlib

import gin
import gin.config_parser
from absl import flags

from kvae.errors import KvaeError
from kvae.errors import first_line as _first_line

logging.getLogger("tensorflow").setLevel(
    logging.ERROR
)  # TF's Python warnings (e.g. retracing) off a command's stderr

__all__ = [
    "define_gin_flags",
    "define_verbose_flag",
    "parse_gin",
    "show_metric_progress",
    "one_line_errors",
    "fail",
    "run_app",
]


def define_gin_flags():
    flags.DEFINE_multi_string(
        "gin_config",
        [],
        "Gin config files, applied in order; a name such as models/beta_vae.gin that is not a "
        "local file is read from kvae's own configs.",
    )
    flags.DEFINE_multi_string(
        "gin_bindings", [], "Gin bindings applied after the files, e.g. 'BetaVAE.beta = 4'."
    )
    flags.DEFINE_bool(
        "dlib_compat",
        False,
        "Read every --gin_config as a disentanglement_lib config (they are also detected "
        "without this flag); see kvae.compat.dlib.",
    )


def define_verbose_flag():
    flags.DEFINE_bool("verbose", False, "Show the traceback of an unexpected (internal) error.")


def parse_gin(config_files, bindings, dlib_compat=False, base_files=()):
    """Parses gin files and bindings; an unknown configurable or parameter is a ValueError.

    Args:
        config_files: gin files; a path that is not a file is looked up in kvae's own configs
            (`kvae.resources`); disentanglement_lib configs among them are translated (`kvae.compat.dlib`).
        bindings: gin bindings applied after the files (dlib-style bindings translated too).
        dlib_compat: read every file of `config_files` as a disentanglement_lib config.
        base_files: kvae files parsed first, never translated (e.g. a run's operative.gin).
    """
    import kvae.training  # noqa: F401  (registers every configurable)
    from kvae import resources
    from kvae.compat import dlib

    for path in [*base_files, *config_files]:
        if not os.path.isfile(path) and not _packaged(path):
            raise KvaeError(
                f"gin config file {path!r} not found (working directory {os.getcwd()}, nor in kvae's configs)"
            )
    config_files = [
        path if os.path.isfile(path) else resources.find_gin_config(path) for path in config_files
    ]
    config_files, bindings = dlib.translate_files(config_files, bindings, force=dlib_compat)
    config_files = [*base_files, *config_files]
    for path in config_files:  # lets `include 'defaults.gin'` resolve beside a config or one level up
        directory = os.path.dirname(os.path.abspath(path))
        for search_path in (directory, os.path.dirname(directory)):
            if search_path not in gin.config._LOCATION_PREFIXES:
                gin.add_config_file_search_path(search_path)
    logging.disable(logging.ERROR)  # gin logs every search path it tries before the one that has the file
    try:
        gin.parse_config_files_and_bindings(config_files, bindings, finalize_config=False)
    except (SyntaxError, tokenize.TokenError) as error:  # gin's message spans lines and may not say where
        reason = _first_line(error.args[0] if isinstance(error, tokenize.TokenError) else error.msg)
        where = next((repr(b) for b in bindings if not _parses(b)), None)
        if where is None and getattr(error, "filename", None):
            where = f"{error.filename}, line {error.lineno}"
        raise KvaeError(
            f"gin syntax error in {where or 'the gin configs'} ({reason}); expected a binding "
            "'name.parameter = value'"
        ) from None
    finally:
        logging.disable(logging.NOTSET)


def _packaged(path):
    from kvae import resources

    try:
        return bool(not os.path.isabs(path) and resources.find_gin_config(path))
    except KvaeError:
        return False


def _parses(binding):
    """Whether one gin binding parses on its own (without applying it)."""
    try:
        list(gin.config_parser.ConfigParser(binding, _Delegate()))
    except (SyntaxError, tokenize.TokenError):
        return False
    return True


class _Delegate:
    def configurable_reference(self, name, evaluate):
        return name

    def macro(self, name):
        return name


def show_metric_progress():
    """Prints the metrics' progress messages (sampling, fitting) to stdout."""
    progress = logging.getLogger("kvae.metrics")
    if not progress.handlers:
        progress.setLevel(logging.INFO)
        progress.addHandler(logging.StreamHandler(sys.stdout))
        progress.propagate = False  # absl's handler on the root logger would print each message again


@contextlib.contextmanager
def one_line_errors(program, verbose=False):
    """Turns an error of the block into one line on stderr and a non-zero exit status.

    User errors (`KvaeError`, and the `ValueError`/`OSError` of Keras, gin and the file system) exit
    with 1 (`KvaeError.exit_code` where it has one, e.g. 130 for SIGINT). Any other exception is an
    internal error: one line too, or its traceback when `verbose`.
    """
    try:
        yield
    except KeyboardInterrupt:
        fail(program, "interrupted", exit_code=130)
    except (ValueError, OSError) as error:  # KvaeError is a ValueError
        fail(program, error, exit_code=getattr(error, "exit_code", 1))
    except (zlib.error, zipfile.BadZipFile, EOFError) as error:  # a reader that did not say which file
        fail(
            program,
            f"a compressed file is corrupt ({type(error).__name__}: {_first_line(error)}); expected an "
            "intact file: download or write it again",
        )
    except RuntimeError as error:
        if not str(error).startswith("Required bindings"):  # gin's word for a configurable's missing argument
            raise
        fail(program, f"{_first_line(error)}; expected them in a --gin_config file or --gin_bindings")
    except Exception as error:
        if verbose:
            traceback.print_exc()
            sys.exit(1)
        fail(
            program,
            f"internal error ({type(error).__name__}: {_first_line(error)}); rerun with --verbose for "
            "the traceback",
        )


def fail(program, error, exit_code=1):
    """Prints `program: error: <first line of error>` to stderr and exits with `exit_code`."""
    print(f"{program}: error: {_first_line(error)}", file=sys.stderr)
    sys.exit(exit_code)


def run_app(main, module_name):
    """`absl.app.run(main)` whose --help shows the command's description and flags.

    A console script's `__main__` is the generated wrapper, so absl would find neither: the
    docstring of `module_name` becomes the usage text and its flags (and those this module
    defines for it) become the key flags of the program.
    """
    from absl import app

    module = sys.modules[module_name]
    main_module = sys.modules["__main__"]
    if main_module is not module:
        main_module.__doc__ = module.__doc__
    by_module = flags.FLAGS.flags_by_module_dict()
    for name in (module_name, __name__, sys.argv[0]):
        for flag in by_module.get(name, []):
            flags.FLAGS.register_key_flag_for_module(sys.argv[0], flag)
    app.run(main)
