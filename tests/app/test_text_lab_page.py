"""Lesson 8 (text lab) through AppTest: every part at its defaults and at extreme settings, the numbers on
screen equal rnn_core's, typed text of any kind (never rendered as Markdown or HTML), the PyTorch program."""

import contextlib
import io
import json

import numpy as np
import pytest

from app.course import REPO_ROOT, page_for
from app.figures.gradients import fmt_number
from app.figures.text_lab import shown_char
from rnn_core import text as tx
from tests.app.helpers import (assert_ran_cleanly, check_section_tabs, figures, link_notes, plotly_array,
                               run_lesson)

LESSON = page_for("pages/8_text_lab.py")
PARTS = ["Write", "Watch it learn", "Inside the units", "What a prediction depends on", "How much context is used"]
WRITE, LEARN, UNITS, DEPENDS, CONTEXT = PARTS
KINDS = ("rnn", "lstm", "gru")
OWN = "Your own text"
RESULTS = json.loads((REPO_ROOT / "data" / "text_lab.json").read_text())
PASSAGES = json.loads((REPO_ROOT / "data" / "text_lab_passages.json").read_text())["passages"]
SHOWN = [tx.whole_words(p["text"]) for p in PASSAGES]   # the passages as the page shows them (no cut last word)
# Typed text a student (or a link) might send: empty, long, emoji, other scripts, control characters, markup.
MARKUP = ("**pwn1** [pwn2](javascript:alert(1)) <script>alert('pwn3')</script> <img src=x onerror=alert('pwn4')> "
          "$\\href{https://evil.example}{pwn5}$ :red[pwn6] ![pwn7](https://evil.example/x.png) `pwn8`")
HOSTILE = {"empty": "", "long": "To be, or not to be. " * 500, "emoji": "\U0001F3AD\U0001F600 O Romeo \U0001F339",
           "scripts": "\u041f\u0440\u0438\u0432\u0435\u0442 \u4f60\u597d \u0645\u0631\u062d\u0628\u0627 ROMEO.",
           "control": "ROMEO.\x00\x01\x1b[31m\r\n\tBut soft\u202e!", "markup": MARKUP}
MARKERS = [f"pwn{k}" for k in range(1, 9)]


@pytest.fixture(scope="module")
def models():
    return {kind: tx.load_char_model(REPO_ROOT / "models" / f"char_{kind}.npz") for kind in KINDS}


def part(name, **params):
    at = run_lesson(LESSON, {"tl_part": name, **params}, timeout=120)
    assert_ran_cleanly(at)
    return at


def prose(at):
    """Everything rendered as Markdown or shown as a message (not code blocks, not the typed widget values)."""
    kinds = ("markdown", "caption", "info", "warning", "success", "error", "subheader", "title", "header")
    return " ".join(str(e.value) for kind in kinds for e in at.get(kind))


def test_parts_are_tabs_and_only_the_open_one_runs():
    check_section_tabs(LESSON, PARTS, [1, 1, 2, 2, 1], "<b>Write</b>")


def test_write_shows_the_three_samples_and_the_step_of_the_core(models):
    at = part(WRITE)
    prompt = at.text_area(key="tl_prompt").value
    assert prompt == "ROMEO.\n"
    vocab = models["lstm"].vocab
    samples = {kind: tx.sample(m, tx.encode(vocab, prompt).indices, 200, 1.0, seed=0) for kind, m in models.items()}
    codes = [c.value.rstrip() for c in at.code]
    for kind in KINDS:
        assert (prompt + tx.decode(vocab, samples[kind].drawn)).rstrip() in codes
    (step_chart,) = figures(at)
    order, probs = samples["lstm"].top(5)
    strip, bars, grid = step_chart["data"]
    assert strip["text"][0] == [shown_char(ch) for ch in prompt + vocab[samples["lstm"].drawn[0]]]
    np.testing.assert_allclose(plotly_array(bars["x"]), probs[0], rtol=1e-9)
    assert bars["y"] == [repr(shown_char(vocab[i])) for i in order[0]]
    np.testing.assert_allclose(plotly_array(grid["z"]).ravel()[:models["lstm"].hidden_size],
                               samples["lstm"].states[0], rtol=1e-6)
    drawn = vocab[samples["lstm"].drawn[0]]
    p = samples["lstm"].probs[0, samples["lstm"].drawn[0]]
    assert f"the draw picked {shown_char(drawn)!r}, which had {p:.1%}" in prose(at)


