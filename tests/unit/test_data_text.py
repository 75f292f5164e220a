"""mlsys.data.text: seeded reviews whose label needs word order (a bag of words cannot tell)."""

import numpy as np
import pytest

from mlsys.data import text


def test_generator_is_deterministic_for_a_seed_and_varies_across_seeds():
    texts, labels = text.make_reviews(200, seed=3)
    again_texts, again_labels = text.make_reviews(200, seed=3)
    assert texts == again_texts and np.array_equal(labels, again_labels)
    other_texts, _ = text.make_reviews(200, seed=4)
    assert texts != other_texts
    with pytest.raises(ValueError, match="noise"):
        text.make_reviews(10, noise=0.6)
    with pytest.raises(ValueError, match="positive"):
        text.make_reviews(0)


def test_labels_are_the_movie_clause_with_the_promised_noise():
    texts, labels = text.make_reviews(4000, seed=0, noise=0.05)
    clean = np.array([text.clean_label(t) for t in texts])
    assert 0.03 < np.mean(clean != labels) < 0.07, "about 5 % of the labels should be flipped"
    assert 0.45 < clean.mean() < 0.55, "the classes should be balanced"
    clean_texts, clean_labels = text.make_reviews(500, seed=1, noise=0.0)
    assert np.array_equal([text.clean_label(t) for t in clean_texts], clean_labels)


def test_every_sentence_contrasts_two_clauses_and_uses_negation_sometimes():
    texts, _ = text.make_reviews(1000, seed=2, noise=0.0)
    for sentence in texts:
        words = sentence.split()
        assert words.count(text.TARGET) == 1 and sum(w in text.OTHERS for w in words) == 1
        assert sum(w in text.CONNECTIVES for w in words) == 1
        assert len(words) <= text.MAX_LEN
    negated = np.mean([text.NEGATION in t.split() for t in texts])
    assert 0.4 < negated < 0.7, "negation should be common but not everywhere"
    movie_first = np.mean([t.split()[1] == text.TARGET for t in texts])
    assert 0.45 < movie_first < 0.55, "the movie's clause should come first half of the time"


def test_word_order_property_swapping_subjects_keeps_the_bag_and_flips_the_label():
    texts, _ = text.make_reviews(300, seed=5, noise=0.0)
    for sentence in texts:
        words = sentence.split()
        other = next(w for w in words if w in text.OTHERS)
        swapped = " ".join(other if w == text.TARGET else text.TARGET if w == other else w for w in words)
        bags = text.bag_of_words(text.encode([sentence, swapped]))
        assert np.array_equal(bags[0], bags[1]), "swapping the subjects must not change the bag of words"
        assert text.clean_label(swapped) == 1 - text.clean_label(sentence), "swapping the subjects must flip the label"


def test_a_bag_of_words_model_is_at_chance():
    from sklearn.linear_model import LogisticRegression

    texts, labels = text.make_reviews(3000, seed=0, noise=0.0)
    bags = text.bag_of_words(text.encode(texts))
    model = LogisticRegression(max_iter=2000).fit(bags[:2000], labels[:2000])
    assert model.score(bags[2000:], labels[2000:]) < 0.58


def test_encode_decode_round_trip_and_padding():
    texts, _ = text.make_reviews(50, seed=7)
    ids = text.encode(texts)
    assert ids.shape == (50, text.MAX_LEN) and ids.dtype == np.int32
    assert all(text.decode(row) == sentence for row, sentence in zip(ids, texts, strict=True))
    assert text.VOCAB[0] == text.PAD and ids.min() == 0 and ids.max() < len(text.VOCAB)
    bags = text.bag_of_words(ids)
    assert bags.shape == (50, len(text.VOCAB)) and np.all(bags[:, 0] == 0)
    assert np.array_equal(bags.sum(axis=1), [len(t.split()) for t in texts])
    with pytest.raises(ValueError, match="unknown word"):
        text.encode(["the movie was splendid"])
    with pytest.raises(ValueError, match="max_len"):
        text.encode(texts[:1], max_len=3)
