"""A messy customer table for assignment 02 (data quality), generated with a seed.

The shipped file ``data/messy_customers.csv`` is ``write_messy_csv(path)`` with the
defaults; ``tests/unit/test_data_messy.py`` checks that it still is. The table is
a churn problem (label ``churned``) with the defects a real export has:

- exact duplicate rows, and duplicates that differ only in the spelling of a
  category (``"Basic "`` versus ``"basic"``);
- customers registered twice under a new ``customer_id`` with the same data
  (they end up on both sides of a random train/test split);
- missing values written as the sentinel ``-999``, as ``"N/A"``, ``"?"`` or blank;
- numbers stored as text: ``"$49.90"``, ``"52,300"`` (thousands separator), ``" 37 "``;
- category spellings that differ in case and surrounding spaces;
- ``refund_amount``, a column that is only known after a customer left: it
  encodes the label (a leak).

Every value is text, as in the file; :func:`read_messy_csv` reads it back that way.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

#: Name of the shipped file under ``data/``.
FILE_NAME = "messy_customers.csv"

ID_COLUMN = "customer_id"
LABEL_COLUMN = "churned"
#: Columns that hold numbers (some written as text, some missing).
NUMERIC_COLUMNS = ["age", "income", "tenure_months", "monthly_charges", "support_calls", "refund_amount"]
#: Columns that hold categories, with their canonical (lower-case) spellings.
CATEGORIES = {
    "plan": ["basic", "standard", "premium"],
    "region": ["north", "south", "east", "west"],
}
CATEGORICAL_COLUMNS = list(CATEGORIES)
#: Column order of the file.
COLUMNS = [ID_COLUMN, "age", "income", "tenure_months", "monthly_charges", "plan", "region", "support_calls"]
COLUMNS += ["refund_amount", LABEL_COLUMN]

#: Texts that mean "missing" in this export (compared after stripping spaces, ignoring case).
MISSING_TOKENS = ["", "N/A", "NA", "n/a", "?"]
#: The number that means "missing" in numeric columns.
SENTINEL = -999

#: How many rows of each defect the default table holds.
N_EXACT_DUPLICATES = 12
N_RESPELLED_DUPLICATES = 6
N_REREGISTERED = 8


def _latent_table(n: int, rng: np.random.Generator) -> pd.DataFrame:
    """The clean table behind the mess: numbers as numbers, canonical categories."""
    plan = rng.choice(CATEGORIES["plan"], size=n, p=[0.45, 0.35, 0.20])
    base = {"basic": 20.0, "standard": 40.0, "premium": 70.0}
    width = {"basic": 20.0, "standard": 30.0, "premium": 40.0}
    monthly = np.array([base[p] + width[p] * rng.random() for p in plan]).round(2)
    tenure = rng.integers(0, 73, size=n)
    support_calls = rng.poisson(1.5, size=n)
    age = rng.integers(18, 81, size=n)
    logit = -0.3 - 0.045 * tenure + 0.03 * (monthly - 50.0) + 0.45 * (support_calls - 1.5) - 0.01 * (age - 45)
    churned = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(int)
    # The refund is paid when a customer leaves: known only after the label is.
    refund_paid = np.where(churned == 1, rng.random(n) < 0.95, rng.random(n) < 0.03)
    refund = np.where(refund_paid, rng.uniform(5.0, 60.0, size=n).round(2), 0.0)
    return pd.DataFrame(
        {
            ID_COLUMN: [f"C{i:04d}" for i in range(1, n + 1)],
            "age": age,
            "income": (np.exp(rng.normal(10.8, 0.45, size=n)) / 100).round() * 100,
            "tenure_months": tenure,
            "monthly_charges": monthly,
            "plan": plan,
            "region": rng.choice(CATEGORIES["region"], size=n),
            "support_calls": support_calls,
            "refund_amount": refund,
            LABEL_COLUMN: churned,
        }
    )


def _respell(value: str, rng: np.random.Generator) -> str:
    """One of the ways a category gets typed differently."""
    kind = int(rng.integers(0, 4))
    return [value.title(), value.upper(), " " + value, value.title() + " "][kind]


def _as_text(table: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Write the clean table as the messy text export."""
    n = len(table)
    out = pd.DataFrame({ID_COLUMN: table[ID_COLUMN]})

    def pick(share: float) -> np.ndarray:
        return rng.random(n) < share

    age = table["age"].astype(str).to_numpy(dtype=object)
    spaced = pick(0.06)
    age[spaced] = [f" {a} " for a in age[spaced]]
    age[pick(0.04)] = str(SENTINEL)
    age[pick(0.03)] = ""
    out["age"] = age

    income = np.array([f"{v:.0f}" for v in table["income"]], dtype=object)
    thousands = pick(0.30)
    income[thousands] = [f"{v:,.0f}" for v in table["income"][thousands]]
    income[pick(0.05)] = str(SENTINEL)
    income[pick(0.04)] = "N/A"
    out["income"] = income

    tenure = table["tenure_months"].astype(str).to_numpy(dtype=object)
    tenure[pick(0.04)] = "N/A"
    out["tenure_months"] = tenure

    monthly = np.array([f"{v:.2f}" for v in table["monthly_charges"]], dtype=object)
    dollars = pick(0.25)
    monthly[dollars] = ["$" + m for m in monthly[dollars]]
    monthly[pick(0.03)] = ""
    out["monthly_charges"] = monthly

    for column, share_respelled, share_missing, token in (("plan", 0.30, 0.02, "N/A"), ("region", 0.20, 0.03, "")):
        values = table[column].to_numpy(dtype=object).copy()
        respelled = pick(share_respelled)
        values[respelled] = [_respell(v, rng) for v in values[respelled]]
        values[pick(share_missing)] = token
        out[column] = values

    calls = table["support_calls"].astype(str).to_numpy(dtype=object)
    calls[pick(0.03)] = "?"
    out["support_calls"] = calls

    refund = np.array([f"{v:.2f}" if v else "0" for v in table["refund_amount"]], dtype=object)
    paid = (table["refund_amount"] > 0).to_numpy() & pick(0.4)
    refund[paid] = ["$" + r for r in refund[paid]]
    out["refund_amount"] = refund

    out[LABEL_COLUMN] = table[LABEL_COLUMN].astype(str)
    return out[COLUMNS]


