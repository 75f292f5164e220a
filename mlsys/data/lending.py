"""A synthetic lending data set with a sensitive attribute (assignment 03).

Each row is a loan application: ``income`` (thousands per year), ``debt_ratio``
(monthly debt over monthly income), ``years_employed``, the applicant's
``group`` ("A" or "B", the sensitive attribute) and the historical decision
``approved`` (1 or 0), and ``repaid`` (1 or 0): whether the applicant would
have repaid the loan, the outcome the lender cares about. The decisions are
biased on purpose: at equal income, debt and employment, applicants of group B
were approved less often, and group B also has a lower income on average, so
income is a proxy for the group. ``repaid`` depends on the same finances and
not on the group: it is the unbiased outcome against which equal opportunity is
measured. (In real lending data it is only observed for approved loans, the
selective-labels problem; a synthetic data set can show it for everyone.)

The course ships the output of :func:`make_lending` as ``data/lending.csv``;
``python -m mlsys.data.lending`` writes it again, and a unit test checks that
the generator still produces the shipped file byte for byte.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from mlsys.data import DATA_DIR, data_file

#: Name of the shipped file under ``data/``.
LENDING_FILE = "lending.csv"
#: Rows and seed of the shipped file.
LENDING_ROWS = 1000
LENDING_SEED = 3

#: Column order; ``approved`` is the (biased) historical label, ``repaid`` the true outcome, ``group`` the
#: sensitive attribute.
COLUMNS = ["income", "debt_ratio", "years_employed", "group", "approved", "repaid"]


def make_lending(n_rows: int = LENDING_ROWS, seed: int = LENDING_SEED) -> pd.DataFrame:
    """Generate ``n_rows`` loan applications with biased historical decisions and the true outcome.

    Deterministic for a given ``seed``. About 35 % of the applicants are in
    group B. Values are rounded (income to 0.1, debt ratio to 0.001) so that a
    CSV round trip reproduces them exactly.
    """
    if n_rows < 1:
        raise ValueError(f"n_rows must be at least 1, got {n_rows}")
    rng = np.random.default_rng(seed)
    is_b = rng.random(n_rows) < 0.35
    income = np.round(np.exp(rng.normal(np.where(is_b, 3.55, 3.75), 0.35)), 1)
    debt_ratio = np.round(np.clip(rng.beta(2.0, 5.0, n_rows) + 0.04 * is_b, 0.0, 0.95), 3)
    years_employed = rng.integers(0, 26, n_rows)
    # The historical decision: creditworthiness, minus a penalty for group B (the bias).
    logit = -1.0 + 0.05 * (income - 40.0) - 4.0 * (debt_ratio - 0.3) + 0.06 * (years_employed - 10) - 1.0 * is_b
    approved = (rng.random(n_rows) < 1.0 / (1.0 + np.exp(-logit))).astype(np.int64)
    # The true outcome: the same finances, no group penalty (drawn last, so the other columns stay as they were).
    merit = 0.6 + 0.05 * (income - 40.0) - 4.0 * (debt_ratio - 0.3) + 0.06 * (years_employed - 10)
    repaid = (rng.random(n_rows) < 1.0 / (1.0 + np.exp(-merit))).astype(np.int64)
    return pd.DataFrame(
        {
            "income": income,
            "debt_ratio": debt_ratio,
            "years_employed": years_employed.astype(np.int64),
            "group": np.where(is_b, "B", "A"),
            "approved": approved,
            "repaid": repaid,
        },
        columns=COLUMNS,
    )


def lending_csv_text(frame: pd.DataFrame) -> str:
    """The CSV text of a lending frame exactly as the shipped file stores it."""
    return frame.to_csv(index=False, lineterminator="\n")


def load_lending() -> pd.DataFrame:
    """Read the shipped ``data/lending.csv`` (1,000 rows, columns :data:`COLUMNS`)."""
    return pd.read_csv(data_file(LENDING_FILE))


def write_lending(path: Path | None = None) -> Path:
    """Write the shipped file (by default ``data/lending.csv``) from the generator."""
    target = Path(path) if path is not None else DATA_DIR / LENDING_FILE
    target.write_text(lending_csv_text(make_lending()), encoding="utf-8")
    return target


if __name__ == "__main__":
    print(f"wrote {write_lending()}")
