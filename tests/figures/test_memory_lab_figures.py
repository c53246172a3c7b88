"""The memory-lab figures draw exactly the numbers the trainer computed."""

import numpy as np
import pytest
from plotly.subplots import make_subplots

from app.figures.memory_lab import (CELL_COLORS, accuracy_vs_gap, lab_gate_heatmaps, memory_unit_figure,
                                    next_word_bars, scores_by_gap, training_curves, word_ticks)
from rnn_core import memory, tasks
from rnn_core.train import TrainConfig, context_traces, init_model, predict, sentence_trace, train
from tests.figures.specs import validated


@pytest.fixture(scope="module")
def runs():
    base = TrainConfig(gap=3, hidden_size=6, steps=40, batch_size=16, eval_every=10, test_size=64,
                       target_accuracy=None)
    return {kind: train(base.replace(cell=kind)) for kind in ("rnn", "lstm", "gru")}


def test_training_curves_carry_each_runs_history(runs):
    histories = {kind: {"steps": r.eval_steps, "loss": r.eval_losses, "accuracy": r.test_accuracies}
                 for kind, r in runs.items()}
    fig = training_curves(histories, steps=40, chance=tasks.CHANCE, target=0.95)
    lines = [t for t in fig.data if t.type == "scatter"]
    assert len(lines) == 6
    for k, (kind, r) in enumerate(runs.items()):
        loss, accuracy = lines[2 * k], lines[2 * k + 1]
        np.testing.assert_array_equal(loss.x, r.eval_steps)
        np.testing.assert_allclose(loss.y, r.eval_losses)
        np.testing.assert_allclose(accuracy.y, r.test_accuracies)
        assert loss.line.color == accuracy.line.color == CELL_COLORS[kind]
        assert loss.xaxis == "x" and accuracy.xaxis == "x2"
    assert list(fig.layout.xaxis.range) == [0, 40 * 1.02]
    guess = [s for s in fig.layout.shapes if s.yref == "y"][0]
    assert guess.y0 == pytest.approx(np.log(4))
    assert all("markers" in line.mode for line in lines)      # a run scored once still shows a point
    assert fig.layout.yaxis2.side == "right"                  # its percentages away from the left panel
    assert fig.layout.xaxis.title.text == "update (minibatch)"


def test_next_word_bars_show_the_models_probabilities(runs):
    tokens = tasks.encode("morning so we talk let's meet for")
    probs = {kind: predict(r.model, tokens) for kind, r in runs.items()}
    fig = next_word_bars(probs, tasks.MEALS, chance=tasks.CHANCE)
    assert [bar.name for bar in fig.data] == ["RNN (tanh)", "LSTM", "GRU"]
    for bar, p in zip(fig.data, probs.values()):
        assert list(bar.x) == list(tasks.MEALS)
        np.testing.assert_allclose(bar.y, p, rtol=1e-6)
        assert bar.text[int(np.argmax(p))] == f"{p.max():.0%}"


def test_accuracy_vs_gap_draws_stored_curves_and_live_points():
    gaps = [0, 10, 20]
    acc = {"rnn": [1.0, 0.5, 0.25], "lstm": [1.0, 1.0, 0.98]}
    fig = accuracy_vs_gap(gaps, acc, chance=0.25, live={"lstm": (10, 0.97)})
    assert list(fig.data[0].x) == gaps and list(fig.data[0].y) == acc["rnn"]
    assert list(fig.data[1].y) == acc["lstm"]
    live = fig.data[2]
    assert list(live.x) == [10] and list(live.y) == [0.97] and live.marker.line.color == CELL_COLORS["lstm"]
    assert fig.layout.shapes[0].y0 == 0.25


def test_accuracy_vs_gap_up_to_the_longest_gap_shown_marks_the_gaps_still_to_come():
    gaps = [0, 10, 20, 30]
    acc = {"rnn": [1.0, 0.5, 0.25, 0.2], "lstm_b0": [1.0, 1.0, 0.3, 0.25]}
    fig = accuracy_vs_gap(gaps, acc, chance=0.25, shown=10)
    assert list(fig.data[0].x) == [0, 10] and list(fig.data[0].y) == [1.0, 0.5]
    assert fig.data[1].name == "LSTM, b_f = 0" and list(fig.data[1].y) == [1.0, 1.0]
    band = fig.layout.shapes[0]
    assert (band.type, band.x0, band.x1) == ("rect", 15, 33)
    assert "gaps 20 to 30" in fig.layout.annotations[-1].text
    full = accuracy_vs_gap(gaps, acc, chance=0.25, shown=30)
    assert len(full.layout.shapes) == 1 and list(full.data[0].x) == gaps


