"""SIGINT and SIGTERM in training: stop after the current step (its checkpoint saved), then `Interrupted`."""

import contextlib
import signal
import threading

from kvae import callbacks
from kvae.errors import KvaeError

__all__ = ["Interrupted", "Signals", "handling_signals"]


class Interrupted(KvaeError):
    """SIGINT or SIGTERM stopped the run at `step`; running the same command resumes it."""

    def __init__(self, step, signum):
        super().__init__(f"interrupted at step {step}; run the same command to resume")
        self.step, self.exit_code = step, 128 + signum


class Signals:
    """SIGINT/SIGTERM: while `fit` runs, stop after the current step (its checkpoint saved); else at once.

    `step` is a function returning the step a stop at once reports.
    """

    def __init__(self):
        self.stopper = None
        self.step = lambda: 0

    def handle(self, signum, frame):
        if self.stopper is not None and self.stopper.reason is None:  # a second signal stops at once
            self.stopper.request(signum)
        else:
            raise Interrupted(self.step(), signum)

    @contextlib.contextmanager
    def stopping_after_the_step(self):
        """A `callbacks.StopOnRequest` for `fit` that the signals request while the block runs."""
        self.stopper = callbacks.StopOnRequest()
        try:
            yield self.stopper
        finally:
            self.stopper = None


@contextlib.contextmanager
def handling_signals():
    """Installs `Signals.handle` for SIGINT and SIGTERM (in the main thread only) while the block runs."""
    signals = Signals()
    if threading.current_thread() is not threading.main_thread():
        yield signals
        return
    previous = {s: signal.signal(s, signals.handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield signals
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
