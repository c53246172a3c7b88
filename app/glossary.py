"""The glossary's content, as data: every term of the course, and the references with years.

Each term is a heading on the glossary page whose anchor is ``slug(name)`` (lower case, spaces as hyphens), so a
lesson links to it with ``lesson.glossary_link(name)``. A term's text is one to three sentences of the course's
Markdown in the notation card's symbols; ``lessons`` are the url_paths of the lessons that show it (the page links
those that exist, in the course's order); ``also`` gives the other names books use; ``source`` the work that
introduced it, cited as in ``REFERENCES`` (every work cited there is listed). No user text here.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Term:
    name: str
    text: str
    lessons: tuple[str, ...]
    also: str = ""
    source: str = ""

    @property
    def slug(self) -> str:
        return slug(self.name)


def slug(name: str) -> str:
    """The anchor of a term's heading, as ``lesson.glossary_link`` writes it."""
    return name.lower().replace(" ", "-")


TERMS: tuple[Term, ...] = (
    Term("Adam",
         "An optimiser that scales each parameter's step by running averages of its gradient $m$ and of its "
         "squared gradient $v$: $\\theta \\leftarrow \\theta - \\eta\\, \\hat m / (\\sqrt{\\hat v} + \\epsilon)$, so "
         "every parameter moves by about $\\eta$ per update whatever the size of its gradient.",
         ("memory_lab",), "Adaptive moment estimation; torch.optim.Adam.", "Kingma & Ba (2015)."),
    Term("BPTT",
         "Backpropagation through time: the chain rule applied to the unrolled network, from the last step back "
         "to the first. The gradient for a shared weight is the sum of its contributions from every step.",
         ("bptt",), "Backpropagation through time.", "Werbos (1990)."),
    Term("bits per character",
         "The mean over a text of $-\\log_2 p(x_t \\mid x_1, \\dots, x_{t-1})$, the surprise of each character given "
         "the ones before it, in bits. 0 is a model that is always sure and right; $\\log_2 V$ is a uniform guess among $V$ characters.",
         ("text_lab",), "bpc; cross-entropy in bits (divide a loss in nats by ln 2)."),
    Term("candidate",
         "The new content a gated cell proposes at step $t$, a tanh with values in $(-1, 1)$: $g_t$ in the LSTM, "
         "$n_t$ in the GRU. It is not a gate: the gates decide how much of it is used.",
         ("lstm", "gru"), "$\\tilde C_t$ (Olah 2015, d2l) for the LSTM; $\\tilde h_t$ (d2l) for the GRU; "
                          "cell input, block input."),
    Term("cell state",
         "The LSTM's second state $c_t$ (with $c_0 = 0$), updated by $c_t = f_t \\odot c_{t-1} + i_t \\odot g_t$: "
         "an elementwise multiply-and-add with no weight matrix, so it can carry a value for many steps. The GRU "
         "has none: its hidden state is its memory.",
         ("lstm", "memory_lab"), "Memory cell; $C_t$ (Olah 2015); the constant error carousel "
                                 "(Hochreiter & Schmidhuber 1997)."),
    Term("chance level",
         "The accuracy of guessing without the information that decides the answer: in the memory lab, one meal "
         "in four, 25%. A cell that forgot the first word stays near it however long it trains.",
         ("memory_lab",), "Baseline, guessing rate."),
    Term("chrono initialisation",
         "Setting an LSTM's forget-gate biases at the start of training to $\\log(u)$ with $u$ drawn uniformly "
         "from $[1, T_{max} - 1]$, so that the units start with memory times spread up to the longest dependency "
         "$T_{max}$ expected.",
         ("memory_lab",), "Chrono init.", "Tallec & Ollivier (2018)."),
    Term("cross-entropy",
         "The loss $L_t = -\\log p_t[k]$ when the right class is $k$ and $p_t = \\mathrm{softmax}(y_t)$: 0 when "
         "the model gives the right class probability 1, $\\ln K$ for a uniform guess among $K$ classes.",
         ("bptt", "memory_lab", "text_lab"), "Negative log-likelihood (NLL), log loss; nn.CrossEntropyLoss "
                                             "takes the logits."),
    Term("elementwise product",
         "$a \\odot b$ multiplies two vectors entry by entry; the gates act this way, each unit on its own.",
         ("lstm", "gru"), "Hadamard product; `*` in NumPy and PyTorch, and in Olah's diagrams (a circled x)."),
    Term("exploding gradient",
         "A gradient that grows exponentially as it flows back through many steps, because the Jacobians along the "
         "way stretch it. A largest singular value $s_{max}$ of $W_{hh}$ above $1/\\gamma$ is necessary for it, not "
         "sufficient; gradient clipping limits the damage.",
         ("vanishing_exploding",), "The exploding gradient problem.", "Bengio, Simard & Frasconi (1994); "
                                                                         "Pascanu, Mikolov & Bengio (2013)."),
    Term("forget gate",
         "The LSTM gate $f_t = \\sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf})$ that decides how much of "
         "$c_{t-1}$ stays in $c_t$. Its bias $b_f$ (of the two PyTorch gives it, the lessons set $b_{if} = b_f$ "
         "and $b_{hf} = 0$: only their sum matters) sets where it starts: $\\sigma(3) \\approx 0.95$ keeps a "
         "memory about 21 steps, $\\sigma(0) = 0.5$ halves it at every step.",
         ("lstm", "memory_lab"), "Keep gate (its value is the share kept).",
         "Gers, Schmidhuber & Cummins (2000); the 1997 LSTM had none."),
    Term("gate",
         "A vector of values in $(0, 1)$, a sigmoid of the input and the previous state, that multiplies another "
         "vector elementwise: it lets through any fraction, not 0 or 1. The course draws gates as faucets.",
         ("lstm", "gru")),
    Term("gradient clipping",
         "Limiting a gradient before an update. Clipping by norm rescales the whole gradient $g$ to norm $c$ when "
         "$\\lVert g \\rVert > c$ and keeps its direction; clipping by value clamps each entry to $[-c, c]$ and "
         "can change the direction.",
         ("vanishing_exploding", "memory_lab"), "Norm clipping and value clipping; clip_grad_norm_ and "
                                                "clip_grad_value_ in PyTorch.", "Pascanu, Mikolov & Bengio (2013)."),
    Term("GRU",
         "The gated recurrent unit: two gates, reset $r_t$ and update $z_t$, a candidate $n_t$ and no separate "
         "cell state, $h_t = (1 - z_t) \\odot n_t + z_t \\odot h_{t-1}$.",
         ("gru", "memory_lab"), "Gated recurrent unit.", "Cho et al. (2014)."),
    Term("held-out set",
         "Examples kept apart from training and never used for an update, on which a model is scored; a high "
         "score there means it learned the rule, not the training examples.",
         ("memory_lab", "text_lab"), "Test set; a validation set is a held-out set used to choose settings."),
    Term("hidden state",
         "The vector $h_t$ with $H$ units that an RNN carries from step to step: the state after reading $x_t$, "
         "starting from $h_0$ (zeros unless a lesson sets it).",
         ("why_rnns", "rnn_unrolled"), "State, activation; $s_t$ in some tutorials; the hidden units of Elman "
                                       "(1990), whose context units hold a copy of $h_{t-1}$."),
    Term("input gate",
         "The LSTM gate $i_t$ that decides how much of the candidate $g_t$ is written into the cell state.",
         ("lstm",), "Write gate."),
    Term("Jacobian",
         "The matrix of every partial derivative of one vector by another. For the tanh RNN "
         "$\\partial h_t / \\partial h_{t-1} = \\mathrm{diag}(1 - h_t^2)\\, W_{hh}$, and $\\partial h_T / \\partial h_t$ "
         "is the product of these from step $t+1$ to $T$.",
         ("vanishing_exploding", "lstm")),
    Term("learning rate",
         "The step size $\\eta$ of an update: plain gradient descent moves $\\theta$ by $-\\eta$ times the "
         "gradient, Adam by about $\\eta$ per parameter. Too small learns slowly, too large overshoots.",
         ("memory_lab", "vanishing_exploding"), "Step size; lr in code."),
    Term("logit",
         "A score before the softmax: the readout $y_t = W_{hy} h_t + b_y$ has one logit per class, and a larger "
         "logit means a larger probability.",
         ("bptt", "memory_lab", "text_lab"), "Score, unnormalised log-probability, pre-softmax activation."),
    Term("LSTM",
         "Long short-term memory: a cell with a cell state $c_t$ and three gates (input $i_t$, forget $f_t$, "
         "output $o_t$) plus a candidate $g_t$, with $h_t = o_t \\odot \\tanh(c_t)$.",
         ("lstm", "memory_lab"), "Long short-term memory network; LSTM cell, memory block.",
         "Hochreiter & Schmidhuber (1997); the forget gate from Gers, Schmidhuber & Cummins (2000)."),
    Term("memory time",
         "How many steps a value lasts when it is multiplied by $f$ at every step: a fraction $f^k$ is left after "
         "$k$ steps, about $1/(1 - f)$ steps in all; $f = \\sigma(3) \\approx 0.953$ gives about 21.",
         ("memory_lab", "lstm"), "Time constant; characteristic forgetting time."),
    Term("minibatch",
         "The $B$ sequences whose average gradient makes one update; the memory lab draws 64 new sentences for "
         "every update.",
         ("memory_lab",), "Batch; an epoch is one pass over a fixed training set."),
    Term("n-gram",
         "A model that predicts each symbol from the $n - 1$ symbols before it, by counting how often each symbol "
         "followed them in the training text: it can never use anything further back. The text lab's character "
         "n-grams are its baselines.",
         ("text_lab",), "n-gram language model, Markov model of order $n - 1$; a bigram ($n = 2$), trigram "
                        "($n = 3$), 5-gram."),
    Term("one-hot",
         "A vector of zeros with a single 1 at the index of a symbol: the word or character $x_t$ as the input "
         "of a network.",
         ("why_rnns", "rnn_unrolled", "memory_lab"), "1-of-K encoding, indicator vector."),
    Term("orthogonal matrix",
         "A square matrix $Q$ with $Q^\\top Q = I$: it rotates or reflects without stretching, so every singular "
         "value is 1 and $W_{hh} = s\\,Q$ scales every direction by exactly $s$.",
         ("vanishing_exploding",), "Orthonormal matrix; a rotation (with reflections)."),
    Term("output gate",
         "The LSTM gate $o_t$ that decides how much of $\\tanh(c_t)$ comes out as the hidden state "
         "$h_t = o_t \\odot \\tanh(c_t)$.",
         ("lstm",), "Read gate."),
    Term("parameter sharing",
         "An RNN uses the same weights $W_{ih}, W_{hh}, b_{ih}, b_{hh}$ at every step, so it has as many "
         "parameters for a sequence of 5 steps as for one of 5000, and their gradients are sums over steps.",
         ("why_rnns", "rnn_unrolled", "bptt"), "Weight sharing, tied weights across time."),
    Term("perplexity",
         "$2$ to the power of the bits per character: a model with perplexity 8 is as unsure, on average, as a "
         "uniform choice among 8 characters.",
         ("text_lab",), "PPL; $e^{L}$ when the loss $L$ is in nats."),
    Term("recurrent neural network",
         "A network that reads a sequence one step at a time and carries a hidden state from each step to the "
         "next, with the same weights at every step. It is drawn with a loop, but books do not call it a "
         "cyclic network: unrolled, it is a chain.",
         ("why_rnns", "rnn_unrolled"), "RNN, vanilla or simple RNN, simple recurrent network (SRN), Elman "
                                       "network.", "Elman (1990)."),
    Term("readout",
         "The layer that turns a hidden state into outputs, $y_t = W_{hy} h_t + b_y$; the memory lab reads only "
         "the last state $h_T$.",
         ("rnn_unrolled", "bptt", "memory_lab"), "Output layer, decoder, projection, head."),
    Term("reset gate",
         "The GRU gate $r_t$ that decides how much of the previous state feeds the candidate: PyTorch multiplies "
         "$W_{hn} h_{t-1} + b_{hn}$ by $r_t$; Cho et al. (2014) and d2l multiply $h_{t-1}$ by $r_t$ before the "
         "matrix, which gives different numbers.",
         ("gru",)),
    Term("saturation",
         "A tanh or sigmoid whose input is large in size sits on a flat part of its curve: its slope is near 0, "
         "so it passes almost no gradient back.",
         ("vanishing_exploding", "lstm"), "A saturated unit."),
    Term("sigmoid",
         "The logistic function $\\sigma(a) = 1 / (1 + e^{-a})$, with values in $(0, 1)$, used for gates. Its "
         "slope is at most $\\gamma = 1/4$, reached at $a = 0$.",
         ("lstm", "gru", "vanishing_exploding"), "Logistic function, $\\sigma$; expit."),
    Term("singular value",
         "$s_1 \\ge \\dots \\ge s_H \\ge 0$ are how much $W_{hh}$ stretches vectors along its principal directions "
         "($W_{hh} = U\\,\\mathrm{diag}(s)\\,V^\\top$); $s_{max} = s_1$ is the most any vector is stretched.",
         ("rnn_unrolled", "vanishing_exploding"), "$s_{max}$ is the spectral norm, operator 2-norm, "
                                                  "$\\lVert W \\rVert_2$."),
    Term("softmax",
         "Turns logits into probabilities: $\\mathrm{softmax}(y)_k = e^{y_k} / \\sum_j e^{y_j}$, positive and "
         "summing to 1, the largest logit getting the largest probability.",
         ("bptt", "memory_lab", "text_lab"), "Normalised exponential; a multinomial logistic output."),
    Term("spectral radius",
         "$\\rho$, the largest $|\\lambda|$ among the eigenvalues of $W_{hh}$, never above $s_{max}$: the linear RNN "
         "$h_t = W_{hh} h_{t-1}$ grows or decays like $\\rho^t$ in the long run.",
         ("vanishing_exploding",), "$\\rho(W)$."),
    Term("step",
         "One position $t$ of a sequence, counted $1 \\dots T$ in the course: the RNN reads $x_t$ and produces "
         "$h_t$. Code counts from 0, so `trace.h[t-1]` holds $h_t$.",
         ("rnn_unrolled",), "Time step, position; a tick of the recurrence."),
    Term("tanh",
         "The hyperbolic tangent, $\\tanh(a) = (e^a - e^{-a}) / (e^a + e^{-a})$, with values in $(-1, 1)$: the "
         "RNN's activation and the LSTM's and GRU's candidate. Its slope is at most $\\gamma = 1$, at $a = 0$.",
         ("rnn_unrolled", "vanishing_exploding")),
    Term("temperature",
         "Sampling from $\\mathrm{softmax}(y / \\tau)$ instead of $\\mathrm{softmax}(y)$: below 1 the choice is "
         "sharper and more repetitive, above 1 flatter and wilder.",
         ("text_lab",), "$\\tau$, $T$ in some texts."),
    Term("trigram",
         "An n-gram with $n = 3$: each character predicted from the two before it, from counts in the training "
         "text. On the text lab's held-out plays a character trigram scores about 3.06 bits per character.",
         ("text_lab",), "3-gram, second-order Markov model."),
    Term("truncated BPTT",
         "BPTT over chunks of $k$ steps: the state is carried from one chunk to the next, but the gradient is cut at "
         "the chunk's start, so no gradient flows back more than $k$ steps.",
         ("bptt", "text_lab"), "TBPTT; what frameworks do when a long sequence is fed in pieces with the "
                               "state detached."),
    Term("unrolling",
         "Drawing the loop of an RNN as a chain of $T$ copies of the same cell, one per step, with $h_t$ passed "
         "along: the network BPTT differentiates.",
         ("why_rnns", "rnn_unrolled"), "Unfolding in time."),
    Term("update gate",
         "The GRU gate $z_t$ that mixes old state and candidate, $h_t = (1 - z_t) \\odot n_t + z_t \\odot "
         "h_{t-1}$ (PyTorch, Cho et al. 2014, d2l): $z_t$ near 1 keeps the old state. Its bias $b_z$ (the "
         "lessons set $b_{iz} = b_z$ and $b_{hz} = 0$) sets where it starts.",
         ("gru", "memory_lab"), "$1 - z_t$ in Olah (2015) and Wikipedia, which swap the roles of $z$ and "
                                "$1 - z$."),
    Term("vanishing gradient",
         "A gradient that shrinks exponentially as it flows back through many steps, so early steps get almost "
         "no learning signal. With $\\gamma s_{max} < 1$ it must vanish, since "
         "$\\lVert \\partial h_T / \\partial h_t \\rVert \\le (\\gamma s_{max})^{T-t}$.",
         ("vanishing_exploding", "memory_lab"), "The vanishing gradient problem; the problem of long-term "
                                                "dependencies.", "Hochreiter (1991); Bengio, Simard & Frasconi (1994)."),
    Term("Witten-Bell smoothing",
         "A way to give an n-gram's unseen continuations some probability: after a history seen $C(h)$ times with "
         "$N_{1+}(h)$ different next symbols, it keeps $C(h)/(C(h) + N_{1+}(h))$ for the counts and gives the rest "
         "to the $(n-1)$-gram, down to a uniform guess, so no symbol ever gets probability 0.",
         ("text_lab",), "Witten-Bell discounting, interpolated Witten-Bell.", "Witten & Bell (1991)."),
)


