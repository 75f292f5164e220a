"""mlsys.data.messy: the shipped messy CSV is the generator's output and has the promised defects."""

import numpy as np
import pandas as pd
import pytest

from mlsys.data import data_file, messy


@pytest.fixture(scope="module")
def raw() -> pd.DataFrame:
    return messy.read_messy_csv(data_file(messy.FILE_NAME))


def _canonical(table: pd.DataFrame) -> pd.DataFrame:
    """The rows with categories lower-cased and stripped (enough to expose re-spelled duplicates)."""
    out = table.copy()
    for column in messy.CATEGORICAL_COLUMNS:
        out[column] = out[column].str.strip().str.lower()
    return out


def test_shipped_file_is_the_generators_output(tmp_path):
    written = messy.write_messy_csv(tmp_path / messy.FILE_NAME)
    assert written.read_bytes() == data_file(messy.FILE_NAME).read_bytes(), (
        "data/messy_customers.csv differs from write_messy_csv(): regenerate it with "
        "python -c 'from mlsys.data import messy; messy.write_messy_csv(\"data/messy_customers.csv\")'"
    )


def test_generator_is_deterministic_and_seeded():
    a, b = messy.make_messy_customers(n=80, seed=3), messy.make_messy_customers(n=80, seed=3)
    assert a.equals(b)
    assert not a.equals(messy.make_messy_customers(n=80, seed=4))
    with pytest.raises(ValueError, match="at least 50"):
        messy.make_messy_customers(n=10)


def test_file_shape_columns_and_text(raw):
    n_extra = messy.N_EXACT_DUPLICATES + messy.N_RESPELLED_DUPLICATES + messy.N_REREGISTERED
    assert list(raw.columns) == messy.COLUMNS
    assert len(raw) == 300 + n_extra
    assert all(pd.api.types.is_string_dtype(raw[c]) for c in raw.columns), "read back as text"
    assert raw["customer_id"].nunique() == 300 + messy.N_REREGISTERED
    assert set(raw[messy.LABEL_COLUMN]) == {"0", "1"}


def test_file_has_duplicates_exact_and_respelled(raw):
    assert raw.duplicated().sum() >= messy.N_EXACT_DUPLICATES
    # after normalising the spelling of categories, the re-spelled copies are duplicates too
    assert _canonical(raw).duplicated().sum() == messy.N_EXACT_DUPLICATES + messy.N_RESPELLED_DUPLICATES
    assert _canonical(raw).duplicated().sum() > raw.duplicated().sum()


def test_file_has_reregistered_customers(raw):
    features = [c for c in messy.COLUMNS if c != messy.ID_COLUMN]
    unique = _canonical(raw).drop_duplicates()
    assert unique.duplicated(subset=features).sum() == messy.N_REREGISTERED


def test_file_has_sentinels_missing_markers_and_text_numbers(raw):
    stripped = raw.apply(lambda column: column.str.strip())
    assert (raw[["age", "income"]] == str(messy.SENTINEL)).sum().min() > 0
    assert (stripped == "N/A").to_numpy().sum() > 0
    assert (stripped == "?").to_numpy().sum() > 0
    assert (stripped == "").to_numpy().sum() > 0
    assert raw["monthly_charges"].str.startswith("$").sum() > 0
    assert raw["income"].str.contains(",").sum() > 0
    assert (raw["age"] != raw["age"].str.strip()).sum() > 0


def test_file_has_inconsistent_category_spellings(raw):
    for column, spellings in messy.CATEGORIES.items():
        values = set(raw[column]) - set(messy.MISSING_TOKENS)
        assert values - set(spellings), f"{column} has only canonical spellings"
        assert {v.strip().lower() for v in values} == set(spellings)


def test_refund_amount_encodes_the_label(raw):
    from sklearn.metrics import roc_auc_score

    refund = pd.to_numeric(raw["refund_amount"].str.replace("$", "", regex=False))
    churned = raw[messy.LABEL_COLUMN].astype(int)
    assert roc_auc_score(churned, refund) > 0.9
    tenure = pd.to_numeric(raw["tenure_months"], errors="coerce")
    known = tenure.notna()
    honest = roc_auc_score(churned[known], tenure[known])
    assert 0.1 < honest < 0.9 and abs(honest - 0.5) > 0.1, "an honest feature: informative, not a leak"
    assert 0.1 < np.mean(churned) < 0.4
