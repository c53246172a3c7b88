"""The controls the two gated-cell lessons (LSTM, GRU) share: the panel above their tabs (one function, two
vocabularies) and the step and unit sliders of the panels inside the tabs."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import streamlit as st
from streamlit.errors import StreamlitAPIException

from app import controls, lesson
from rnn_core.gated import GATED_PRESETS

PRESET_LABELS = {"gap": "Context word, then a long gap", "words": "Words: let's meet for lunch",
                 "sine": "Sine wave", "impulse": "Impulse"}


@dataclass(frozen=True)
class GateText:
    """What differs between the lessons: the URL key prefix and the words for the gate that keeps memory."""

    prefix: str          # "lstm" -> URL keys lstm_input, lstm_T, ...
    bias_key: str        # "forget_bias" / "update_bias"
    bias_label: str
    bias_help: str
    hand_help: str
    recurrent_help: str
    hand_caption: str


@dataclass(frozen=True)
class GatedSettings:
    preset: str
    length: int
    seed: int
    hidden: int
    gate_bias: float
    hand_set: bool
    input_scale: float
    recurrent_scale: float


def gated_cell_controls(text: GateText) -> GatedSettings:
    """Input, length, seed, hidden size, the memory gate's bias, hand-set weights and weight scales."""
    key = lambda name: f"{text.prefix}_{name}"  # noqa: E731
    with lesson.controls_panel():
        left, middle, right = st.columns(3)
        preset = controls.choice("Input sequence", key("input"), list(GATED_PRESETS), "gap",
                                 format_func=lambda name: PRESET_LABELS[name], container=left,
                                 help="Context word: the one-hot word 'lunch' at step 0, then nothing. "
                                      "Words: \"let's meet for lunch\" one-hot, repeated.")
        length = controls.int_slider("Sequence length T", key("T"), 2, 150, 40, container=left)
        seed = controls.seed_input(key=key("seed"), container=left)
        hidden = controls.int_slider("Hidden size H", key("H"), 1, 16, 4, container=middle)
        gate_bias = controls.float_slider(text.bias_label, text.bias_key, -5.0, 5.0, 1.0, 0.5, container=middle,
                                          help=text.bias_help)
        hand_set = controls.toggle("Hand-set memory weights", key("hand"), False, container=middle,
                                   help=text.hand_help)
        input_scale = controls.float_slider("Input weight scale", key("in_scale"), 0.0, 4.0, 1.0, 0.1,
                                            container=right,
                                            help="Multiplies W_ih (PyTorch's init, U(-1/sqrt(H), 1/sqrt(H))).")
        recurrent_scale = controls.float_slider("Recurrent weight scale", key("rec_scale"), 0.0, 8.0, 1.0, 0.1,
                                                container=right, help=text.recurrent_help)
        if hand_set:
            right.caption(text.hand_caption)
    return GatedSettings(preset, length, seed, hidden, gate_bias, hand_set, input_scale, recurrent_scale)


def step_and_unit(prefix: str, length: int, hidden: int) -> tuple[int, int]:
    """Sliders Step t and Unit j side by side (URL keys prefix_t and prefix_unit), for a panel that shows one unit
    at one step.

    Each tab's panel passes its own prefix. Streamlit's frontend keeps the address in step with a bound widget by
    the widget's id, which comes from its key: the same key in two tabs is the same id, and when the closed tab's
    slider goes away it can take the open tab's binding with it, so that the address stops following.
    The choice still carries from tab to tab: see `carried_slider`.
    """
    step_col, unit_col = st.columns(2)
    step = carried_slider("Step t", prefix, "t", length - 1, min(1, length - 1), container=step_col)
    return step, unit_slider(prefix, hidden, container=unit_col)


def unit_slider(prefix: str, hidden: int, container=None) -> int:
    """Slider Unit j (URL key prefix_unit), alone for a panel that shows one unit at every step."""
    return carried_slider("Unit j", prefix, "unit", hidden - 1, min(3, hidden - 1), container=container)


def carried_slider(label: str, prefix: str, name: str, hi: int, default: int, container=None) -> int:
    """A panel's step or unit slider from 0 to hi (URL key prefix_name) that opens on the value last chosen in
    another tab of the same lesson (the lesson is the prefix up to its first "_": lstm, lstm_maps and
    lstm_highway share).

    Each tab has its own sliders (see step_and_unit), so a tab opened after another would show its own older value
    or its default. When the lesson's last choice was made in another tab, it is written into this slider's
    st.session_state before the slider is created (clamped to its range), and into the address (a default leaves
    it): the value is then the widget's own, and the share link carries it as if it had been moved by hand.
    A link's value is the first choice.
    """
    key, remembered = f"{prefix}_{name}", f"{prefix.split('_')[0]}_last_{name}"
    chosen_in, value = st.session_state.get(remembered, (prefix, None))
    if chosen_in != prefix and value is not None:
        value = st.session_state[key] = int(min(max(value, 0), max(hi, 0)))
        with contextlib.suppress(StreamlitAPIException):  # refused while the key is still bound to a widget
            if hi > 0 and value != default:
                st.query_params[key] = str(value)
            else:
                st.query_params.pop(key, None)
    value = controls.int_slider(label, key, 0, hi, default, container=container)
    st.session_state[remembered] = (prefix, value)
    return value
