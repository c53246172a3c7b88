"""The text-lab figures draw exactly the numbers rnn_core.text computed, one character per cell."""

import numpy as np
import pytest

from app.figures.memory_lab import CELL_COLORS
from app.figures.text_lab import (NEWLINE, WRAP, activation_text, context_curves, correlation_bars,
                                  dependence_by_distance, dependence_text, learning_curves, sampling_step_figure,
                                  shown_char, text_grid)
from rnn_core import text as tx
from tests.figures.specs import validated

VOCAB = "\n !'.:;?ABEIMORSTabdefghilmnorstuwy[]<>&*_`#"
KINDS = ("rnn", "lstm", "gru")
TEXT = "[Enter ROMEO]\nROMEO.\nBut soft! what light? <b>&amp;</b> *x* `y` #z\n" + "a" * 70


@pytest.fixture(scope="module")
def models():
    return {kind: tx.char_model(kind, VOCAB, 6, seed=3, dtype=np.float64) for kind in KINDS}


def cells(trace):
    """{1-based position: (row, column, value, text)} of a character-grid heatmap trace."""
    z, text, where = np.array(trace.z, dtype=float), trace.text, np.array(trace.customdata)
    return {int(where[r][c]): (r, c, z[r][c], text[r][c]) for r in range(z.shape[0]) for c in range(z.shape[1])
            if where[r][c] > 0}


def test_text_grid_breaks_at_newlines_and_wraps_long_lines():
    rows, cols = text_grid("ab\ncd" + "x" * 80)
    assert list(rows[:6]) == [0, 0, 0, 1, 1, 1] and list(cols[:6]) == [0, 1, 2, 0, 1, 2]
    assert rows[-1] == 2 and cols[-1] == 82 - WRAP - 1  # "cd" and 80 x: WRAP of them on row 2, the rest on row 3
    assert shown_char("\n") == NEWLINE and shown_char("\x07") == "\u00b7" and shown_char("<") == "<"


def test_activation_text_colours_each_character_by_its_unit(models):
    model = models["lstm"]
    indices = tx.encode(VOCAB, TEXT).indices
    text = tx.decode(VOCAB, indices)
    h = tx.states(model, indices).h[:, 2]
    fig = activation_text(text, h, unit=3, cell="lstm")
    found = cells(fig.data[0])
    assert len(found) == len(text)
    for position, ch in enumerate(text, start=1):
        r, c, value, shown = found[position]
        assert shown == shown_char(ch) and len(shown) == 1        # one character per cell: no markup can form
        assert value == pytest.approx(h[position - 1])
    assert fig.data[0].zmid == 0 and fig.data[0].zmax == -fig.data[0].zmin >= 1
    assert "unit 3" in fig.layout.title.text
    assert fig.data[0].colorbar.title.text == "unit 3 of h<sub>t</sub>"         # not h[3]: code counts from 0


def test_dependence_text_draws_each_cells_gradient_as_a_share_of_its_largest(models):
    indices = tx.encode(VOCAB, TEXT).indices
    text = tx.decode(VOCAB, indices)
    position, window = 40, 25
    sizes, probs = {}, {}
    for kind, model in models.items():
        history = tx.state_history(model, indices)
        sizes[kind] = tx.dependence_window(model, indices, position, window, history)
        probs[kind] = float(np.exp(tx.log_probs(model, history[0][position])[indices[position]]))
    first = position - window + 1
    fig = dependence_text(text[first - 1:position], sizes, first=first, position=position,
                          next_char=text[position], probabilities=probs)
    assert len(fig.data) == 3
    for trace, kind in zip(fig.data, KINDS):
        found = cells(trace)
        assert sorted(found) == list(range(first, position + 1))
        np.testing.assert_allclose([found[p][2] for p in sorted(found)], sizes[kind] / sizes[kind].max())
        assert trace.xaxis == ("x" if kind == "rnn" else f"x{KINDS.index(kind) + 1}")
    titles = [a.text for a in fig.layout.annotations]
    assert all(f"= {probs[kind]:.2f}" in title for title, kind in zip(titles, KINDS))