def test_scores_by_gap_draw_the_held_out_scores_and_the_typed_sentence(runs):
    gaps = (0, 3, 6)
    scores = {kind: memory.held_out_scores(r.model, 0, gaps, 32) for kind, r in runs.items()}
    tokens = tasks.encode("evening so we could talk let's meet for")
    p = {kind: float(predict(r.model, tokens)[tasks.MEALS.index("dinner")]) for kind, r in runs.items()}
    fig = scores_by_gap(gaps, {k: s.accuracy for k, s in scores.items()}, {k: s.confidence for k, s in scores.items()},
                        trained_gap=3, chance=tasks.CHANCE, typed={kind: (4, v) for kind, v in p.items()})
    for k, (kind, s) in enumerate(scores.items()):
        accuracy, confidence = fig.data[2 * k], fig.data[2 * k + 1]
        assert list(accuracy.y) == list(s.accuracy) and list(confidence.y) == list(s.confidence)
        assert (accuracy.xaxis, confidence.xaxis) == ("x", "x2")
        typed = fig.data[6 + k]
        assert list(typed.x) == [4] and typed.y[0] == pytest.approx(p[kind]) and typed.xaxis == "x2"
    trained = [shape for shape in fig.layout.shapes if shape.x0 == 3 and shape.x1 == 3]
    assert len(trained) == 2
    assert fig.layout.yaxis2.side == "right"


def test_next_word_bars_name_the_right_meal():
    fig = next_word_bars({"lstm": [0.1, 0.7, 0.1, 0.1]}, tasks.MEALS, chance=tasks.CHANCE, right=1)
    assert list(fig.data[0].x) == ["breakfast", "lunch (right)", "dinner", "coffee"]


def test_memory_unit_figure_plots_the_cell_state_per_context_and_the_forget_gate():
    model = init_model("lstm", 4, seed=0, forget_bias=3.0)
    tokens = tasks.encode("afternoon so we could talk let's meet for")
    words = tasks.decode(tokens).split()
    traces = context_traces(model, tokens)
    unit = 2
    states = {word: trace.c[:, unit] for word, trace in traces.items()}
    forget = sentence_trace(model, tokens).gates["f"][:, unit]
    fig = memory_unit_figure(words, states, forget, unit)
    for line, (word, c) in zip(fig.data[:4], states.items()):
        assert word in line.name
        np.testing.assert_allclose(line.y, c, rtol=1e-6)
    np.testing.assert_allclose(fig.data[4].y, forget, rtol=1e-6)
    assert list(fig.layout.xaxis2.ticktext) == words
    # the afternoon variant is the typed sentence itself
    np.testing.assert_allclose(states["afternoon"], sentence_trace(model, tokens).c[:, unit])


def test_subplots_are_laid_out_as_make_subplots_lays_them_out():
    curves = training_curves({"lstm": {"steps": [25], "loss": [1.0], "accuracy": [0.5]}}, steps=50, chance=0.25)
    unit = memory_unit_figure(["a", "b"], {"a": [0.1, 0.2]}, [0.5, 0.6], unit=3)
    expected = [
        (curves, make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                               subplot_titles=("Training loss", "Held-out accuracy"))),
        (unit, make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.62, 0.38], vertical_spacing=0.12,
                             subplot_titles=("cell state c of unit 3", "forget gate f of unit 3"))),
    ]
    for fig, grid in expected:
        for axis in ("xaxis", "yaxis", "xaxis2", "yaxis2"):
            assert fig.layout[axis].domain == grid.layout[axis].domain
            assert fig.layout[axis].anchor == grid.layout[axis].anchor
        assert fig.layout.annotations[:2] == grid.layout.annotations
    assert unit.layout.xaxis.matches == "x2"


def test_a_long_sentence_names_every_kth_word_and_a_short_one_every_word():
    words = tasks.example_sentence("morning", 60, 0).split()
    ticks, labels = word_ticks(words)
    assert len(ticks) <= 17 and ticks[0] == 1 and ticks[-1] == 64 and labels == [words[t - 1] for t in ticks]
    assert word_ticks(words[:15]) == (list(range(1, 16)), words[:15])
    model = init_model("lstm", 4, seed=0, forget_bias=3.0)
    tokens = tasks.encode(" ".join(words))
    fig = memory_unit_figure(words, {w: t.c[:, 0] for w, t in context_traces(model, tokens).items()},
                             sentence_trace(model, tokens).gates["f"][:, 0], 1)
    assert list(fig.layout.xaxis2.tickvals) == ticks
    assert fig.layout.legend.yref == "container" and fig.layout.legend.y == 1   # on top, seen with the lines