@pytest.mark.parametrize("params", [
    {"tl_temp": "0.1", "tl_length": "400", "tl_step": "400", "tl_seed": "2147483647", "tl_cell": "RNN (tanh)"},
    {"tl_temp": "2", "tl_length": "20", "tl_step": "20", "tl_cell": "GRU"},
])
def test_write_at_extreme_settings(params, models):
    at = part(WRITE, **params)
    length = int(params["tl_length"])
    assert at.slider(key="tl_step").value == length
    (step_chart,) = figures(at)
    assert f"step {length}" in step_chart["layout"]["title"]["text"]
    vocab = models["lstm"].vocab
    prompt = tx.encode(vocab, "ROMEO.\n").indices
    temperature, seed = float(params["tl_temp"]), int(params.get("tl_seed", 0))
    expected = ["ROMEO.\n" + tx.decode(vocab, tx.sample(models[kind], prompt, length, temperature, seed).drawn)
                for kind in KINDS]
    assert [c.value.rstrip() for c in at.code[:3]] == [text.rstrip() for text in expected]  # st.code may drop a
    # final newline
    kind = {"RNN (tanh)": "rnn", "GRU": "gru"}[params["tl_cell"]]
    sample = tx.sample(models[kind], prompt, length, temperature, seed)
    sure = tx.sample_certainty(vocab, sample)
    said = prose(at)
    assert (f"at temperature $\\tau = {temperature:g}$ the top bar takes 90% or more at {sure['n_sure']} of them and "
            f"less than half at {sure['n_unsure']}.") in said
    if sure["mean_after"] is not None and sure["mean_other"] is not None:
        assert f"Right after a space or a newline the top bar has {sure['mean_after']:.0%} on average" in said
    (_, bars, _), top = step_chart["data"], sure["top"][length - 1]
    assert plotly_array(bars["x"])[0] == pytest.approx(top)                  # the top bar is the one counted


def test_the_certainty_sentence_holds_at_the_temperature_extremes(models):
    """The reader's finding: "one bar takes nearly everything ... after a space the probability spreads out" was
    true at temperature 1 only. The counts now come from the shown probabilities: at 0.1 most steps are sure, at
    2 none is, and the sentence says so."""
    vocab = models["lstm"].vocab
    prompt = tx.encode(vocab, "ROMEO.\n").indices
    low = tx.sample_certainty(vocab, tx.sample(models["lstm"], prompt, 200, 0.1, 0))
    high = tx.sample_certainty(vocab, tx.sample(models["lstm"], prompt, 200, 2.0, 0))
    assert low["n_sure"] > 150 and high["n_sure"] < 10 and high["n_unsure"] > 150
    for temperature, sure in ((0.1, low), (2.0, high)):
        said = prose(part(WRITE, tl_temp=str(temperature)))
        assert f"90% or more at {sure['n_sure']} of them and less than half at {sure['n_unsure']}" in said


def test_predict_then_move_the_temperature():
    at = part(WRITE)
    at.radio(key="tl_predict_temperature").set_value(1).run()  # B: it rises
    assert any("Now set the temperature to 0.5" in i.value for i in at.info)
    at.slider(key="tl_temp").set_value(0.5).run()
    assert_ran_cleanly(at)
    [agrees] = [s.value for s in at.success if "the figure agrees" in s.value]
    low, one = (float(v.rstrip("%;.")) for v in agrees.split("gives it ")[1].split()[:1] +
                agrees.split("character ")[1].split()[:1])
    assert low > one


def test_show_code_runs_in_pytorch_and_gives_the_models_states(models):
    at = part(WRITE)
    at.toggle(key="show_code").set_value(True).run()
    assert_ran_cleanly(at)
    program = next(c.value for c in at.code if c.value.startswith("import torch\nimport numpy as np"))
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(program, "<snippet>", "exec"), namespace)
    text = namespace["text"]
    model = tx.load_char_model(REPO_ROOT / "models" / "char_lstm.npz", dtype=np.float64)
    np.testing.assert_allclose(namespace["output"].detach().numpy(),
                               tx.states(model, tx.encode(model.vocab, text).indices).h, atol=1e-9)


def test_watch_it_learn_draws_the_stored_losses_and_samples():
    at = part(LEARN)
    (curves,) = figures(at)
    for trace, kind in zip(curves["data"], KINDS):
        stored = RESULTS["models"][kind]
        x = list(plotly_array(trace["customdata"]).astype(int))
        y = plotly_array(trace["y"])
        assert y[x.index(100)] == pytest.approx(stored["checkpoints"]["100"]["held_out"]["total"])
        assert y[-1] == pytest.approx(stored["held_out"]["total"])
    codes = [c.value.rstrip() for c in at.code]
    assert codes == [RESULTS["models"][kind]["checkpoints"]["100"]["samples"]["1.0"].rstrip() for kind in KINDS]
    before = part(LEARN, tl_checkpoint="0 (before training)", tl_learn_temp="0.5")
    untrained = [RESULTS["models"][k]["checkpoints"]["0"]["samples"]["0.5"].rstrip() for k in KINDS]
    assert [c.value.rstrip() for c in before.code] == untrained
    assert "After 0 updates" in prose(before)


