"""mlsys.deployment: native writes to file descriptor 2 are silenced inside the block only."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from mlsys.deployment import silenced_native_stderr

SCRIPT = textwrap.dedent(
    """
    import os
    from mlsys.deployment import silenced_native_stderr

    os.write(2, b"before\\n")
    with silenced_native_stderr():
        os.write(2, b"hidden\\n")
    try:
        with silenced_native_stderr():
            os.write(2, b"hidden too\\n")
            raise RuntimeError("boom")
    except RuntimeError:
        pass
    os.write(2, b"after\\n")
    """
)


def test_native_stderr_is_silenced_inside_the_block_and_restored_after():
    result = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True)
    assert result.stderr.splitlines() == ["before", "after"]


def test_exceptions_pass_through():
    with pytest.raises(ValueError), silenced_native_stderr():
        raise ValueError("still raised")
