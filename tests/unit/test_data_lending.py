"""mlsys.data.lending: the shipped lending file is what the generator produces, and the bias is there."""

import numpy as np
import pandas as pd
import pytest

from mlsys.data import data_file, lending


def test_generator_still_produces_the_shipped_file_exactly():
    shipped = data_file(lending.LENDING_FILE).read_text(encoding="utf-8")
    assert lending.lending_csv_text(lending.make_lending()) == shipped, (
        "data/lending.csv differs from make_lending(): regenerate it with `python -m mlsys.data.lending`"
    )


def test_loaded_file_equals_the_generated_frame():
    pd.testing.assert_frame_equal(lending.load_lending(), lending.make_lending())


def test_columns_values_and_historical_bias():
    frame = lending.make_lending()
    assert list(frame.columns) == lending.COLUMNS and len(frame) == lending.LENDING_ROWS
    assert set(frame["group"]) == {"A", "B"} and set(frame["approved"]) == {0, 1}
    assert frame["income"].gt(0).all() and frame["debt_ratio"].between(0, 0.95).all()
    rates = frame.groupby("group")["approved"].mean()
    assert rates["A"] - rates["B"] > 0.15, "group B should have been approved less often"


def test_generator_is_deterministic_for_a_seed_and_varies_across_seeds():
    pd.testing.assert_frame_equal(lending.make_lending(200, seed=7), lending.make_lending(200, seed=7))
    assert not np.array_equal(lending.make_lending(200, seed=7)["income"], lending.make_lending(200, seed=8)["income"])
    with pytest.raises(ValueError, match="n_rows"):
        lending.make_lending(0)


def test_write_lending_writes_the_generated_text(tmp_path):
    path = lending.write_lending(tmp_path / "lending.csv")
    assert path.read_text(encoding="utf-8") == lending.lending_csv_text(lending.make_lending())


def test_repaid_is_the_true_outcome_that_history_treated_unequally():
    frame = lending.make_lending()
    assert set(frame["repaid"]) == {0, 1}
    approved_if_repaid = frame[frame["repaid"] == 1].groupby("group")["approved"].mean()
    assert approved_if_repaid["A"] - approved_if_repaid["B"] > 0.15, (
        "among applicants who would repay, group B should have been approved less often (the historical bias)"
    )
    gap = frame.groupby("group")[["approved", "repaid"]].mean().diff().iloc[-1].abs()
    assert gap["repaid"] < gap["approved"], "repayment differs less between the groups than the biased decisions do"