def test_sampling_step_figure_shows_the_text_so_far_the_top_five_and_the_state(models):
    model = models["gru"]
    prompt = "ROMEO.\n"
    sample = tx.sample(model, tx.encode(VOCAB, prompt).indices, 12, 0.7, seed=1)
    order, probs = sample.top(5)
    step = 4
    chars = [VOCAB[i] for i in order[step - 1]]
    drawn = VOCAB[sample.drawn[step - 1]]
    context = prompt + tx.decode(VOCAB, sample.drawn[:step - 1])
    fig = sampling_step_figure(context, len(prompt), chars, probs[step - 1], drawn, sample.states[step - 1],
                               cell="gru", step=step, temperature=0.7)
    strip, bars, grid = fig.data
    assert strip.text[0] == [shown_char(ch) for ch in context + drawn]
    assert list(strip.z[0]) == [0.0] * len(prompt) + [0.45] * (step - 1) + [1.0]   # prompt, drawn, this step
    assert strip.customdata[0][-1] == f"drawn at step {step}" and strip.customdata[0][0] == "prompt"
    np.testing.assert_allclose(bars.x, probs[step - 1])
    assert list(bars.y) == [repr(shown_char(ch)) for ch in chars]
    np.testing.assert_allclose(np.ravel(grid.z)[:6], sample.states[step - 1])
    assert list(np.ravel(grid.customdata)[:6]) == [1, 2, 3, 4, 5, 6]          # units counted from 1
    assert [c == "#AA3377" for c in bars.marker.color] == [ch == drawn for ch in chars]
    assert list(strip.x) == list(range(len(context) + 1))                       # from the left
    assert "unit 1 top left, row by row" in " ".join(a.text for a in fig.layout.annotations)
    assert "grey: prompt" in fig.layout.annotations[0].text                    # the key to the strip's colours
    long = sampling_step_figure("x" * 100, 100, chars, probs[0], "y", sample.states[0], cell="gru", step=1,
                                temperature=1.0, shown=48)
    assert len(long.data[0].text[0]) == 48 and long.data[0].text[0][-1] == "y"
    assert long.data[0].text[0][0] == "\u2026" and long.data[0].text[0][1] == "x"   # earlier characters left out


