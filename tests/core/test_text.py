"""Character models (rnn_core.text) and the truncated-BPTT trainer, on small random models in float64.

Every quantity is checked against an independent computation: per-step bits against a direct
softmax, input gradients and trainer gradients against finite differences, one training step
against PyTorch, batched analyses against the one-position versions.
"""

import numpy as np
import pytest
import torch  # requirements-test.txt; never an app dependency

from rnn_core import text as tx
from rnn_core.cells import PARAM_NAMES
from rnn_core.ngram import fit_ngram
from rnn_core.readout import softmax
from rnn_core.train import sequence_loss_and_grads, update
from tests.numeric import numeric_gradient

KINDS = ("rnn", "lstm", "gru")
VOCAB = "\n '.ABab[]"


def small(kind, hidden=5, seed=1):
    return tx.char_model(kind, VOCAB, hidden, seed=seed, dtype=np.float64, forget_bias=1.0 if kind == "lstm" else None)


def random_text(length, seed=0):
    return np.random.default_rng(seed).integers(0, len(VOCAB), length)


def test_encode_skips_and_reports_unknown_characters():
    encoded = tx.encode(VOCAB, "Ab\u00e9[x]\U0001F600a\x00b")
    assert tx.decode(VOCAB, encoded.indices) == "Ab[]ab"
    assert list(encoded.kept) == [0, 1, 3, 5, 7, 9]
    assert encoded.unknown == ("\u00e9", "x", "\U0001F600", "\x00") and encoded.skipped == 4
    assert tx.encode(VOCAB, "").length == 0
    assert tx.vocabulary("banana\n") == "\nabn"


def test_one_hot_rows():
    x = tx.one_hot([2, 0], 4)
    np.testing.assert_array_equal(x, [[0, 0, 1, 0], [1, 0, 0, 0]])
    assert tx.one_hot(np.zeros((3, 2), dtype=int), 4).shape == (3, 2, 4)


@pytest.mark.parametrize("kind", KINDS)
def test_text_bits_are_minus_log2_of_each_next_character(kind):
    model = small(kind)
    text = random_text(23)
    trace = tx.states(model, text)
    hs = np.concatenate([np.zeros((1, 5)), trace.h[:-1]])          # h_0 .. h_{N-1}
    direct = -np.log2(softmax(hs @ model.readout.weight.T + model.readout.bias)[np.arange(23), text])
    bits = tx.text_bits(model, [text, text[:9]], chunk=4)          # chunked, and a shorter text beside it
    np.testing.assert_allclose(bits[0], direct, rtol=1e-12)
    np.testing.assert_allclose(bits[1], direct[:9], rtol=1e-12)
    assert tx.bits_per_char(model, [text]) == pytest.approx(direct.mean())
    assert tx.perplexity(2.0) == 4.0


@pytest.mark.parametrize("kind", KINDS)
def test_sampling_is_deterministic_for_a_seed(kind):
    model = small(kind)
    prompt = tx.encode(VOCAB, "Ab a").indices
    first, again = tx.sample(model, prompt, 40, 0.8, seed=7), tx.sample(model, prompt, 40, 0.8, seed=7)
    np.testing.assert_array_equal(first.drawn, again.drawn)
    assert not np.array_equal(first.drawn, tx.sample(model, prompt, 40, 0.8, seed=8).drawn)
    np.testing.assert_allclose(first.probs.sum(axis=1), 1.0)
    # step 1 draws from softmax(y / T) after the prompt; the states are those the draws came from
    h = tx.states(model, prompt).h[-1]
    np.testing.assert_allclose(first.probs[0], softmax((model.readout.weight @ h + model.readout.bias) / 0.8))
    np.testing.assert_allclose(first.states[0], h)
    whole = tx.states(model, np.concatenate([prompt, first.drawn]))
    np.testing.assert_allclose(first.states[1:], whole.h[len(prompt):-1], rtol=1e-12)
    order, top = first.top(5)
    assert np.all(np.diff(top, axis=1) <= 0) and top.shape == (40, 5)
    np.testing.assert_allclose(top[:, 0], first.probs.max(axis=1))


