"""Reproducibility and a quiet TensorFlow: what every notebook's setup cell calls."""

from __future__ import annotations

import logging
import os
import random
import warnings
from typing import Any

import numpy as np

#: Environment that keeps TensorFlow's C++ logs off stderr. Both must be set
#: before TensorFlow is imported; oneDNN off also makes CPU results repeatable.
QUIET_TF_ENV = {"TF_CPP_MIN_LOG_LEVEL": "3", "TF_ENABLE_ONEDNN_OPTS": "0"}


def quiet_tensorflow() -> None:
    """Silence TensorFlow's and Keras' log lines and known harmless warnings.

    Call before importing TensorFlow. Anything written to stderr in an nbgrader
    test cell scores that cell 0, so library noise must never reach it.
    """
    for key, value in QUIET_TF_ENV.items():
        os.environ.setdefault(key, value)
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    logging.getLogger("absl").setLevel(logging.ERROR)
    for module in ("tensorflow", "keras", "absl", "google.protobuf", "shap", "sklearn"):
        warnings.filterwarnings("ignore", category=DeprecationWarning, module=module)
        warnings.filterwarnings("ignore", category=FutureWarning, module=module)
    warnings.filterwarnings("ignore", category=UserWarning, module="keras")
    # Except the one that says a loss got from_logits=True on a softmax output: a mistake to see (05).
    warnings.filterwarnings("default", message=r".*received `from_logits=True`", category=UserWarning)


def _seed_python_and_numpy(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    os.environ["PYTHONHASHSEED"] = str(seed)


def set_seed(seed: int) -> None:
    """Seed Python, NumPy and (if imported) TensorFlow/Keras in one call.

    Call it again right before building each model so that every model starts
    from the same weights however many cells ran before.
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    _seed_python_and_numpy(seed)
    try:
        import keras
    except ImportError:  # the course always has Keras; keep set_seed usable without it
        return
    keras.utils.set_random_seed(seed)


def setup_notebook(seed: int = 42, tensorflow: bool = True) -> tuple[Any, Any]:
    """Prepare a notebook: quiet TensorFlow, seeds, plot style. Returns ``(tf, keras)``.

    ``tensorflow=False`` is for a notebook that never builds a model: TensorFlow is not
    imported (it takes several seconds, paid again for every submission graded), only
    Python's and NumPy's generators are seeded, and ``(None, None)`` is returned.
    """
    quiet_tensorflow()
    tf = keras = None
    if tensorflow:
        import keras
        import tensorflow as tf

        tf.get_logger().setLevel(logging.ERROR)
        set_seed(seed)
    else:
        _seed_python_and_numpy(seed)
    from mlsys.plots import use_course_style

    use_course_style()
    return tf, keras