@pytest.mark.parametrize("checkpoint, temperature", [("0 (before training)", "0.5"), ("100", "1"), ("10,000", "1")])
def test_the_samples_paragraph_counts_what_the_shown_samples_have(checkpoint, temperature):
    """The paragraph under the samples says what the samples of the chosen checkpoint have, counted from the very
    texts shown above it (it described 100 and 500 updates whatever the checkpoint before)."""
    at = part(LEARN, tl_checkpoint=checkpoint, tl_learn_temp=temperature)
    shown = [c.value for c in at.code]
    traits = [tx.text_traits(text) for text in shown]
    said = prose(at)
    step = int(checkpoint.split()[0].replace(",", ""))
    stored = [RESULTS["models"][k]["final_samples" if step == 10000 else "checkpoints"] for k in KINDS]
    expected = [(s if step == 10000 else s[str(step)]["samples"])[str(float(temperature))] for s in stored]
    assert [t.rstrip() for t in shown] == [t.rstrip() for t in expected]
    traits = [tx.text_traits(text) for text in expected]
    names = ("RNN (tanh)", "LSTM", "GRU")
    assert f"Counted in these samples (after {step:,} updates, temperature {float(temperature):g}): line breaks " \
        + ", ".join(f"{n} {t['line_breaks']}" for n, t in zip(names, traits)) in said
    assert "stage directions in [brackets]: " + ", ".join(
        f"{n} {t['stage_directions']}" for n, t in zip(names, traits)) in said
    assert "(\"ROMEO.\"): " + ", ".join(f"{n} {t['speaker_lines']}" for n, t in zip(names, traits)) in said


def test_inside_the_units_colours_the_text_by_the_core_states_and_finds_the_best_unit(models):
    at = part(UNITS, tl_unit="5")
    activation, finder = figures(at)
    text = SHOWN[0]
    h = tx.states(models["lstm"], tx.encode(models["lstm"].vocab, text).indices).h
    z = plotly_array(activation["data"][0]["z"])
    where = plotly_array(activation["data"][0]["customdata"]).astype(int)
    np.testing.assert_allclose(z[where > 0], h[where[where > 0] - 1, 4], rtol=1e-6)
    values = tx.feature("inside [brackets]", text)
    r = tx.correlations(h, values)
    best = int(tx.rank_units(r, top=1)[0]) + 1
    lstm_bars = finder["data"][1]
    assert int(plotly_array(lstm_bars["customdata"])[0]) == best
    assert plotly_array(lstm_bars["y"])[0] == pytest.approx(r[best - 1], rel=1e-6)
    [button] = [b for b in at.button if b.key == "tl_best"]
    button.click().run()
    assert_ran_cleanly(at)
    assert at.slider(key="tl_unit").value == best
    assert f"Unit {best} of the LSTM, character by character" in [s.value for s in at.subheader]


def test_a_feature_that_does_not_vary_says_so():
    at = part(UNITS, tl_feature="inside quotes")  # the first passage has no quotes
    assert len(figures(at)) == 1
    assert "Nothing in this text changes *inside quotes*" in prose(at)