def test_temperature_sharpens_and_flattens():
    logits = np.array([2.0, 1.0, 0.0])
    cold, warm, hot = (tx.tempered(logits, t) for t in (0.25, 1.0, 4.0))
    assert cold[0] > warm[0] > hot[0] > 1 / 3
    with pytest.raises(ValueError):
        tx.sample(small("rnn"), [], 3, temperature=0)


def test_sampling_without_a_prompt_starts_from_the_zero_state():
    model = small("gru")
    s = tx.sample(model, [], 5, 1.0, seed=0)
    np.testing.assert_allclose(s.probs[0], softmax(model.readout.bias))
    np.testing.assert_array_equal(s.states[0], 0.0)


@pytest.mark.parametrize("kind", KINDS)
def test_input_gradients_equal_finite_differences(kind):
    model = small(kind)
    text = random_text(16, seed=2)
    position = 11
    x = tx.one_hot(text, len(VOCAB), np.float64)

    def log_p():
        h = model.cell.unroll(x).h[position - 1]
        return tx.log_probs(model, h)[text[position]]

    numeric = numeric_gradient(log_p, x)
    analytic = tx.input_gradients(model, tx.states(model, text), text, position)
    np.testing.assert_allclose(analytic, numeric[:position], rtol=1e-6, atol=1e-9)
    np.testing.assert_array_equal(numeric[position:], 0.0)     # later characters do not matter
    np.testing.assert_allclose(tx.dependence(model, tx.states(model, text), text, position),
                               np.linalg.norm(numeric[:position], axis=1), rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError):
        tx.input_gradients(model, tx.states(model, text), text, 16)


