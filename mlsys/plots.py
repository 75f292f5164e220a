"""Plotting helpers. Each returns the matplotlib Figure so that tests can inspect it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure


def use_course_style() -> None:
    """Plot defaults shared by every notebook (readable sizes, no top/right spines)."""
    import matplotlib as mpl

    mpl.rcParams.update(
        {
            "figure.figsize": (6, 4),
            "figure.dpi": 90,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "font.size": 10,
        }
    )


def plot_history(history: Mapping[str, Sequence[float]] | object, metrics: Sequence[str] = ("loss",)) -> Figure:
    """Learning curves from a Keras ``History`` (or its ``.history`` dict).

    One panel per metric; the validation curve (``val_<metric>``) is drawn when
    present.
    """
    import matplotlib.pyplot as plt

    logs = getattr(history, "history", history)
    if not isinstance(logs, Mapping):
        raise TypeError("expected a keras History or a dict of metric lists")
    fig, axes = plt.subplots(1, len(metrics), figsize=(5 * len(metrics), 3.5), squeeze=False)
    for ax, name in zip(axes[0], metrics, strict=True):
        if name not in logs:
            raise KeyError(f"metric {name!r} not in history; available: {sorted(logs)}")
        epochs = np.arange(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], label=f"train {name}")
        if f"val_{name}" in logs:
            ax.plot(epochs, logs[f"val_{name}"], label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.legend()
    fig.tight_layout()
    plt.close(fig)
    return fig


def show_digits(images: np.ndarray, labels: Sequence[int] | None = None, n: int = 10) -> Figure:
    """A row of ``n`` digit images (flat ``(n, 64)`` or ``(n, 8, 8[, 1])``) with their labels."""
    import matplotlib.pyplot as plt

    images = np.asarray(images)[:n].reshape(-1, 8, 8)
    fig, axes = plt.subplots(1, len(images), figsize=(1.2 * len(images), 1.6))
    for i, ax in enumerate(np.atleast_1d(axes)):
        ax.imshow(images[i], cmap="gray_r")
        ax.axis("off")  # no ticks, grid or spines around a picture
        if labels is not None:
            ax.set_title(str(labels[i]))
    plt.close(fig)
    return fig
