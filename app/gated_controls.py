"""The controls the two gated-cell lessons (LSTM, GRU) share, one key each, in the lesson's ControlPanel.

Every control is created on every run and every tab (lesson.ControlPanel keeps the ones a tab does not
show): one Step t (1..T) and one Unit j (1..H) serve every tab that shows a step or a unit, so a choice
made on one tab is there on the next, in the slider, the figures and the address.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial

import streamlit as st

from app import controls, lesson
from rnn_core.gated import GATED_PRESETS, lesson_cell

PRESET_LABELS = {"gap": "Context word, then a long gap", "words": "Words: let's meet for lunch",
                 "sine": "Sine wave", "impulse": "Impulse"}
DEFAULT_STEP, DEFAULT_UNIT = 2, 4      # step 2: the step after the context word; unit 4 latches "lunch"
DEFAULT_INPUT_BOUND = 0.5              # W_ih entries in [-0.5, 0.5]: PyTorch's own init at H = 4
DEFAULT_HIDDEN, DEFAULT_SEED = 4, 0
KAPPA_MAX = 8.0                        # the recurrent weight scale slider's top


@dataclass(frozen=True)
class GateText:
    """What differs between the lessons: URL keys, the gate that keeps memory, the tabs and what they show."""

    prefix: str               # "lstm" -> URL keys lstm_input, lstm_T, lstm_t, ...
    bias_key: str             # "forget_bias" / "update_bias"
    bias_label: str
    bias_help: str
    hand_help: str
    highlights: dict          # the parts of the cell drawing a student can highlight: key -> label
    step_parts: tuple         # tabs that show one step (Step t drawn there)
    unit_parts: tuple         # tabs that show one unit (Unit j)
    highlight_parts: tuple    # tabs with the cell drawing (Highlight)
    scale_parts: tuple        # tabs whose text asks to try the recurrent weight scale (in the box there)
    hand_parts: tuple         # tabs whose text asks to try the hand-set weights (in the box there)
    hand_effect_parts: tuple  # tabs whose figures the hand-set weights change (under More controls elsewhere)
    always_seeded_parts: tuple  # tabs that use the seed and weight scales even with hand-set weights


@dataclass(frozen=True)
class GatedSettings:
    preset: str
    length: int
    hidden: int
    gate_bias: float
    step: int                 # Step t, 1..T
    unit: int                 # Unit j, 1..H
    highlight: str
    recurrent_scale: float    # kappa: W_hh = kappa x PyTorch's init
    input_bound: float        # alpha: W_ih entries uniform in [-alpha, alpha]
    seed: int
    hand_set: bool

    @property
    def cell(self) -> tuple:
        """The settings that define the cell and its input (the cache key of its trace)."""
        return (self.preset, self.length, self.hidden, self.gate_bias, self.input_bound, self.recurrent_scale,
                self.seed, self.hand_set)


@st.cache_data(max_entries=64, show_spinner=False)
def shared_cell(kind, preset, length, hidden, gate_bias, input_bound, recurrent_scale, seed, hand_set):
    """The LSTM or GRU a gated lesson's controls describe (rnn_core.gated.lesson_cell: the cell, its trace and the
    step labels), once per server for every student at the same settings. Each lesson binds its kind:
    ``run = partial(shared_cell, "lstm")``, called with ``GatedSettings.cell``."""
    return lesson_cell(kind, preset, length, hidden, gate_bias, input_bound, recurrent_scale, seed, hand_set)


def _place(panel: lesson.ControlPanel, part: str, box: Sequence[str], more: Sequence[str]):
    """In the box on the tabs `box`, under More controls on the other tabs of `more`, kept out of sight
    elsewhere."""
    if part in box:
        return panel.slot(*box)
    return panel.slot(*more, more=True)


def highlight_key(text: GateText) -> str:
    return f"{text.prefix}_gate"


def pick_from_diagram(chart_key: str, text: GateText, state=None) -> None:
    """on_select of the cell drawing: a click on a gate (its box or its valve) highlights it, as the Highlight
    control does. Runs before the fragment reruns, so it may set the control's value. ``state`` is
    st.session_state (a plain dict in tests)."""
    state = st.session_state if state is None else state
    chart = state.get(chart_key) or {}
    picked = clicked_part(chart.get("selection") or {}, text.highlights)
    if picked is not None:
        state[highlight_key(text)] = picked


def clicked_part(selection: dict, names) -> str | None:
    """The first of `names` a Plotly selection's points carry as their customdata, or None."""
    for point in selection.get("points") or []:
        name = point.get("customdata")
        if isinstance(name, list):
            name = name[0] if name else None
        if name in names:
            return name
    return None