@pytest.mark.parametrize("kind", KINDS)
def test_dependence_by_distance_equals_one_position_at_a_time(kind):
    model = small(kind)
    text = random_text(40, seed=3)
    trace = tx.states(model, text)
    positions = [8, 21, 39]
    table = tx.dependence_by_distance(model, text, positions, 8, batch=2)
    for row, p in zip(table, positions):
        np.testing.assert_allclose(row, tx.dependence(model, trace, text, p)[::-1][:8], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("kind", KINDS)
def test_context_bits_reset_the_state_k_characters_back(kind):
    model = small(kind)
    text = random_text(40, seed=4)
    positions = [6, 17, 30]
    got = tx.context_bits(model, text, [1, 2, 6], positions, batch=2)
    for value, k in zip(got, [1, 2, 6]):
        manual = [-np.log2(softmax(model.readout.forward(tx.states(model, text[p - k:p]).h[-1])))[text[p]]
                  for p in positions]
        assert value == pytest.approx(np.mean(manual), rel=1e-12)
    # with all the context there is, it is the full model's bits at those positions
    full = tx.text_bits(model, [text])[0]
    assert tx.context_bits(model, text, [6], [6])[0] == pytest.approx(full[6], rel=1e-12)


def test_states_at_positions_read_from_the_start():
    model = small("lstm")
    text = random_text(30, seed=5)
    trace = tx.states(model, text)
    h, c = tx.states_at(model, text, [0, 1, 13, 30], chunk=7)
    np.testing.assert_array_equal(h[0], 0.0)
    np.testing.assert_allclose(h[1:], trace.h[[0, 12, 29]], rtol=1e-12)
    np.testing.assert_allclose(c[1:], trace.c[[0, 12, 29]], rtol=1e-12)


def test_features_of_a_line():
    text = 'AB [x y]\nsay "hi" o\n'
    np.testing.assert_array_equal(tx.feature("inside [brackets]", text),
                                  [0, 0, 0, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    np.testing.assert_array_equal(tx.feature("inside quotes", text),
                                  [0] * 13 + [1, 1, 1, 1] + [0, 0, 0])
    np.testing.assert_array_equal(tx.feature("position in the line", text), list(range(1, 10)) + list(range(1, 12)))
    np.testing.assert_array_equal(tx.feature("after a capital", text)[:4], [0, 1, 1, 0])
    assert tx.feature("vowel", text).sum() == 4 and tx.feature("consonant", text).sum() == 6


def test_correlations_are_pearsons_and_nan_where_nothing_varies():
    rng = np.random.default_rng(0)
    activations = rng.standard_normal((50, 4))
    activations[:, 3] = 1.0
    values = activations[:, 0] * 2 + rng.standard_normal(50) * 0.1
    r = tx.correlations(activations, values)
    for unit in range(3):
        assert r[unit] == pytest.approx(np.corrcoef(activations[:, unit], values)[0, 1])
    assert np.isnan(r[3])
    assert np.all(np.isnan(tx.correlations(activations, np.ones(50))))
    assert list(tx.rank_units(np.array([0.1, -0.9, np.nan, 0.5]), top=4)) == [1, 3, 0, 2]


# ---------------------------------------------------------------- the truncated-BPTT trainer

@pytest.mark.parametrize("kind", KINDS)
def test_sequence_gradients_equal_finite_differences_with_a_carried_state(kind):
    """Loss at every step of a chunk that starts from a carried state: the state is a constant (the cut)."""
    model = small(kind, hidden=4)
    rng = np.random.default_rng(6)
    x = tx.one_hot(rng.integers(0, len(VOCAB), (6, 3)), len(VOCAB), np.float64)
    targets = rng.integers(0, len(VOCAB), (6, 3))
    state = tuple(rng.standard_normal((3, 4)) * 0.5 for _ in range(2 if kind == "lstm" else 1))
    loss, grads, last = sequence_loss_and_grads(model, x, targets, state)
    params = {name: np.array(p) for name, p in model.params.items()}

    def mean_loss():
        m = model.with_params(params)
        h = m.cell.unroll(x, *state).h
        lp = tx.log_probs(m, h)
        return -np.take_along_axis(lp, targets[..., None], axis=-1).mean()

    assert loss == pytest.approx(mean_loss(), rel=1e-12)
    for name, p in params.items():
        np.testing.assert_allclose(grads[name], numeric_gradient(mean_loss, p), rtol=1e-6, atol=1e-9, err_msg=name)
    trace = model.cell.unroll(x, *state)
    np.testing.assert_allclose(last[0], trace.h[-1])
    if kind == "lstm":
        np.testing.assert_allclose(last[1], trace.c[-1])


def test_chunks_read_the_text_in_streams():
    text = np.arange(20)
    chunk = tx.chunk_at(text, np.array([0, 10]), step=1, length=4)
    np.testing.assert_array_equal(chunk[:, 0], [4, 5, 6, 7, 8])
    np.testing.assert_array_equal(chunk[:, 1], [14, 15, 16, 17, 18])
    np.testing.assert_array_equal(tx.chunk_at(text, np.array([18]), 0, 3)[:, 0], [18, 19, 0, 1])


def config(kind, **changes):
    return tx.TextConfig(cell=kind, hidden_size=6, batch_size=3, chunk=5, steps=6, dtype="float64", **changes)


@pytest.mark.parametrize("kind", KINDS)
def test_a_resumed_run_gives_exactly_the_numbers_of_an_unbroken_one(kind):
    text = random_text(200, seed=7)
    run = tx.start_run(config(kind), VOCAB, len(text))
    unbroken = tx.train_text(run, text, 6)
    half = tx.train_text(run, text, 3)
    resumed = tx.run_from_arrays(half.config, {k: np.array(v) for k, v in tx.run_arrays(half).items()})
    resumed = tx.train_text(resumed, text, 3)
    assert resumed.step == unbroken.step == 6
    for name, p in unbroken.model.params.items():
        np.testing.assert_array_equal(resumed.model.params[name], p, err_msg=name)
    for a, b in zip(resumed.state, unbroken.state):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(unbroken.model.cell.weight_hh, run.model.cell.weight_hh)


def test_the_state_is_carried_from_chunk_to_chunk():
    text = random_text(200, seed=8)
    run = tx.start_run(config("gru"), VOCAB, len(text))
    after = tx.train_text(run, text, 1)
    chunk = tx.chunk_at(text, run.offsets, 0, 5)
    expected = run.model.cell.unroll(tx.one_hot(chunk[:-1], len(VOCAB), np.float64), run.state[0]).hs[-1]
    np.testing.assert_allclose(after.state[0], expected)
    second = tx.text_step(after, text)[0]
    chunk = tx.chunk_at(text, run.offsets, 1, 5)
    expected = after.model.cell.unroll(tx.one_hot(chunk[:-1], len(VOCAB), np.float64), after.state[0]).hs[-1]
    np.testing.assert_allclose(second.state[0], expected)


def test_learning_rate_schedule():
    c = tx.TextConfig(steps=100, learning_rate=0.01, decay_start=0.5, final_lr_fraction=0.1)
    assert c.learning_rate_at(1) == c.learning_rate_at(50) == 0.01
    assert c.learning_rate_at(100) == pytest.approx(0.001)
    assert c.learning_rate_at(75) == pytest.approx(0.0055)


def test_training_lowers_the_loss_on_a_repetitive_text():
    text = tx.encode(VOCAB, "AB ab. [ab] " * 40).indices
    run = tx.start_run(tx.TextConfig(cell="lstm", hidden_size=8, batch_size=4, chunk=12, steps=150,
                                     learning_rate=0.02), VOCAB, len(text))
    before = tx.bits_per_char(run.model, [text[:120]])
    after = tx.bits_per_char(tx.train_text(run, text, 150).model, [text[:120]])
    assert before > 3.0 and after < 0.5


@pytest.mark.parametrize("kind", KINDS)
def test_one_update_equals_pytorch(kind):
    """Carried state, loss at every step averaged, clip_grad_norm_, torch.optim.Adam: the same parameters."""
    text = random_text(300, seed=9)
    cfg = config(kind, learning_rate=0.01, clip=0.05)
    run = tx.train_text(tx.start_run(cfg, VOCAB, len(text)), text, 2)      # a carried state that is not zero
    chunk = tx.chunk_at(text, run.offsets, run.step, cfg.chunk)
    module = {"rnn": torch.nn.RNN, "lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[kind](len(VOCAB), 6).double()
    readout = torch.nn.Linear(6, len(VOCAB)).double()
    with torch.no_grad():
        for name in PARAM_NAMES:
            getattr(module, f"{name}_l0").copy_(torch.from_numpy(np.array(run.model.cell.params[name])))
        readout.weight.copy_(torch.from_numpy(np.array(run.model.readout.weight)))
        readout.bias.copy_(torch.from_numpy(np.array(run.model.readout.bias)))
    parameters = list(module.parameters()) + list(readout.parameters())
    optimizer = torch.optim.Adam(parameters, lr=cfg.learning_rate_at(run.step + 1))
    for name, p in zip([f"cell.{n}" for n in PARAM_NAMES] + ["readout.weight", "readout.bias"], parameters):
        optimizer.state[p] = {"step": torch.tensor(float(run.optimizer.step), dtype=torch.float64),
                              "exp_avg": torch.from_numpy(np.array(run.optimizer.m[name])),
                              "exp_avg_sq": torch.from_numpy(np.array(run.optimizer.v[name]))}
    carried = tuple(torch.from_numpy(np.array(s))[None] for s in run.state)
    out, _ = module(torch.from_numpy(tx.one_hot(chunk[:-1], len(VOCAB), np.float64)),
                    carried if kind == "lstm" else carried[0])
    loss = torch.nn.functional.cross_entropy(readout(out).reshape(-1, len(VOCAB)),
                                             torch.from_numpy(chunk[1:].reshape(-1)))
    loss.backward()
    norm = torch.nn.utils.clip_grad_norm_(parameters, cfg.clip)
    optimizer.step()
    after, ours, our_norm = tx.text_step(run, text)
    assert ours == pytest.approx(loss.item(), rel=1e-12)
    assert our_norm == pytest.approx(norm.item(), rel=1e-10) and our_norm > cfg.clip   # clipping was active
    for name, p in zip([f"cell.{n}" for n in PARAM_NAMES] + ["readout.weight", "readout.bias"], parameters):
        np.testing.assert_allclose(after.model.params[name], p.detach().numpy(), rtol=1e-9, atol=1e-12, err_msg=name)


def test_update_is_the_memory_labs_clip_and_adam():
    from rnn_core.clipping import clip_by_norm
    from rnn_core.optim import adam_init, adam_step
    params = {"a": np.array([1.0, -2.0])}
    grads = {"a": np.array([3.0, 4.0])}
    c = tx.TextConfig(clip=1.0, learning_rate=0.1)
    new, state, norm = update(params, grads, adam_init(params), c)
    expected, _ = adam_step(params, clip_by_norm(grads, 1.0)[0], adam_init(params), 0.1)
    np.testing.assert_array_equal(new["a"], expected["a"])
    assert norm == 5.0 and state.step == 1


# ---------------------------------------------------------------- files

def test_save_and_load_in_the_courses_format(tmp_path):
    model = small("lstm")
    path = tmp_path / "m.npz"
    tx.save_char_model(path, model)
    with np.load(path) as arrays:
        assert sorted(arrays.files) == sorted(tx.FILE_KEYS)
        assert arrays["weight_ih"].shape == (20, len(VOCAB)) and arrays["readout_weight"].shape == (len(VOCAB), 5)
    loaded = tx.load_char_model(path)
    assert loaded.vocab == VOCAB and loaded.kind == "lstm"
    for name, p in model.params.items():
        np.testing.assert_array_equal(loaded.params[name], p)
    # vocab as an array of one-character strings is read too; a GRU is told apart by its 3 blocks
    arrays = dict(tx.model_arrays(small("gru")), vocab=np.array(list(VOCAB)))
    assert tx.model_from_arrays(arrays).kind == "gru" and tx.model_from_arrays(arrays).vocab == VOCAB
    with pytest.raises(ValueError):
        tx.model_from_arrays(dict(arrays, readout_bias=np.zeros(3)))


# ---------------------------------------------------------------- n-grams

def test_witten_bell_probabilities_sum_to_one_and_match_a_hand_count():
    text = tx.encode(VOCAB, "ab ab aa. ba\n").indices
    model = fit_ngram(text, 3, len(VOCAB))
    for history in ("ab", "zz"[:0] + "a.", "\n\n"):
        h = tx.encode(VOCAB, history).indices
        total = sum(model.probabilities(np.concatenate([h, [c]]))[-1] for c in range(len(VOCAB)))
        assert total == pytest.approx(1.0)
    # unigram: C(a) = 5 of N = 13 characters, 5 distinct seen: (5 + 5/10) / (13 + 5)
    a, b = VOCAB.index("a"), VOCAB.index("b")
    assert model.unigram[a] == pytest.approx((5 + 5 / 10) / 18)
    # p2(b | a): C(ab) = 2, C(a) = 5 followed by something, N1+(a) = 3 distinct (b, ' '... ) -> (2 + 3 p1(b)) / (5 + 3)
    p = model.probabilities(np.array([a, b]))[1]
    followers = {text[k + 1] for k in range(len(text) - 1) if text[k] == a}
    count_a = sum(1 for k in range(len(text) - 1) if text[k] == a)
    assert p == pytest.approx((2 + len(followers) * model.unigram[b]) / (count_a + len(followers)))


@pytest.mark.parametrize("kind", KINDS)
def test_a_window_of_dependence_is_the_end_of_the_full_one(kind):
    model = small(kind)
    text = random_text(30, seed=10)
    trace = tx.states(model, text)
    full = tx.dependence(model, trace, text, 25)
    history = tx.state_history(model, text)
    np.testing.assert_allclose(history[0][1:], trace.h)
    np.testing.assert_array_equal(history[0][0], 0.0)
    np.testing.assert_allclose(tx.dependence_window(model, text, 25, 8, history), full[-8:], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(tx.dependence_window(model, text, 5, 8, history), tx.dependence(model, trace, text, 5),
                               rtol=1e-10, atol=1e-14)


def test_context_needed_is_where_more_context_stops_helping():
    ks = [1, 2, 4, 8, 16]
    assert tx.context_needed(ks, [5.0, 3.0, 2.5, 2.405, 2.40]) == 8
    assert tx.context_needed(ks, [5.0, 3.0, 2.5, 2.42, 2.40]) == 16
    assert tx.context_needed(ks, [2.0, 3.0, 4.0, 5.0, 6.0]) == 1


def test_text_traits_count_lines_speakers_directions_and_words():
    text = "ROMEO.\nBut soft! [Aside.] what light\n\nFIRST WITCH.\nROMEO. hm\n[Exit"
    traits = tx.text_traits(text)
    assert traits["line_breaks"] == 5
    assert traits["speaker_lines"] == 2             # "ROMEO." and "FIRST WITCH." alone on a line; not "ROMEO. hm"
    assert traits["stage_directions"] == 1          # "[Exit" is not closed
    words = ["ROMEO", "But", "soft", "Aside", "what", "light", "FIRST", "WITCH", "ROMEO", "hm", "Exit"]
    assert traits["words"] == len(words)
    assert traits["mean_word_length"] == pytest.approx(np.mean([len(w) for w in words]))
    assert tx.text_traits("...\n")["mean_word_length"] is None


def test_sample_certainty_counts_the_top_bar_of_every_step():
    vocab = "ab \n"
    probs = np.array([[0.95, 0.05, 0, 0], [0.4, 0.3, 0.3, 0], [0.6, 0.2, 0.1, 0.1], [0.25, 0.25, 0.25, 0.25]])
    sample = tx.Sample(prompt=np.array([0, 2]), drawn=np.array([0, 3, 1, 0]), probs=probs, states=np.zeros((4, 1)),
                       temperature=1.0, seed=0)
    sure = tx.sample_certainty(vocab, sample)
    np.testing.assert_allclose(sure["top"], [0.95, 0.4, 0.6, 0.25])
    # step 1 reads the prompt's last character ' ', step 2 reads 'a', step 3 '\n', step 4 'b'
    assert list(sure["after_break"]) == [True, False, True, False]
    assert sure["n_sure"] == 1 and sure["n_unsure"] == 2
    assert sure["mean_after"] == pytest.approx((0.95 + 0.6) / 2) and sure["mean_other"] == pytest.approx(0.325)
    no_prompt = tx.sample_certainty(vocab, tx.Sample(np.array([], dtype=np.int64), sample.drawn, probs,
                                                     sample.states, 1.0, 0))
    assert list(no_prompt["after_break"]) == [False, False, True, False]


def test_whole_words_and_known_punctuation():
    assert tx.whole_words("[Knocking.] K") == "[Knocking.]"
    assert tx.whole_words("remember m") == "remember"
    assert tx.whole_words("done.") == "done." and tx.whole_words("word") == "word" and tx.whole_words("") == ""
    assert tx.known_punctuation("\n !\"&'()*,-./0123456789:;?ABCabc[]") == "!\"&'()*,-./:;?[]"


def test_the_shipped_vocabulary_is_what_the_skipped_note_says():
    """The lesson's note: the models know A-Z, a-z, 0-9, the space, the newline and the listed marks (and no more)."""
    import json
    import string

    from app.course import REPO_ROOT
    vocab = json.loads((REPO_ROOT / "data" / "text_lab.json").read_text())["corpus"]["vocab"]
    marks = tx.known_punctuation(vocab)
    assert sorted(vocab) == sorted(string.ascii_letters + string.digits + " \n" + marks)
    assert not set("<>$%#+=\u2014\u201c") & set(vocab)