def test_lab_gate_heatmaps_count_from_one_in_one_column_and_say_where_the_cell_states_colour_stops():
    model = init_model("lstm", 5, seed=1, forget_bias=3.0)
    tokens = tasks.encode("evening " + "so we could talk " * 5 + "let's meet for")
    words = tasks.decode(tokens).split()
    trace = sentence_trace(model, tokens)
    T = len(words)
    fig = lab_gate_heatmaps(trace, ["i", "f", "o", "c"], unit=3, step=T - 1, labels=words)
    maps = [d for d in fig.data if d.type == "heatmap"]
    for heatmap, name in zip(maps, "ifoc"):
        assert list(heatmap.x) == list(range(1, T + 1)) and list(heatmap.y) == [1, 2, 3, 4, 5]
        values = trace.c if name == "c" else trace.gates[name]
        np.testing.assert_allclose(np.asarray(heatmap.customdata, dtype=float), values.T, rtol=1e-6)
    for outline in fig.layout.shapes:                          # unit j = 4 at the last step t = T
        assert (outline.x0 + outline.x1) / 2 == T and (outline.y0 + outline.y1) / 2 == 4
    domains = [fig.layout[f"xaxis{'' if k == 0 else k + 1}"].domain for k in range(4)]
    assert all(list(d) == [0, 1] for d in domains)
    c_title = next(a.text for a in fig.layout.annotations if a.text.startswith("c: cell state"))
    low, high = float(trace.c.min()), float(trace.c.max())
    if max(-low, high) > 1:
        assert f"from {low:+.2f} to {high:+.2f}".replace("-", "−") in c_title and "colour stops at −1" in c_title
    else:
        assert "−1 blue" in c_title


def test_the_cell_states_title_gives_its_range_when_it_goes_past_one():
    class Trace:   # a made-up trace whose cell state reaches 7: the title says so
        c = np.array([[0.0, 7.07], [-4.51, 0.5]])
        h = np.tanh(c)
        gates = {name: np.full((2, 2), 0.5) for name in "ifgo"}
    fig = lab_gate_heatmaps(Trace, ["f", "c"], unit=1, step=1, labels=["morning", "for"])
    title = next(a.text for a in fig.layout.annotations if a.text.startswith("c: cell state"))
    assert title.startswith("c: cell state, from −4.51 to +7.07") and "colour stops at −1 blue and +1 vermilion" in title


@pytest.mark.parametrize("steps, hidden, sentence", [   # lesson 7: default settings, and the largest ones
    (1500, 32, "afternoon so we could talk let's meet for"),
    (2000, 64, "morning " + "so we could talk " * 25 + "let's meet for"),
])
def test_every_figure_passes_plotlys_validation_unchanged(steps, hidden, sentence):
    """The builders skip Plotly's property checks for speed; their figures pass them and come out the same."""
    kinds = ("rnn", "lstm", "gru")
    evals = list(range(25, steps + 1, 25))
    histories = {kind: {"steps": evals, "loss": list(np.geomspace(1.4, 0.01 * (k + 1), len(evals))),
                        "accuracy": list(np.linspace(0.25, 1.0, len(evals)))} for k, kind in enumerate(kinds)}
    tokens = tasks.encode(sentence)
    words = tasks.decode(tokens).split()
    models = {kind: init_model(kind, hidden, seed=0) for kind in kinds}
    traces = context_traces(models["lstm"], tokens)
    unit = hidden - 1
    figures = {
        "curves": training_curves(histories, steps=steps, chance=tasks.CHANCE, target=0.95),
        "curves, no target": training_curves(histories, steps=steps, chance=tasks.CHANCE),
        "next word": next_word_bars({kind: predict(m, tokens) for kind, m in models.items()}, tasks.MEALS,
                                    chance=tasks.CHANCE, right=0),
        "gap": accuracy_vs_gap(list(range(0, 101, 10)), {kind: [0.5] * 11 for kind in kinds}, chance=tasks.CHANCE,
                               live={kind: (50, 0.75) for kind in kinds}),
        "gap shown to 20": accuracy_vs_gap(list(range(0, 101, 10)), {kind: [0.5] * 11 for kind in (*kinds, "lstm_b0")},
                                           chance=tasks.CHANCE, shown=20),
        "scores": scores_by_gap(list(range(0, 101, 10)), {kind: [0.5] * 11 for kind in kinds},
                                {kind: [0.4] * 11 for kind in kinds}, trained_gap=60, chance=tasks.CHANCE,
                                typed={kind: (len(tokens) - 4, 0.3) for kind in kinds}),
        "unit": memory_unit_figure(words, {w: t.c[:, unit] for w, t in traces.items()},
                                   sentence_trace(models["lstm"], tokens).gates["f"][:, unit], unit),
        "gates": lab_gate_heatmaps(sentence_trace(models["lstm"], tokens), ["i", "f", "o", "c"], unit=unit,
                                   step=len(words) - 1, labels=words),
    }
    for name, fig in figures.items():
        checked = validated(fig)                 # raises on any misspelt property or invalid value
        assert checked.to_dict() == fig.to_dict(), name
