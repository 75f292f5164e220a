"""Synthetic review sentences whose label needs word order and negation (assignment 10).

No text corpus ships offline, so this module writes one. Every sentence compares
the movie with one other thing, in two clauses of opposite sentiment::

    the movie was not good but the book was great      -> 0 (negative about the movie)
    the food was dull while the movie was not bad      -> 1 (positive about the movie)

The label is the sentiment **about the movie**: the polarity of the adjective in
the movie's clause, flipped by a ``not`` in front of it. Swapping the two subjects
gives the same bag of words and the opposite label, so a bag-of-words model
cannot beat chance (50 %); a model must read which adjective, and which ``not``,
belongs to the movie. :func:`make_reviews` flips a small share of the labels
(label noise), as real annotations would have.

:func:`encode` turns sentences into padded integer ids (0 is padding) for an
``Embedding`` layer; :func:`clean_label` reads the noise-free label back from a
sentence, which the unit tests use to check the word-order property.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

#: The subject every label is about.
TARGET = "movie"
#: The other subjects a sentence compares the movie with.
OTHERS = ("book", "food", "music", "hotel", "weather")
POSITIVE = ("good", "great", "fun", "excellent")
NEGATIVE = ("bad", "boring", "awful", "dull")
CONNECTIVES = ("but", "while", "whereas")
NEGATION = "not"
#: Padding token; its id is 0, as ``Embedding(mask_zero=True)`` expects.
PAD = "<pad>"
#: Id 0 is padding, then every word in sorted order.
VOCAB: tuple[str, ...] = (PAD, *sorted({"the", "was", NEGATION, TARGET, *OTHERS, *POSITIVE, *NEGATIVE, *CONNECTIVES}))
WORD_TO_ID: dict[str, int] = {word: i for i, word in enumerate(VOCAB)}
#: Longest sentence: two clauses "the X was not ADJ" and a connective.
MAX_LEN = 11
#: Share of clauses with a "not" in front of the adjective.
P_NEGATION = 0.35


def _clause(rng: np.random.Generator, subject: str, positive: bool) -> str:
    """'the SUBJECT was [not] ADJ' whose overall sentiment is ``positive``."""
    negated = bool(rng.random() < P_NEGATION)
    # "not" flips the adjective: a positive clause with "not" needs a negative adjective
    adjectives = POSITIVE if positive != negated else NEGATIVE
    adjective = adjectives[int(rng.integers(len(adjectives)))]
    return f"the {subject} was {NEGATION + ' ' if negated else ''}{adjective}"


def make_reviews(n: int = 2000, seed: int = 0, noise: float = 0.05) -> tuple[list[str], np.ndarray]:
    """``n`` sentences and their labels (1: positive about the movie), deterministic for ``seed``.

    The movie's clause comes first or second at random, its sentiment is positive
    half of the time, and the other clause always has the opposite sentiment.
    A share ``noise`` of the labels is flipped at random (0 gives clean labels).
    """
    if n < 1:
        raise ValueError(f"n must be a positive number of sentences, got {n}")
    if not 0.0 <= noise < 0.5:
        raise ValueError(f"noise is the share of flipped labels, in [0, 0.5); got {noise}")
    rng = np.random.default_rng(seed)
    texts: list[str] = []
    labels = np.empty(n, dtype=np.int64)
    for i in range(n):
        movie_positive = bool(rng.random() < 0.5)
        other = OTHERS[int(rng.integers(len(OTHERS)))]
        movie_clause = _clause(rng, TARGET, movie_positive)
        other_clause = _clause(rng, other, not movie_positive)
        connective = CONNECTIVES[int(rng.integers(len(CONNECTIVES)))]
        first, second = (movie_clause, other_clause) if rng.random() < 0.5 else (other_clause, movie_clause)
        texts.append(f"{first} {connective} {second}")
        labels[i] = int(movie_positive)
    flip = rng.random(n) < noise
    labels[flip] = 1 - labels[flip]
    return texts, labels


def clean_label(text: str) -> int:
    """The noise-free label of a generated sentence: 1 if its movie clause is positive."""
    words = text.split()
    if TARGET not in words:
        raise ValueError(f"not a generated review (no {TARGET!r}): {text!r}")
    start = words.index(TARGET)
    negated = words[start + 2] == NEGATION
    adjective = words[start + 3] if negated else words[start + 2]
    if adjective not in POSITIVE and adjective not in NEGATIVE:
        raise ValueError(f"not a generated review (no adjective after {TARGET!r}): {text!r}")
    return int((adjective in POSITIVE) != negated)


def encode(texts: Sequence[str], max_len: int = MAX_LEN) -> np.ndarray:
    """Integer ids of shape ``(len(texts), max_len)``, int32, padded with 0 at the end."""
    ids = np.zeros((len(texts), max_len), dtype=np.int32)
    for row, text in enumerate(texts):
        words = text.split()
        if len(words) > max_len:
            raise ValueError(f"sentence {row} has {len(words)} words; max_len is {max_len}")
        for col, word in enumerate(words):
            if word not in WORD_TO_ID:
                raise ValueError(f"unknown word {word!r} in sentence {row}; the vocabulary is text.VOCAB")
            ids[row, col] = WORD_TO_ID[word]
    return ids


def decode(ids: Sequence[int] | np.ndarray) -> str:
    """The sentence of one row of ids, padding dropped."""
    return " ".join(VOCAB[int(i)] for i in np.asarray(ids).ravel() if int(i) != 0)


def bag_of_words(ids: np.ndarray) -> np.ndarray:
    """Word counts of shape ``(n, len(VOCAB))`` (float32), padding not counted: order thrown away."""
    ids = np.asarray(ids)
    counts = np.zeros((len(ids), len(VOCAB)), dtype=np.float32)
    rows = np.repeat(np.arange(len(ids)), ids.shape[1])
    np.add.at(counts, (rows, ids.ravel()), 1.0)
    counts[:, 0] = 0.0
    return counts