def test_what_a_prediction_depends_on_draws_the_gradients_of_the_core(models):
    at = part(DEPENDS)
    text = SHOWN[0]
    position = at.slider(key="tl_pos").value
    assert text[position] == "]"                      # the default asks about a closing bracket
    grid, distance = figures(at)
    for trace, kind in zip(grid["data"], KINDS):
        model = models[kind]
        indices = tx.encode(model.vocab, text).indices
        sizes = tx.dependence_window(model, indices, position, 120, tx.state_history(model, indices))
        where = plotly_array(trace["customdata"]).astype(int)
        z = plotly_array(trace["z"])
        np.testing.assert_allclose(z[where > 0], (sizes / sizes.max())[where[where > 0] - where[where > 0].min()],
                                   rtol=1e-5, atol=1e-7)
    for trace, kind in zip(distance["data"], KINDS):
        np.testing.assert_allclose(plotly_array(trace["y"]), RESULTS["models"][kind]["dependence_mean"])
    d = at.slider(key="tl_back").value
    assert plotly_array(distance["data"][0]["x"])[0] == 0               # d = 0 is x_t, the character just read
    means = {kind: RESULTS["models"][kind]["dependence_mean"][d] for kind in ("rnn", "lstm")}
    ratio = means["lstm"] / means["rnn"]
    assert d == 50 and f"At $d = 50$ the average is {fmt_number(means['rnn'])} for the RNN" in prose(at)
    assert f"the LSTM's is {float(f'{ratio:.3g}'):,.0f} times the RNN's" in prose(at)
    x = plotly_array(distance["data"][1]["x"])
    assert plotly_array(distance["data"][1]["y"])[list(x).index(d)] == pytest.approx(means["lstm"])  # the marked d
    just_read = prose(part(DEPENDS, tl_back="0"))
    assert "At $d = 0$ (the character just read)" in just_read and "At $d = 0$ the ratios" not in just_read
    far = part(DEPENDS, tl_back="300")                                  # clamped to the largest d, 255
    assert far.slider(key="tl_back").value == 255
    means = {kind: RESULTS["models"][kind]["dependence_mean"][255] for kind in ("rnn", "lstm")}
    power = round(float(np.log10(means["lstm"] / means["rnn"])))
    assert power > 6 and f"the LSTM's is about $10^{{{power}}}$ times the RNN's" in prose(far)


def test_how_much_context_draws_the_stored_curves_and_the_table():
    at = part(CONTEXT, tl_k="4")
    (chart,) = figures(at)
    for trace, kind in zip(chart["data"], KINDS):
        np.testing.assert_allclose(plotly_array(trace["y"]), RESULTS["models"][kind]["context_bits"])
    k4 = RESULTS["context_ks"].index(4)
    said = prose(at)
    assert f"With k = 4: RNN {RESULTS['models']['rnn']['context_bits'][k4]:.2f}" in said
    assert f"| LSTM | {RESULTS['models']['lstm']['held_out']['total']:.3f} |" in said
    needed = {kind: tx.context_needed(RESULTS["context_ks"], RESULTS["models"][kind]["context_bits"]) for kind in KINDS}
    full = {kind: RESULTS["models"][kind]["full_context_bits"] for kind in KINDS}
    whole = {kind: RESULTS["models"][kind]["held_out"]["total"] for kind in KINDS}
    assert [shape["y0"] for shape in chart["layout"]["shapes"][:3]] == [full[k] for k in KINDS]   # dash-dot lines
    assert (f"RNN {full['rnn']:.2f}, LSTM {full['lstm']:.2f}, GRU {full['gru']:.2f} at these positions, against "
            f"{whole['rnn']:.2f}, {whole['lstm']:.2f} and {whole['gru']:.2f} over every character") in said
    assert "bits per character at the 2,048 scored positions" == chart["layout"]["yaxis"]["title"]["text"]
    assert all(full[k] > whole[k] for k in KINDS) and "these positions are harder than average" in said
    gated = min(RESULTS["models"]["lstm"]["context_bits"][-1], RESULTS["models"]["gru"]["context_bits"][-1])
    behind = RESULTS["models"]["rnn"]["context_bits"][-1] - gated
    assert (f"the RNN is {behind:.2f} bits behind the better gated cell at these positions; over all of both plays, "
            f"reading everything, it is {whole['rnn'] - min(whole['lstm'], whole['gru']):.2f} behind") in said
    three = RESULTS["ngrams"]["3"]
    diamonds = next(t for t in chart["data"] if t["name"] == "n-gram (Witten-Bell)")
    assert plotly_array(diamonds["y"])[list(plotly_array(diamonds["x"])).index(2)] == pytest.approx(
        three["at_positions"])
    assert f"the trigram {three['at_positions']:.2f} here and {three['held_out']:.2f} over all of both plays" in said
    assert needed == {"rnn": 16, "lstm": 48, "gru": 48}  # the shipped models; one phrase when the two agree
    assert (f"More than {needed['rnn']} characters no longer help the RNN (it stays within 0.01 bits of its best), "
            f"while the LSTM and the GRU keep gaining up to {needed['lstm']}:") in said


