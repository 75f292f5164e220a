"""A synthetic time series: trend, two seasonal cycles and noise (assignment 10).

:func:`make_series` stands in for a sensor or sales series: a slow linear trend,
a daily-like cycle of ``period`` steps with a harmonic, and Gaussian noise. The
cycle makes "tomorrow equals today" (the naive last-value forecast) a weak
baseline that a forecaster which has seen a full cycle can beat.
"""

from __future__ import annotations

import numpy as np


def make_series(
    n: int = 1200,
    period: int = 24,
    seed: int = 0,
    trend: float = 0.002,
    amplitude: float = 2.0,
    noise: float = 0.2,
) -> np.ndarray:
    """``n`` values (float32, shape ``(n,)``) of level + trend + seasonality + noise, deterministic for ``seed``.

    value[t] = 10 + trend * t + amplitude * sin(2 pi t / period) + amplitude / 3 * sin(4 pi t / period + 1)
    plus Gaussian noise with standard deviation ``noise``.
    """
    if n < 2 * period:
        raise ValueError(f"n={n} is shorter than two periods ({2 * period}); a forecaster needs whole cycles")
    if period < 2:
        raise ValueError(f"period must be at least 2 steps, got {period}")
    rng = np.random.default_rng(seed)
    t = np.arange(n, dtype=np.float64)
    angle = 2 * np.pi * t / period
    seasonal = amplitude * np.sin(angle) + amplitude / 3 * np.sin(2 * angle + 1.0)
    values = 10.0 + trend * t + seasonal + noise * rng.standard_normal(n)
    return values.astype(np.float32)