def test_learning_curves_context_curves_distance_and_correlations():
    evaluations = {"rnn": {"steps": [0, 100, 1000], "bits": [6.3, 3.1, 2.5]},
                   "lstm": {"steps": [0, 100, 1000], "bits": [6.4, 3.5, 2.2]}}
    fig = learning_curves(evaluations, checkpoint=100, ngrams={"3-gram": 3.06})
    assert list(fig.data[0].x) == [1, 100, 1000] and list(fig.data[0].customdata) == [0, 100, 1000]
    assert list(fig.data[1].y) == [6.4, 3.5, 2.2] and fig.data[1].line.color == CELL_COLORS["lstm"]
    assert fig.layout.shapes[0].y0 == 3.06 and fig.layout.shapes[-1].x0 == 100

    ks = [1, 2, 4, 8]
    bits = {"rnn": [3.3, 2.9, 2.6, 2.5], "gru": [3.3, 2.8, 2.4, 2.3]}
    fig = context_curves(ks, bits, {"rnn": 2.45, "gru": 2.2}, ngrams={3: 3.0, 5: 2.5}, marked=4)
    assert list(fig.data[1].y) == bits["gru"]
    ngram = fig.data[2]
    assert list(ngram.x) == [2, 4] and list(ngram.text) == ["3-gram", "5-gram"]
    orders = {n: 3.0 - 0.1 * n for n in range(2, 8)}
    named = next(t for t in context_curves(ks, bits, {"rnn": 2.45}, ngrams=orders).data
                 if t.name == "n-gram (Witten-Bell)")
    assert list(named.text) == ["2-gram", "3-gram", "", "5-gram", "", ""]           # neighbours left unnamed
    assert list(named.customdata) == [f"{n}-gram" for n in range(2, 8)]             # hover names them all
    assert [s.y0 for s in fig.layout.shapes[:2]] == [2.45, 2.2] and fig.layout.shapes[0].line.dash == "dashdot"
    assert "everything read" in [t.name for t in fig.data]                     # the dash-dot lines' legend entry
    ks = [1, 4, 16, 64, 256]
    bits = {"rnn": [4.0, 3.0, 2.46, 2.45, 2.45], "lstm": [4.0, 3.0, 2.46, 2.37, 2.36]}
    fig = context_curves(ks, bits, {"rnn": 2.45, "lstm": 2.37}, marked=64, positions=2048)
    assert fig.layout.yaxis.title.text == "bits per character at the 2,048 scored positions"
    zoom = [t for t in fig.data if t.yaxis == "y2"]
    assert [list(t.x) for t in zoom] == [[16, 64, 256]] * 2 and list(zoom[1].y) == [2.46, 2.37, 2.36]
    assert fig.layout.yaxis2.range[0] < 2.36 and fig.layout.yaxis2.range[1] > 2.46
    assert fig.layout.yaxis2.range[1] - fig.layout.yaxis2.range[0] < 0.2        # a zoom: a tenth of a bit fills it

    fig = dependence_by_distance([1, 2, 3], {"lstm": [1.0, 0.5, 0.25]}, marked=2)
    assert list(fig.data[0].y) == [1.0, 0.5, 0.25] and fig.layout.yaxis.type == "log"

    r = {"rnn": np.array([0.1, -0.8, 0.3]), "gru": np.array([0.9, 0.0, np.nan])}
    ranked = {kind: [int(u) + 1 for u in tx.rank_units(values, top=2)] for kind, values in r.items()}
    fig = correlation_bars(r, ranked, feature="vowel")
    assert list(fig.data[0].customdata) == [2, 3] and list(fig.data[0].y) == [-0.8, 0.3]
    assert list(fig.data[1].customdata) == [1, 2] and list(fig.data[1].y) == [0.9, 0.0]


def test_every_figure_passes_plotlys_validation_unchanged(models):
    """The builders skip Plotly's property checks for speed; their figures pass them and come out the same."""
    indices = tx.encode(VOCAB, TEXT).indices
    text = tx.decode(VOCAB, indices)
    model = models["lstm"]
    history = tx.state_history(model, indices)
    sample = tx.sample(model, indices[:5], 8, 1.0, seed=0)
    order, probs = sample.top(5)
    figures = {
        "activation": activation_text(text, history[0][1:, 0], unit=1, cell="lstm"),
        "dependence": dependence_text(text[:10], {k: np.linspace(0, 1, 10) for k in KINDS}, first=1, position=10,
                                      next_char=text[10], probabilities={k: 0.5 for k in KINDS}),
        "step": sampling_step_figure(text[:5], 5, [VOCAB[i] for i in order[0]], probs[0], VOCAB[sample.drawn[0]],
                                     sample.states[0], cell="lstm", step=1, temperature=1.0),
        "learning": learning_curves({"gru": {"steps": [0, 10], "bits": [6.0, 3.0]}}, checkpoint=0,
                                    ngrams={"5-gram": 2.5}),
        "context": context_curves([1, 2], {"rnn": [3.0, 2.8]}, {"rnn": 2.5}, ngrams={2: 3.6}, marked=1),
        "distance": dependence_by_distance([1, 2], {"gru": [0.3, 0.1]}, marked=1),
        "finder": correlation_bars({"rnn": np.array([0.5, -0.2])}, {"rnn": [1, 2]}, feature="vowel"),
    }
    for name, fig in figures.items():
        assert validated(fig).to_dict() == fig.to_dict(), name
