r"""The recap's content, as data: every equation of the course in the notation card's symbols, grouped by the
lesson that shows it. Each equation is LaTeX for st.latex with a line saying what it is. No user text here.

One letter, one meaning on the whole page: $t$ counts word steps $1 \dots T$, $k$ is the running index of a sum or
product, $K$ the length of a truncation chunk, $d$ a number of steps a memory lasts, $n$ counts training updates
(Adam), $\nabla$ is a gradient of the loss (so $g_t$ stays the LSTM's candidate), $f$ is the forget gate except in
the vanishing-gradient group, where it is the activation (lesson 4's "Nonlinearity f"), as that group says, and
$\tau$ is the sampling temperature. Gradients are column vectors shaped like what they differentiate.
Equations are kept narrow (one relation per line) so that a phone shows them whole."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Equation:
    what: str      # one line: what the equation says (Markdown)
    latex: str


@dataclass(frozen=True)
class Group:
    title: str
    lesson: str                      # url_path of the lesson that shows these equations
    equations: tuple[Equation, ...]
    anchor: str


GROUPS: tuple[Group, ...] = (
    Group("The RNN step", "rnn_unrolled", (
        Equation("The state after reading $x_t$, from the previous state, with the same weights at every step "
                 "$t = 1 \\dots T$ (and $h_0 = 0$ unless a lesson sets it).",
                 r"h_t = \tanh\left(W_{ih}\,x_t + b_{ih} + W_{hh}\,h_{t-1} + b_{hh}\right)"),
    ), "rnn-step"),
    Group("Output, softmax and loss", "bptt", (
        Equation("The readout gives one logit per class; the softmax turns them into probabilities.",
                 r"\begin{aligned} y_t &= W_{hy}\,h_t + b_y \\ p_t &= \operatorname{softmax}(y_t) \\"
                 r"\operatorname{softmax}(y)_k &= \frac{e^{y_k}}{\sum_j e^{y_j}} \end{aligned}"),
        Equation("Cross-entropy at each step (the right class is $\\text{target}_t$), summed over the steps.",
                 r"\begin{aligned} L_t &= -\log p_t[\text{target}_t] \\ L &= \sum_{t=1}^{T} L_t \end{aligned}"),
    ), "output-and-loss"),
    Group("Backpropagation through time", "bptt", (
        Equation("The gradient reaching $h_t$: its own loss, plus what flows back from the later steps, starting "
                 "from the last state. Gradients are column vectors shaped like $h_t$, so the step's Jacobian "
                 "comes in transposed (lesson 3 writes the same product in the chain rule's order, a row vector "
                 "times the Jacobian: the same numbers).",
                 r"\begin{aligned} \frac{\partial L}{\partial h_T} &= \frac{\partial L_T}{\partial h_T} \\"
                 r"\frac{\partial L}{\partial h_t} &= \frac{\partial L_t}{\partial h_t} \\ &\quad + "
                 r"\Big(\frac{\partial h_{t+1}}{\partial h_t}\Big)^{\!\top} \frac{\partial L}{\partial h_{t+1}}"
                 r" \end{aligned}"),
        Equation("Through the tanh: $\\delta_t$, the gradient of the step's pre-activation.",
                 r"\delta_t = \left(1 - h_t^2\right) \odot \frac{\partial L}{\partial h_t}"),
        Equation("Shared weights: each gradient is a sum of one term per step.",
                 r"\begin{aligned} \frac{\partial L}{\partial W_{hh}} &= \sum_{t=1}^{T} \delta_t\, h_{t-1}^\top \\"
                 r"\frac{\partial L}{\partial W_{ih}} &= \sum_{t=1}^{T} \delta_t\, x_t^\top \\"
                 r"\frac{\partial L}{\partial b} &= \sum_{t=1}^{T} \delta_t \end{aligned}"),
        Equation("Truncated BPTT over chunks of $K$ steps: the state is carried into the next chunk, the gradient "
                 "is cut at the chunk's start: for a step $t'$ in an earlier chunk than $t$,",
                 r"\frac{\partial h_{t}}{\partial h_{t'}} := 0"),
    ), "bptt"),
    Group("Vanishing and exploding gradients", "vanishing_exploding", (
        Equation("The Jacobian of one step, and the product from step $t$ to the last step $T$ "
                 "($a_k$ is step $k$'s pre-activation; $f$ is the activation here, lesson 4's **Nonlinearity f**, "
                 "not the forget gate).",
                 r"\begin{aligned} \frac{\partial h_k}{\partial h_{k-1}} &= \operatorname{diag}\!\big(f'(a_k)\big)\, W_{hh}"
                 r" \\ \frac{\partial h_T}{\partial h_t} &= \prod_{k=t+1}^{T} \frac{\partial h_k}{\partial h_{k-1}}"
                 r" \end{aligned}"),
        Equation("The bound, with $\\gamma$ the largest slope of the activation (1 for tanh, 1/4 for the sigmoid) "
                 "and $s_{max}$ the largest singular value of $W_{hh}$.",
                 r"\left\lVert \frac{\partial h_T}{\partial h_t} \right\rVert \le \left(\gamma\, s_{max}\right)^{T-t}"),
        Equation("So $s_{max} < 1/\\gamma$ is enough for vanishing; $s_{max} > 1/\\gamma$ is needed for exploding, "
                 "but not enough (Pascanu, Mikolov & Bengio 2013).",
                 r"s_{max} < \tfrac{1}{\gamma} \;\Rightarrow\; \left\lVert \frac{\partial h_T}{\partial h_t} "
                 r"\right\rVert \xrightarrow{\;T - t \to \infty\;} 0"),
        Equation("The linear case $h_t = W_{hh} h_{t-1}$ with $W_{hh} = s\\,Q$, $Q$ orthogonal: exact. For any "
                 "$W_{hh}$ the state grows or decays like $\\rho^t$ in the long run ($\\rho \\le s_{max}$ the "
                 "spectral radius).",
                 r"\begin{aligned} \left\lVert \frac{\partial h_T}{\partial h_t} \right\rVert &= s^{T-t} \\ "
                 r"\lVert h_t \rVert &\sim \rho^{\,t} \le s_{max}^{\,t} \end{aligned}"),
    ), "vanishing-and-exploding"),
    Group("Gradient clipping", "vanishing_exploding", (
        Equation("By norm, at threshold $c$: the whole gradient $\\nabla = \\partial L / \\partial \\theta$ (every "
                 "parameter's, as one vector) is rescaled; its direction is kept.",
                 r"\nabla \leftarrow \nabla \cdot \min\!\left(1, \frac{c}{\lVert \nabla \rVert}\right)"),
        Equation("By value: each entry is clamped; the direction can change.",
                 r"\nabla_i \leftarrow \max\!\big(-c, \min(c, \nabla_i)\big)"),
    ), "clipping"),
    Group("LSTM", "lstm", (
        Equation("Three gates (input, forget, output) and the candidate, from $x_t$ and $h_{t-1}$.",
                 r"\begin{aligned}"
                 r"i_t &= \sigma(W_{ii} x_t + b_{ii} + W_{hi} h_{t-1} + b_{hi}) \\"
                 r"f_t &= \sigma(W_{if} x_t + b_{if} + W_{hf} h_{t-1} + b_{hf}) \\"
                 r"g_t &= \tanh(W_{ig} x_t + b_{ig} + W_{hg} h_{t-1} + b_{hg}) \\"
                 r"o_t &= \sigma(W_{io} x_t + b_{io} + W_{ho} h_{t-1} + b_{ho})"
                 r"\end{aligned}"),
        Equation("The cell state (with $c_0 = 0$) and the hidden state. Olah and d2l write $g_t$ as $\\tilde C_t$.",
                 r"\begin{aligned} c_t &= f_t \odot c_{t-1} + i_t \odot g_t \\ h_t &= o_t \odot \tanh(c_t) "
                 r"\end{aligned}"),
    ), "lstm"),
    Group("GRU", "gru", (
        Equation("Two gates (reset, update) and the candidate, as in PyTorch.",
                 r"\begin{aligned}"
                 r"r_t &= \sigma(W_{ir} x_t + b_{ir} + W_{hr} h_{t-1} + b_{hr}) \\"
                 r"z_t &= \sigma(W_{iz} x_t + b_{iz} + W_{hz} h_{t-1} + b_{hz}) \\"
                 r"n_t &= \tanh\big(W_{in} x_t + b_{in} \\ &\qquad + r_t \odot (W_{hn} h_{t-1} + b_{hn})\big)"
                 r"\end{aligned}"),
        Equation("The new state mixes candidate and old state. Olah (2015) and Wikipedia swap $z$ and $1 - z$; "
                 "Cho et al. (2014) and d2l use $W_{hn}(r_t \\odot h_{t-1})$ in $n_t$.",
                 r"h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}"),
    ), "gru"),
    Group("Memory time", "memory_lab", (
        Equation("Along the cell state alone, the gradient from step $T$ back to step $t$ is multiplied by the "
                 "forget gates in between, elementwise. A value multiplied by a forget gate $f$ at every step "
                 "keeps $f^d$ of itself after $d$ steps: a memory time of about $1/(1-f)$ steps; with "
                 "$f = \\sigma(b_f)$, $b_f = 3$ gives $f \\approx 0.953$, about 21 steps.",
                 r"\begin{aligned} \frac{\partial c_T}{\partial c_t}\Big|_{\text{cell path}} &= "
                 r"\operatorname{diag}\Big(\prod_{k=t+1}^{T} f_k\Big) \\ \text{kept after } d \text{ steps} &= f^d "
                 r"\\ \text{memory time} &\approx \frac{1}{1 - f} \end{aligned}"),
    ), "memory-time"),
    Group("Adam", "memory_lab", (
        Equation("At update $n$, with $\\nabla_n$ the gradient of the loss for the parameters $\\theta$: running "
                 "averages of the gradient and of its square (elementwise), corrected for their start at 0, then the "
                 "step with learning rate $\\eta$ (PyTorch's defaults: $\\beta_1 = 0.9$, $\\beta_2 = 0.999$, "
                 "$\\epsilon = 10^{-8}$).",
                 r"\begin{aligned}"
                 r"m_n &= \beta_1 m_{n-1} + (1 - \beta_1)\, \nabla_n \\ v_n &= \beta_2 v_{n-1} + (1 - \beta_2)\, \nabla_n^2 \\"
                 r"\hat m_n &= \frac{m_n}{1 - \beta_1^{\,n}} \\ \hat v_n &= \frac{v_n}{1 - \beta_2^{\,n}} \\"
                 r"\theta_n &= \theta_{n-1} - \eta\, \frac{\hat m_n}{\sqrt{\hat v_n} + \epsilon}"
                 r"\end{aligned}"),
    ), "adam"),
    Group("Bits per character, perplexity and temperature", "text_lab", (
        Equation("The mean surprise of each character given the ones before it, in bits, over a text of $N$ "
                 "characters: the cross-entropy $L_t$ (in nats, as PyTorch computes it) divided by $\\ln 2$, with "
                 "$x_1$ predicted from $h_0$; perplexity is 2 to that power.",
                 r"\begin{aligned} \text{bpc} &= \frac{1}{N \ln 2} \sum_{t=1}^{N} L_t \\"
                 r"L_t &= -\ln p(x_t \mid x_1, \dots, x_{t-1}) \\"
                 r"\text{perplexity} &= 2^{\text{bpc}} \end{aligned}"),
        Equation("Sampling at temperature $\\tau$: below 1 sharper, above 1 flatter.",
                 r"p_t = \operatorname{softmax}\!\left(\frac{y_t}{\tau}\right)"),
    ), "bits-per-character"),
)
