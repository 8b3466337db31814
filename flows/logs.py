"""Prefect's run logs without a traceback where there is none."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

# A long step (a sync, a parse) says how far it is at least this often.
PROGRESS_SECONDS = 10


class _NoEmptyTraceback(logging.Filter):
    """Prefect logs a task that returns a Failed state (a repository that could not be synced) with `exc_info=True`
    outside any exception; the formatter then prints a line `NoneType: None` under the error."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[0] is None:
            record.exc_info = None
        return True


def quiet_empty_tracebacks() -> None:
    for name in ("prefect.task_runs", "prefect.flow_runs"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _NoEmptyTraceback) for f in logger.filters):
            logger.addFilter(_NoEmptyTraceback())


def every(seconds: float, say: Callable[..., None]) -> Callable[..., None]:
    """`say(...)`, at most once per `seconds`: progress of a long step without a line per file or per git line."""
    last = time.monotonic()

    def tell(*progress) -> None:
        nonlocal last
        if time.monotonic() - last >= seconds:
            last = time.monotonic()
            say(*progress)

    return tell