@dataclass(frozen=True)
class Reference:
    authors: str
    year: int
    title: str
    where: str
    takes: str   # what the course takes from it


REFERENCES: tuple[Reference, ...] = (
    Reference("Elman, J. L.", 1990, "Finding structure in time", "Cognitive Science 14(2)",
              "The simple recurrent network: a hidden state fed back as input at the next step (lessons 1 and 2)."),
    Reference("Werbos, P. J.", 1990, "Backpropagation through time: what it does and how to do it",
              "Proceedings of the IEEE 78(10)", "Backpropagation through time, the gradient summed over steps "
                                                "(lesson 3)."),
    Reference("Hochreiter, S.", 1991, "Untersuchungen zu dynamischen neuronalen Netzen",
              "Diploma thesis, Technische Universität München", "The first analysis of vanishing gradients in "
                                                                 "recurrent networks (lessons 4 and 7)."),
    Reference("Witten, I. H. & Bell, T. C.", 1991, "The zero-frequency problem: estimating the probabilities of "
              "novel events in adaptive text compression", "IEEE Transactions on Information Theory 37(4)",
              "Witten-Bell smoothing of the text lab's n-gram baselines (lesson 8)."),
    Reference("Bengio, Y., Simard, P. & Frasconi, P.", 1994,
              "Learning long-term dependencies with gradient descent is difficult",
              "IEEE Transactions on Neural Networks 5(2)", "Why gradients over long gaps vanish (lessons 4 and 7)."),
    Reference("Hochreiter, S. & Schmidhuber, J.", 1997, "Long short-term memory", "Neural Computation 9(8)",
              "The LSTM and its cell state; lags of more than 1000 steps on synthetic tasks (lessons 5 and 7)."),
    Reference("Gers, F. A., Schmidhuber, J. & Cummins, F.", 2000, "Learning to forget: continual prediction with "
              "LSTM", "Neural Computation 12(10)", "The forget gate, and LSTM as it is used today (lessons 5 and 7)."),
    Reference("Pascanu, R., Mikolov, T. & Bengio, Y.", 2013, "On the difficulty of training recurrent neural "
              "networks", "ICML 2013", "The Jacobian product, the bounds with $\\gamma$ and $s_{max}$, and gradient "
                                       "clipping (lesson 4)."),
    Reference("Cho, K. et al.", 2014, "Learning phrase representations using RNN encoder-decoder for statistical "
              "machine translation", "EMNLP 2014", "The GRU, with its reset and update gates (lesson 6)."),
    Reference("Olah, C.", 2015, "Understanding LSTM networks", "colah.github.io",
              "The standard LSTM and GRU diagrams, with the swapped GRU update and $\\tilde C_t$ (lessons 5 and 6)."),
    Reference("Karpathy, A.", 2015, "The unreasonable effectiveness of recurrent neural networks",
              "karpathy.github.io; min-char-rnn.py", "Character models, and the style of the course's code "
                                                     "(one line per equation)."),
    Reference("Kingma, D. P. & Ba, J.", 2015, "Adam: a method for stochastic optimization", "ICLR 2015",
              "The optimiser of the memory lab (lesson 7)."),
    Reference("Tallec, C. & Ollivier, Y.", 2018, "Can recurrent neural networks warp time?", "ICLR 2018",
              "Chrono initialisation of the forget-gate biases (lesson 7)."),
)
