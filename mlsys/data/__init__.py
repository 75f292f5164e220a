"""Offline data: scikit-learn's bundled sets, generators, and files under ``data/``.

This package holds the loaders shared by several assignments; a generator that
belongs to one topic lives in its own module here (``mlsys.data.<topic>``).
Nothing here downloads. Every loader returns NumPy arrays (or a DataFrame for
tabular files) and is deterministic for a given ``seed``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mlsys import COURSE_ROOT

#: Small files that the course generates with code in this module and ships.
DATA_DIR: Path = COURSE_ROOT / "data"

#: Pixel intensities of scikit-learn's digits are integers from 0 to 16.
DIGITS_MAX_INTENSITY = 16.0


def load_digits_flat() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 8x8 handwritten digits as ``X`` (n, 64), raw intensities 0..16, and ``y`` (n,).

    Bundled with scikit-learn, so it works offline. ``X`` is float64 and
    unscaled on purpose: scaling is an exercise.
    """
    from sklearn.datasets import load_digits

    digits = load_digits()
    return digits.data.astype(np.float64), digits.target.astype(np.int64)


def to_images(X: np.ndarray) -> np.ndarray:
    """Reshape flat digits ``(n, 64)`` into images ``(n, 8, 8, 1)`` for a CNN."""
    X = np.asarray(X)
    if X.ndim != 2 or X.shape[1] != 64:
        raise ValueError(f"expected flat digits of shape (n, 64), got {X.shape}")
    return X.reshape(-1, 8, 8, 1)


def data_file(name: str) -> Path:
    """Path of a shipped data file, with a clear error if it is missing."""
    path = DATA_DIR / name
    if not path.exists():
        raise FileNotFoundError(
            f"data file {name!r} not found in {DATA_DIR}; it ships with the course "
            "repository: check that you run from a full clone of the course."
        )
    return path
