"""One colour per concept, used by every lesson, from colour-blind-safe palettes.

Hues come from Okabe & Ito's palette (input, hidden, cell_state, loss, i) and Paul
Tol's (output, f, g, o, r); the gradient is a dark red, chosen so that it stays apart
from the hidden state's orange, the input's blue, the loss's grey and the cell state's
green for readers with protanopia, deuteranopia or tritanopia (the orange and the
vermillion it replaced were hard to tell apart). Every colour keeps a contrast ratio of
at least 2 against both Streamlit's light (#FFFFFF) and dark (#0E1117) backgrounds, so
a figure reads the same in either theme. ``NAMES`` gives the word to use in text.

Gates with the same role share a colour across cells: the LSTM forget gate f and the
GRU update gate z both decide how much of the old state to keep; the LSTM candidate g
and the GRU candidate n both propose new content.
"""

from __future__ import annotations

import plotly.colors

COLORS: dict[str, str] = {
    "input": "#0072B2",       # blue
    "hidden": "#E69F00",      # orange
    "output": "#AA3377",      # magenta
    "cell_state": "#009E73",  # bluish green
    "gradient": "#BB2222",    # dark red
    "loss": "#999999",        # grey
    # LSTM gates (PyTorch order i, f, g, o)
    "i": "#56B4E9",           # sky blue
    "f": "#9467BD",           # violet
    "g": "#EE6677",           # rose
    "o": "#44AA99",           # teal
    # GRU gates (PyTorch order r, z, n)
    "r": "#CC79A7",           # reddish purple
    "z": "#9467BD",           # = f: how much of the old state to keep
    "n": "#EE6677",           # = g: the candidate
}

NAMES: dict[str, str] = {  # how a sentence names each colour ("the dark red curve")
    "input": "blue", "hidden": "orange", "output": "magenta", "cell_state": "green", "gradient": "dark red",
    "loss": "grey", "i": "sky blue", "f": "violet", "g": "rose", "o": "teal", "r": "pink", "z": "violet",
    "n": "rose",
}

GATE_NAMES: dict[str, str] = {
    "i": "input gate", "f": "forget gate", "g": "candidate", "o": "output gate",
    "r": "reset gate", "z": "update gate", "n": "candidate",
}

DECODER = "#9E5A00"  # a darker orange than the hidden states: lesson 1's decoder, a second RNN
NEUTRAL = "#8C8C8C"  # outlines of steps not computed yet

# Ink for drawings. Figures have transparent backgrounds, so anything drawn on the page's
# background must read on white and on #0E1117 alike.
TEXT = None                              # Plotly's default: the Streamlit theme's own text colour (light or dark)
OUTLINE = NEUTRAL                        # outlines on the page background (contrast 3.3 light, 6.0 dark)
PIPE_WALL = "#6F6F6F"                    # pipe walls of the faucet drawings (contrast 5.0 light, 3.6 dark)
ON_LIGHT = "#222222"                     # lines and text over light marks: label boxes, pale heatmap cells
LABEL_BACKGROUND = "rgba(255,255,255,0.85)"  # the box behind a label drawn over data
PALE = "#F7F7F7"                         # the low end of a gate's colour scale (gate closed)
TRANSPARENT = "rgba(0,0,0,0)"
CHUNK_SHADES = ("rgba(230,159,0,0.16)", "rgba(140,140,140,0.12)")  # truncated BPTT's chunks, shaded in turn

# Categorical colours for one segment per step (lesson 3's stacked terms), in order for steps 2, 3, ...
# (step 1's term is always 0 and gets NEUTRAL). Chosen from Tol's and Okabe & Ito's palettes so that every pair
# stays at least 18 apart (CIE76) with normal vision, protanopia, deuteranopia and tritanopia; longer sequences
# repeat them, so neighbouring steps always differ.
STEPS: list[str] = ["#0077BB", "#E69F00", "#66CCEE", "#AA3377", "#EECC66", "#004488", "#EE6677", "#BBBBBB",
                    "#CC3311"]

# Heatmaps. Diverging for signed values (states, weights, gradients): blue < 0 < vermillion.
DIVERGING: list[list] = [[0.0, "#0072B2"], [0.25, "#7FB3D8"], [0.5, "#F2F2F2"],
                         [0.75, "#EAAE80"], [1.0, "#D55E00"]]
# Sequential for magnitudes (norms, probabilities, gate openings): cividis is built for colour-vision deficiency.
SEQUENTIAL: list[list] = [[i / (len(plotly.colors.sequential.Cividis) - 1), c]
                          for i, c in enumerate(plotly.colors.sequential.Cividis)]


def color(concept: str) -> str:
    """The colour of a concept ("input", "hidden", "f", ...); KeyError for an unknown one."""
    return COLORS[concept]

# The text lab. A gradient's size as a share of the largest: pale (none) to the gradient's dark red.
GRADIENT_SCALE: list[list] = [[0.0, PALE], [0.35, "#F0B4A8"], [1.0, COLORS["gradient"]]]
# The text so far when writing: the prompt grey, the characters drawn before blue, this step's magenta (light
# tints, so the dark letters drawn on them stay readable).
WRITTEN_SCALE: list[list] = [[0.0, "#E6E6E6"], [0.45, "#BFD7EA"], [1.0, "#E8B0CF"]]