def make_messy_customers(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """The messy customer table: ``n`` customers plus duplicated and re-registered rows.

    Every column holds text (``str``), exactly as written to the CSV file. The
    result has ``n + N_EXACT_DUPLICATES + N_RESPELLED_DUPLICATES + N_REREGISTERED``
    rows in shuffled order; the same ``n`` and ``seed`` always give the same table.
    """
    if n < 50:
        raise ValueError(f"n must be at least 50 to hold every defect, got {n}")
    rng = np.random.default_rng(seed)
    table = _latent_table(n, rng)
    text = _as_text(table, rng)

    # Re-registered customers: the same data under a new id. Taken from rows with
    # nothing missing so that they are exact copies on every feature.
    complete = text.index[~text.isin(MISSING_TOKENS + [str(SENTINEL)]).any(axis=1)]
    rereg = text.loc[rng.choice(complete, size=N_REREGISTERED, replace=False)].copy()
    rereg[ID_COLUMN] = [f"C{i:04d}" for i in range(n + 1, n + 1 + N_REREGISTERED)]

    exact = text.loc[rng.choice(n, size=N_EXACT_DUPLICATES, replace=False)].copy()

    respelled = text.loc[rng.choice(n, size=N_RESPELLED_DUPLICATES, replace=False)].copy()
    for column in CATEGORICAL_COLUMNS:
        respelled[column] = [
            _respell(v.strip().lower(), rng) if v.strip() not in MISSING_TOKENS else v for v in respelled[column]
        ]

    messy = pd.concat([text, rereg, exact, respelled], ignore_index=True)
    order = rng.permutation(len(messy))
    return messy.iloc[order].reset_index(drop=True).astype(str)


def write_messy_csv(path: str | Path, n: int = 300, seed: int = 0) -> Path:
    """Write :func:`make_messy_customers` to ``path`` as CSV (no index, ``\\n`` line ends)."""
    path = Path(path)
    make_messy_customers(n=n, seed=seed).to_csv(path, index=False, lineterminator="\n")
    return path


def read_messy_csv(path: str | Path) -> pd.DataFrame:
    """Read the file back with every field as text and nothing guessed missing.

    ``dtype=str`` keeps ``"$49.90"`` and ``"-999"`` as written, and
    ``keep_default_na=False`` keeps ``"N/A"`` and blanks as text, so that the
    cleaning decides what is missing, not the reader.
    """
    return pd.read_csv(path, dtype=str, keep_default_na=False)
