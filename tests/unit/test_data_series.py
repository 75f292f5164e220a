"""mlsys.data.series: a seeded seasonal series on which "same as last time" is a weak forecast."""

import numpy as np
import pytest

from mlsys.data import series


def test_series_is_deterministic_float32_and_seeded():
    a, b = series.make_series(500, seed=1), series.make_series(500, seed=1)
    assert a.dtype == np.float32 and a.shape == (500,)
    assert np.array_equal(a, b)
    assert not np.array_equal(a, series.make_series(500, seed=2))
    with pytest.raises(ValueError, match="two periods"):
        series.make_series(30, period=24)


def test_series_has_its_cycle_and_trend():
    values = series.make_series(2400, period=24, seed=0, noise=0.0)
    assert np.allclose(values[24:] - values[:-24], 24 * 0.002, atol=1e-4), (
        "a noise-free series repeats every period, plus the trend"
    )
    noisy = series.make_series(2400, period=24, seed=0)
    assert 0.15 < np.std(noisy - values) < 0.25


def test_seasonal_naive_beats_last_value():
    values = series.make_series(1200, period=24, seed=0)
    last_value = np.mean(np.abs(values[1:] - values[:-1]))
    seasonal = np.mean(np.abs(values[24:] - values[:-24]))
    assert seasonal < 0.7 * last_value, "the cycle should make the last-value forecast a weak baseline"
