"""Ctrl-C and SIGTERM: stop the solver, keep the best plan, never leave a half-written run.

Python turns Ctrl-C (SIGINT) into :class:`KeyboardInterrupt`; :func:`install_handlers` turns
SIGTERM into :class:`Terminated`, a subclass, so one ``except KeyboardInterrupt`` handles both.

* During a HiGHS solve (:func:`optimizer.solve.run_highs`) the interrupt is caught, the solver is
  asked to stop through its interrupt callbacks, and :data:`STOP` records which signal came; the
  solve returns its best plan with status ``interrupted`` and the run writes it like a
  time-limited one, then exits 130 (Ctrl-C) or 143 (SIGTERM).
* While a run folder is written (:func:`deferred`) a first signal is held until the writing ends;
  a second one aborts at once (the folder then keeps its ``.incomplete`` name).
* Anywhere else the interrupt propagates and the run leaves nothing behind.
"""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from dataclasses import dataclass

EXIT_CODES = {"SIGINT": 130, "SIGTERM": 143}


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised in the main thread like Ctrl-C's KeyboardInterrupt."""


@dataclass
class StopRequest:
    """Which signal asked the run to stop (None: none did)."""

    signal_name: str | None = None

    @property
    def requested(self) -> bool:
        return self.signal_name is not None

    def record(self, exc: BaseException | str) -> None:
        if self.signal_name is None:
            self.signal_name = exc if isinstance(exc, str) else signal_of(exc)

    def clear(self) -> None:
        self.signal_name = None

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(self.signal_name or "SIGINT", 130)


STOP = StopRequest()


def signal_of(exc: BaseException) -> str:
    return "SIGTERM" if isinstance(exc, Terminated) else "SIGINT"


def _raise_terminated(signum, frame) -> None:
    raise Terminated()


def install_handlers():
    """SIGTERM raises :class:`Terminated` in the main thread (SIGINT already raises KeyboardInterrupt).
    Returns the handler it replaced (None outside the main thread), for :func:`restore_handlers`."""
    if threading.current_thread() is threading.main_thread():
        return signal.signal(signal.SIGTERM, _raise_terminated)
    return None


def restore_handlers(previous) -> None:
    """Put back the SIGTERM handler :func:`install_handlers` replaced (when ``siting`` runs in-process)."""
    if previous is not None and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, previous)


@contextmanager
def deferred():
    """Hold a first SIGINT/SIGTERM until the block ends (recorded in :data:`STOP`); a second one
    raises at once. Outside the main thread this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held: list[str] = []

    def hold(signum, frame):
        name = "SIGTERM" if signum == signal.SIGTERM else "SIGINT"
        if held:
            raise Terminated() if name == "SIGTERM" else KeyboardInterrupt()
        held.append(name)
        STOP.record(name)

    previous = {s: signal.signal(s, hold) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
