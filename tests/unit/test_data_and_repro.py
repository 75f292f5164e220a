"""mlsys.data and mlsys.repro: offline data with the documented shapes; seeds that repeat."""

import os
import subprocess
import sys

import numpy as np
import pytest

from mlsys import data, repro


def test_digits_are_offline_raw_and_complete():
    X, y = data.load_digits_flat()
    assert X.shape == (1797, 64) and y.shape == (1797,)
    assert X.min() == 0 and X.max() == data.DIGITS_MAX_INTENSITY
    assert set(np.unique(y)) == set(range(10))


def test_to_images_reshapes_and_rejects_other_shapes():
    X, _ = data.load_digits_flat()
    images = data.to_images(X[:3])
    assert images.shape == (3, 8, 8, 1) and np.array_equal(images[1, :, :, 0].ravel(), X[1])
    with pytest.raises(ValueError, match=r"\(n, 64\)"):
        data.to_images(np.zeros((3, 8, 8)))


def test_missing_data_file_says_where_it_was_expected():
    with pytest.raises(FileNotFoundError, match="not found in"):
        data.data_file("no_such_file.csv")


def test_set_seed_repeats_numpy_and_keras():
    import keras

    repro.set_seed(3)
    a = (np.random.rand(3), keras.random.uniform((2,)).numpy())
    repro.set_seed(3)
    b = (np.random.rand(3), keras.random.uniform((2,)).numpy())
    assert np.array_equal(a[0], b[0]) and np.array_equal(a[1], b[1])
    with pytest.raises(TypeError):
        repro.set_seed(1.5)


def test_setup_without_tensorflow_imports_none_and_still_seeds():
    # a fresh interpreter: this test session has imported TensorFlow already
    code = (
        "import sys, numpy as np; from mlsys.repro import setup_notebook; "
        "print(setup_notebook(7, tensorflow=False), 'tensorflow' in sys.modules, 'keras' in sys.modules, "
        "np.random.rand())"
    )
    runs = [
        subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
        for _ in range(2)
    ]
    assert runs[0] == runs[1], "the same seed gives the same NumPy draws"
    assert runs[0].startswith("(None, None) False False "), runs[0]


def test_quiet_tensorflow_sets_the_environment_before_import(monkeypatch):
    for key in repro.QUIET_TF_ENV:
        monkeypatch.delenv(key, raising=False)
    repro.quiet_tensorflow()
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == "3" and os.environ["TF_ENABLE_ONEDNN_OPTS"] == "0"


def test_quiet_tensorflow_hides_keras_warnings_but_not_from_logits_on_a_softmax():
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.resetwarnings()
        repro.quiet_tensorflow()
        shown = "`sparse_categorical_crossentropy` received `from_logits=True`, but the `output` argument was"
        warnings.warn_explicit(shown, UserWarning, "nn.py", 1, module="keras.src.backend.tensorflow.nn")
        warnings.warn_explicit("some other Keras notice", UserWarning, "nn.py", 2, module="keras.src.layers")
    assert [str(w.message) for w in caught] == [shown]