def cell_chart(figure, text: GateText, cell_name: str, settings: GatedSettings, frames: int) -> str:
    """The cell figure, a click on a gate highlighting it; returns what Play covers, as words for the text."""
    key = f"{text.prefix}_cell"
    lesson.chart(figure, key=key, on_select=partial(pick_from_diagram, key, text),
                 alt=f"The {cell_name} cell drawn twice for unit {settings.unit}: the standard diagram and the "
                     "faucets, "
                     f"animated over the steps, with the {settings.highlight} part highlighted.")
    return (f" (a sequence longer than {frames} steps plays the {frames} steps around step t; move Step t for the "
            "others)" if settings.length > frames else "")


def gated_controls(part: str, titles: Sequence[str], text: GateText) -> GatedSettings:
    """Every control of a gated-cell lesson, in the open tab's panel (at most seven in its box)."""
    key = lambda name: f"{text.prefix}_{name}"  # noqa: E731
    every = tuple(titles)
    panel = lesson.ControlPanel(part, scope=text.prefix)
    preset = controls.choice("Input sequence", key("input"), list(GATED_PRESETS), "gap",
                             format_func=lambda name: PRESET_LABELS[name], container=panel.slot(*every),
                             help="Context word: the one-hot word 'lunch' at step 1, then nothing. "
                                  "Words: \"let's meet for lunch\" one-hot, repeated.")
    length = controls.int_slider("Sequence length T", key("T"), 2, 150, 40, container=panel.slot(*every))
    hidden = controls.int_slider("Hidden size H", key("H"), 1, 16, DEFAULT_HIDDEN, container=panel.slot(*every))
    gate_bias = controls.float_slider(text.bias_label, text.bias_key, -5.0, 5.0, 1.0, 0.5,
                                      container=panel.slot(*every), help=text.bias_help)
    step = controls.int_slider("Step t", key("t"), 1, length, min(DEFAULT_STEP, length),
                               container=panel.slot(*text.step_parts),
                               help="The step shown, counted from 1 to T (Play runs through the steps too).")
    unit = controls.int_slider("Unit j", key("unit"), 1, hidden, min(DEFAULT_UNIT, hidden),
                               container=panel.slot(*text.unit_parts), help="The unit shown, counted from 1 to H.")
    highlight = controls.choice("Highlight (or click the drawing)", highlight_key(text), list(text.highlights),
                                next(iter(text.highlights)), format_func=lambda name: text.highlights[name],
                                widget="segmented", container=panel.slot(*text.highlight_parts),
                                help="The gate or state whose equation is written out under the drawing, "
                                     "outlined in both drawings.")
    hand_set = controls.toggle("Hand-set memory weights", key("hand"), False,
                               container=_place(panel, part, text.hand_parts, text.hand_effect_parts),
                               help=text.hand_help)
    seeded = text.always_seeded_parts if hand_set else every   # hand-set weights ignore seed and scales
    recurrent_scale = controls.float_slider(
        "Recurrent weight scale κ", key("rec_scale"), 0.0, KAPPA_MAX, 1.0, 0.1,
        container=_place(panel, part, tuple(t for t in text.scale_parts if t in seeded), seeded),
        help="W_hh = κ × PyTorch's random initialisation (entries uniform in ±1/√H), for every cell the "
             "lesson builds from the seed.")
    input_bound = controls.float_slider(
        "Input weight scale α", key("a"), 0.0, 4.0, DEFAULT_INPUT_BOUND, 0.1,
        container=panel.slot(*seeded, more=True),
        help="Entries of W_ih uniform in [-α, α] (α = 0.5 is PyTorch's own init at H = 4).")
    seed = controls.seed_input(key=key("seed"), default=DEFAULT_SEED, container=panel.slot(*seeded, more=True))
    return GatedSettings(preset, length, hidden, gate_bias, step, unit, highlight, recurrent_scale, input_bound,
                         seed, hand_set)
