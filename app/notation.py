"""The notation card: one set of symbols and one way of counting for every lesson (Markdown, no user text).

Every lesson shows it from its header (the "Notation" button): the rows up to that lesson, and a line
naming the rows later lessons add (the course home and the reference pages show every row). The
glossary gives the other names books use for the same things.
"""

# (first lesson that uses the row, what the row is about, its Markdown), in the card's order
ROWS = (
    (1, "counting", r"""
**Counting.** A sequence is $x_1, \dots, x_T$. $h_0$ is the initial state (zeros unless a lesson sets
it) and $h_t$ is the state after reading $x_t$. Steps are counted $1 \dots T$, units $1 \dots H$, rows
and columns of a matrix from 1. Code counts from 0: `trace.h[t-1]` holds $h_t$. Sizes: $T$ the sequence
length, $I$ the input size (numbers per $x_t$), $H$ the hidden size (units in $h_t$). Unit $j$ of $h_t$ is
$h_t[j]$, and $W[i, k]$ is a matrix's entry in row $i$, column $k$.
"""),
    (1, "the RNN", r"""
**RNN.** $h_t = f(a_t)$, with the nonlinearity $f$ (tanh unless a lesson lets you choose relu or none; from
lesson 5 on, $f_t$ is the LSTM's forget gate instead) and the pre-activation
$a_t = W_{ih} x_t + b_{ih} + W_{hh} h_{t-1} + b_{hh}$;
output scores (logits) $y_t = W_{hy} h_t + b_y$, loss $L = \sum_t L_t$. A target is never $y$: lesson 3's
warm-up calls its target $y^*$.
The warm-ups of lessons 2 and 3 use one unit: $w_x$, $w_h$ and $b$ are then the numbers $W_{ih}$, $W_{hh}$ and
$b_{ih} + b_{hh}$.
"""),
    (5, "the LSTM's gates", r"""
**LSTM.** Gates $i_t, f_t, o_t$ (input, forget, output) and candidate $g_t$ (Olah and d2l, the book *Dive into Deep Learning*, write it
$\tilde C_t$):
$c_t = f_t \odot c_{t-1} + i_t \odot g_t$ with $c_0 = 0$, and $h_t = o_t \odot \tanh(c_t)$. Its whole state is
$[h_t; c_t]$, the two vectors stacked into one of $2H$ numbers.
"""),
    (5, "memory times", r"""
**Memory (lesson 5).** A steady forget gate $f$ keeps $f^{\,k}$ of the cell state after $k$ steps, so it remembers
for about $1/(1 - f)$ steps, its memory time. $\bar f$ is the steady gate that keeps as much as a unit's
changing gates do (their geometric mean). Chrono initialisation draws each forget bias as $b_f = \log u$, with
the number $u$ uniform in $[1, T_{max} - 1]$ and $T_{max}$ the longest memory wanted (lesson 4's $u$ is another
thing: a fixed unit vector).
"""),
    (6, "the GRU's gates", r"""
**GRU.** Gates $r_t, z_t$ (reset, update) and candidate $n_t$ (d2l: $\tilde h_t$):
$n_t = \tanh(W_{in} x_t + b_{in} + r_t \odot (W_{hn} h_{t-1} + b_{hn}))$ and
$h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}$, as in PyTorch, Cho et al. (2014) and d2l. Olah (2015) and
Wikipedia swap $z$ and $1 - z$. Cho et al. and d2l apply $r_t$ to $h_{t-1}$ before the matrix,
$W_{hn}(r_t \odot h_{t-1})$, which gives different numbers.
"""),
    (5, "PyTorch's two biases per gate", r"""
**Biases.** PyTorch gives every gate two biases, $b_{i\cdot}$ (beside $W_{i\cdot} x_t$) and $b_{h\cdot}$
(beside $W_{h\cdot} h_{t-1}$); only their sum matters. The lessons' forget-gate bias $b_f$ and update-gate bias
$b_z$ set $b_{if} = b_f$, $b_{hf} = 0$ (and $b_{iz} = b_z$, $b_{hz} = 0$).
"""),
    (2, "symbols", r"""
**Symbols.** $\odot$ is the elementwise product, $\sigma$ the logistic sigmoid
$\sigma(a) = 1/(1 + e^{-a})$. $s_1 \ge \dots \ge s_H$ are the singular values of $W_{hh}$ and
$s_{max} = s_1$; $\rho$ is its spectral radius (largest $|\lambda|$, never above $s_{max}$);
$\gamma$ bounds the slope of the activation (1 for tanh, 1/4 for the sigmoid).
Two controls set random weights: the input weight scale $\alpha$ draws each entry of $W_{ih}$ from
$[-\alpha, \alpha]$ (lessons 2 to 6; the letter $a$ stays the pre-activation), and the recurrent weight scale
$\kappa$ multiplies PyTorch's random $W_{hh}$ (lessons 5 and 6; lessons 2 to 4 set $s_{max}$ instead).
"""),
    (8, "the text lab's symbols", r"""
**Text (lesson 8).** $V$ characters, each read as a one-hot $x_t$; the logits for the next character are
$y_t = W_{hy} h_t + b_y$, and writing draws it from $\mathrm{softmax}(y_t / \tau)$ at temperature $\tau$
(not $T$, the length). $d$ counts characters back from the one just read: $x_{t-d}$, with $d = 0$ for $x_t$.
$k$ is how many characters of context a model may see. Scores are in bits per character, the mean of
$-\log_2 p$ of each next character.
"""),
)


def notation_card(lesson_number: int | None = None) -> str:
    """The card for lesson ``lesson_number``: its rows, then what later lessons add; every row for None."""
    shown = [text.strip("\n") for first, _, text in ROWS if lesson_number is None or first <= lesson_number]
    later = sorted(((first, name) for first, name, _ in ROWS if lesson_number is not None and first > lesson_number),
                   key=lambda row: row[0])
    if later:
        named = [f"{name} (lesson {first})" for first, name in later]
        shown.append("*Later lessons add* " + (", ".join(named[:-1]) + " and " if len(named) > 1 else "") + named[-1] + ".")
    return "\n\n".join(shown)


NOTATION_CARD = notation_card()  # every row
