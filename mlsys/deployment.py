"""Helpers for assignment 07 (compression and deployment): keep native log lines off stderr.

TFLite's converter and interpreter log from C++ straight to the process's file
descriptor 2 ("fully_quantize: 0, ...", "INFO: Created TensorFlow Lite XNNPACK
delegate for CPU."). ``TF_CPP_MIN_LOG_LEVEL`` does not reach them, and in a
notebook anything on stderr inside an nbgrader test cell scores that cell 0.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

#: The file descriptor that native (C/C++) code writes its logs to.
STDERR_FD = 2


@contextlib.contextmanager
def silenced_native_stderr() -> Iterator[None]:
    """Send what native code writes to file descriptor 2 to the null device while the block runs.

    Python's own ``sys.stderr`` object is left alone: in a Jupyter kernel it is not
    file descriptor 2, so warnings and tracebacks raised in the block still show.
    File descriptor 2 is restored on exit, also when the block raises.
    """
    with contextlib.suppress(Exception):  # a closed or replaced sys.stderr must not stop the block
        sys.stderr.flush()
    saved = os.dup(STDERR_FD)
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, STDERR_FD)
        yield
    finally:
        os.dup2(saved, STDERR_FD)
        os.close(devnull)
        os.close(saved)