def test_predict_then_move_k_to_the_largest_context():
    at = part(CONTEXT)
    assert at.select_slider(key="tl_k").value == 16
    ks = RESULTS["context_ks"]
    gain = {kind: RESULTS["models"][kind]["context_bits"][ks.index(16)] - RESULTS["models"][kind]["context_bits"][-1]
            for kind in KINDS}
    best = KINDS.index(max(gain, key=gain.get))
    at.radio(key="tl_predict_context").set_value(best).run()
    assert any(f"Now move k to {ks[-1]}" in i.value for i in at.info)
    assert not at.success
    at.select_slider(key="tl_k").set_value(ks[-1]).run()
    assert_ran_cleanly(at)
    [agrees] = [s.value for s in at.success if "the figure agrees" in s.value]
    assert f"the RNN gains {gain['rnn']:.3f} bits per character, the LSTM {gain['lstm']:.3f}" in agrees
    (chart,) = figures(at)  # the curves the student reads the answer from: the same numbers
    for trace, kind in zip(chart["data"], KINDS):
        y = plotly_array(trace["y"])
        assert y[ks.index(16)] - y[-1] == pytest.approx(gain[kind])
    assert best == 2  # the shipped models: the GRU gains most (0.147 bits), the RNN least (0.007)


def test_caches_are_bounded_and_shared():
    """Every cached result of the page is bounded (max_entries); the passages' states are st.cache_data,
    computed once per server for every student."""
    import ast
    tree = ast.parse((REPO_ROOT / "pages" / "8_text_lab.py").read_text())
    decorated = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            for d in node.decorator_list:
                if isinstance(d, ast.Call) and getattr(d.func, "attr", "") in ("cache_data", "cache_resource"):
                    decorated[node.name] = (d.func.attr, {k.arg: ast.literal_eval(k.value) for k in d.keywords})
    assert {"passage_states", "attribution", "written"} <= set(decorated)
    assert decorated["passage_states"][0] == "cache_data"
    assert all(0 < kw.get("max_entries", 0) <= 512 for _, kw in decorated.values()), decorated


@pytest.mark.parametrize("case", list(HOSTILE))
def test_any_typed_prompt_is_read_safely(case, models):
    at = part(WRITE)
    at.text_area(key="tl_prompt").input(HOSTILE[case]).run()
    assert_ran_cleanly(at)
    typed = HOSTILE[case]
    said = prose(at)
    assert not [m for m in MARKERS if m in said]                     # typed markup is never rendered
    known = tx.encode(models["lstm"].vocab, typed[:500])
    if len(typed) > 500:
        assert f"Your prompt has {len(typed):,} characters; the models read the first 500." in said
    if known.skipped:
        kinds = len(known.unknown)
        different = ("" if known.skipped == 1 else f" ({kinds} different)" if kinds > 1 else " (all the same one)")
        assert f"{known.skipped:,} character{'s' if known.skipped != 1 else ''}{different} of your prompt" in said
        marks = tx.known_punctuation(models["lstm"].vocab)
        assert f"these marks: `{' '.join(marks)}`" in said and "<" not in marks and "$" not in marks
        assert all(f"U+{ord(ch):04X}" in said for ch in known.unknown[:12])
    prompt = tx.decode(models["lstm"].vocab, known.indices)
    samples = [c.value for c in at.code if not c.value.startswith("skipped: ")][:3]
    assert len(samples) == 3 and all(sample.startswith(prompt) for sample in samples)
    assert len(figures(at)) == 1


@pytest.mark.parametrize("case", list(HOSTILE))
def test_any_typed_text_is_analysed_safely(case, models):
    typed = HOSTILE[case]
    for name in (UNITS, DEPENDS):
        at = part(name, tl_passage=OWN, tl_text=typed)
        said = prose(at)
        assert not [m for m in MARKERS if m in said]
        known = tx.encode(models["lstm"].vocab, typed[:2000])
        if len(typed) > 2000:
            assert f"Your text has {len(typed):,} characters; the models read the first 2,000." in said
        charts = figures(at)
        if known.length < 2:
            assert "Type at least two characters" in said
            assert len(charts) == (0 if name == UNITS else 1)   # the held-out average stays
            continue
        shown = [c for chart in charts for trace in chart["data"] if trace.get("texttemplate") for row in trace["text"]
                 for c in row]
        assert all(len(c) <= 1 for c in shown)                   # one character per cell
        if name == UNITS:
            where = plotly_array(charts[0]["data"][0]["customdata"])
            assert int(where.max()) == known.length


def test_hostile_links_for_the_typed_and_chosen_values():
    at = run_lesson(LESSON, {"tl_part": UNITS, "tl_passage": "<script>pwn9</script>", "tl_unit": "1e9",
                             "tl_feature": "**pwn10**", "tl_cell": "transformer", "tl_k": "nan"})
    assert_ran_cleanly(at)
    assert at.slider(key="tl_unit").value == at.slider(key="tl_unit").max
    notes = " ".join(link_notes(at))
    assert "pwn9" not in notes and "pwn10" not in notes and "Text" in notes
    assert "pwn" not in prose(at)
