"""The "let's meet for ___" task: structure, seeds, the held-out stream, typed sentences."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rnn_core import tasks
from rnn_core.tasks import (CONTEXTS, FILLERS, MEALS, PROMPT, VOCAB, UnknownWordError, decode, encode,
                            sample_batch, stream, held_out_set, training_batches)


def test_vocabulary_sizes_match_the_lesson():
    assert len(CONTEXTS) == len(MEALS) == 4
    assert len(FILLERS) == 12
    assert len(VOCAB) == len(set(VOCAB)) == 4 + 12 + 3
    assert tasks.CHANCE == 0.25


@pytest.mark.parametrize("gap", [0, 1, 7, 60])
def test_sentences_have_the_stated_structure(gap):
    batch = sample_batch(np.random.default_rng(3), gap, 50)
    assert batch.tokens.shape == (50, gap + 4)
    assert batch.gap == gap
    words = [[VOCAB[k] for k in row] for row in batch.tokens]
    for row, target in zip(words, batch.targets):
        assert row[0] in CONTEXTS
        assert all(w in FILLERS for w in row[1:1 + gap])
        assert tuple(row[-3:]) == PROMPT == ("let's", "meet", "for")
        assert MEALS[target] == {"morning": "breakfast", "afternoon": "lunch",
                                 "evening": "dinner", "break": "coffee"}[row[0]]


def test_inputs_are_one_hot_time_first():
    batch = sample_batch(np.random.default_rng(0), 5, 8)
    assert batch.x.shape == (9, 8, len(VOCAB))
    np.testing.assert_array_equal(batch.x.sum(axis=2), 1.0)
    np.testing.assert_array_equal(batch.x.argmax(axis=2), batch.tokens.T)
    assert sample_batch(np.random.default_rng(0), 5, 8, np.float32).x.dtype == np.float32


def test_contexts_and_fillers_are_roughly_uniform():
    batch = sample_batch(np.random.default_rng(1), 20, 4000)
    context_counts = np.bincount(batch.targets, minlength=4) / 4000
    filler_counts = np.bincount(batch.tokens[:, 1:-3].ravel() - 4, minlength=12) / (4000 * 20)
    np.testing.assert_allclose(context_counts, 0.25, atol=0.03)
    np.testing.assert_allclose(filler_counts, 1 / 12, atol=0.01)


def test_same_seed_same_batches_other_seed_other_batches():
    a, b, c = training_batches(4, 10, 16), training_batches(4, 10, 16), training_batches(5, 10, 16)
    for _ in range(3):
        x, y, z = next(a), next(b), next(c)
        np.testing.assert_array_equal(x.tokens, y.tokens)
        assert not np.array_equal(x.tokens, z.tokens)


def test_held_out_set_comes_from_its_own_stream():
    held_out = held_out_set(seed=2, gap=20, size=256)
    np.testing.assert_array_equal(held_out.tokens, sample_batch(stream(2, tasks.TEST_STREAM), 20, 256).tokens)
    train = np.concatenate([next(b).tokens for b in [training_batches(2, 20, 256)] for _ in range(40)])
    assert not np.array_equal(train[:256], held_out.tokens)
    # 12^20 filler patterns: sharing a draw is the only way a sentence could repeat
    assert not set(map(tuple, held_out.tokens)) & set(map(tuple, train))
    # the two streams are different children of the same SeedSequence
    train_state = stream(2, tasks.TRAIN_STREAM).bit_generator.state["state"]["state"]
    test_state = stream(2, tasks.TEST_STREAM).bit_generator.state["state"]["state"]
    assert train_state != test_state


def test_held_out_set_does_not_depend_on_how_much_was_trained():
    np.testing.assert_array_equal(held_out_set(0, 5, 64).tokens, held_out_set(0, 5, 64).tokens)
    batches = training_batches(0, 5, 64)
    for _ in range(5):
        next(batches)
    np.testing.assert_array_equal(held_out_set(0, 5, 64).tokens, held_out_set(0, 5, 64).tokens)


@pytest.mark.parametrize("gap", [-1, 101])
def test_gap_out_of_range_is_refused(gap):
    with pytest.raises(ValueError, match="gap"):
        sample_batch(np.random.default_rng(0), gap, 4)


def test_encode_reads_a_typed_sentence():
    tokens = encode("Morning, so we could talk. Let’s MEET for")
    assert decode(tokens) == "morning so we could talk let's meet for"
    assert tokens[0] == VOCAB.index("morning")


@pytest.mark.parametrize("text, bad", [("morning let's meet for pizza", "pizza"),
                                       ("breakfast let's meet for", "breakfast"),
                                       ("<script>alert(1)</script>", "script")])
def test_unknown_words_get_a_message_listing_the_vocabulary(text, bad):
    with pytest.raises(UnknownWordError) as error:
        encode(text)
    message = str(error.value)
    assert repr(bad) in message
    assert all(word in message for word in VOCAB)


def test_empty_sentence_is_refused_with_the_vocabulary():
    with pytest.raises(UnknownWordError, match="at least one word"):
        encode("  ?! ")


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, len(VOCAB) - 1), min_size=1, max_size=30))
def test_encode_inverts_decode(tokens):
    np.testing.assert_array_equal(encode(decode(tokens)), tokens)


def test_example_sentence_is_in_the_vocabulary():
    sentence = tasks.example_sentence("evening", gap=6)
    tokens = encode(sentence)
    assert len(tokens) == 1 + 6 + 3 and VOCAB[tokens[0]] == "evening"
