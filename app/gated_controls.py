"""The control panel the two gated-cell lessons (LSTM, GRU) share: one function, two vocabularies."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

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
