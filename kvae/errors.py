"""kvae's exception type for user errors: bad input, a run directory that cannot be used, a config that does
not fit.

The command lines print a `KvaeError` (and Keras' or gin's `ValueError`) as one line and exit with status 1;
any other exception is an internal error and keeps its traceback.
"""

__all__ = ["KvaeError", "first_line"]


class KvaeError(ValueError):
    """A user error: the message says what was expected and what was given."""


def first_line(error):
    """The first line of an error's message (its type's name when the message is empty): what one-line errors
    show."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
