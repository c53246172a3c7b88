"""The sentences of the vanishing/exploding lesson, each built from the rnn_core result its figure draws.

Pure functions (no Streamlit calls): they take an ``rnn_core.vanishing.Reach`` (or the clipping and cliff numbers)
and return Markdown, so a test can build every sentence at every extreme of the controls and compare its numbers
with the figure's. A sentence that states a number, a direction or a comparison is either computed here or true at
every setting; a claim that holds only in some settings is said only in those.
"""

from __future__ import annotations

import math

import numpy as np

from app.figures.gradients import tex_log10
from app.lesson import glossary_link
from app.theme import NAMES
from rnn_core.bptt import REGIME_HIGH, REGIME_LOW

SATURATED_SLOPE = 0.1   # a tanh slope 1 - h^2 below this counts as saturated (|h| above 0.95)
ACTIVATION = {"tanh": "tanh", "sigmoid": "the sigmoid", "relu": "relu", "linear": "the identity (no nonlinearity)"}


def tex_number(value: float) -> str:
    """A positive number (or 0) as LaTeX with 3 significant digits: 0.1, 1.95, 1.00 \\times 10^{4}."""
    return "0" if value == 0 else tex_log10(math.log10(value))


def steps_word(n: int) -> str:
    return f"{n} step" if n == 1 else f"{n} steps"


def gamma_tex(gamma: float) -> str:
    return "1/4" if gamma == 0.25 else f"{gamma:g}"


def growth_word(rate: float) -> str:
    return "grows" if rate > 1 else ("shrinks" if rate < 1 else "keeps its size")


def spectrum_tex(singular_values) -> str:
    values = [f"{s:.3g}" for s in singular_values]
    if len(values) > 5:
        values = values[:3] + ["\\dots"] + values[-1:]
    return "(" + ", ".join(values) + ")"


def bound_equation(r) -> str:
    """LaTeX: ||dh_T/dh_1|| = ... <= (gamma s_max)^(T-1) = ..., four short lines (a 390 px phone shows them whole)."""
    T = r.steps
    return (rf"\begin{{aligned}}\left\|\frac{{\partial h_{{{T}}}}}{{\partial h_1}}\right\| &= {tex_log10(r.farthest)}"
            rf" \\ &\le (\gamma\, s_{{max}})^{{{T - 1}}}"
            rf" \\ &= ({gamma_tex(r.gamma)} \cdot {r.s_max:.3g})^{{{T - 1}}}"
            rf" \\ &= {tex_log10(float(r.log10_bound[0]))}\end{{aligned}}")


def reading_text(r) -> str:
    """What the figure shows, and the regime read off it."""
    T = r.steps
    linear = "" if r.nonlinearity == "linear" else "; the dotted blue line is a linear RNN with the same $W_{hh}$"
    return (f"The {NAMES['gradient']} curve is $\\|\\partial h_T/\\partial h_t\\|$ at every step $t$: how strongly the "
            f"last state $h_{{{T}}}$ still depends on $h_t$. It is 1 at $t = T$, and every step further left "
            f"multiplies by one more {glossary_link('Jacobian')} $J_k = \\mathrm{{diag}}(f'(a_k))\\,W_{{hh}}$. The dashed "
            f"grey line is the bound $(\\gamma s_{{max}})^{{T-t}}$, with $\\gamma = {gamma_tex(r.gamma)}$ the largest "
            f"slope of {ACTIVATION[r.nonlinearity]}{linear}. From $h_{{{T}}}$ back to $h_1$, across {steps_word(T - 1)}, the norm "
            f"is ${tex_log10(r.farthest)}$: **{r.regime}** (the label reads this number only, the one at $t = 1$: below "
            f"$10^{{{REGIME_LOW:.0f}}}$ vanishing, above $10^{{{REGIME_HIGH:.0f}}}$ exploding, in between neither).")


def condition_text(r) -> str:
    """The sufficient and the necessary condition, said of this figure."""
    T = r.steps
    gamma_s = r.gamma * r.s_max
    if gamma_s < 1:
        return (f"Here $\\gamma s_{{max}} = {gamma_s:.3g} < 1$: every Jacobian can only shrink the gradient, so it "
                f"must vanish as $T - t$ grows, whatever the inputs. Across {steps_word(T - 1)} it is at most "
                f"${tex_log10(float(r.log10_bound[0]))}$.")
    if r.nonlinearity == "linear":
        slopes = "For a linear RNN every slope is 1, so each Jacobian is $W_{hh}$ itself"
    else:
        slopes = (f"But each Jacobian also multiplies by the slopes $f'(a_k)$ along this sequence, which average "
                  f"{r.mean_slope:.3f}")
    text = f"Here $\\gamma s_{{max}} = {gamma_s:.3g} \\ge 1$: the bound does not force the gradient to shrink. {slopes}. "
    if r.regime == "vanishing":
        return text + (f"The gradient vanishes anyway (${tex_log10(r.farthest)}$ across {steps_word(T - 1)}): a "
                       "bound at or above 1 allows growth, it does not cause it.")
    if r.regime == "exploding":
        return text + f"The gradient explodes, by a factor of about {r.factor:.3g} per step on average."
    return text + neither_text(r)


def neither_text(r) -> str:
    """The middle regime: where the product ends, and how far it strayed from 1 on the way there."""
    T = r.steps
    text = (f"Across {steps_word(T - 1)} the product ends at ${tex_log10(r.farthest)}$, between "
            f"$10^{{{REGIME_LOW:.0f}}}$ and $10^{{{REGIME_HIGH:.0f}}}$")
    strays = []
    top, bottom = int(np.argmax(r.log10_norms)), int(np.argmin(r.log10_norms))
    if r.log10_norms[top] > REGIME_HIGH:
        strays.append(f"rose to ${tex_log10(float(r.log10_norms[top]))}$ at step {top + 1}")
    if r.log10_norms[bottom] < REGIME_LOW:
        strays.append(f"fell to ${tex_log10(float(r.log10_norms[bottom]))}$ at step {bottom + 1}")
    if strays:
        return text + f", although on the way back it {' and '.join(strays)}: the label reads only step 1."
    return text + ", and it stays between them at every step."


def linear_text(r) -> str:
    """A linear RNN with the same W_hh: ||W^k|| behaves like rho^k, never faster than s_max^k."""
    T = r.steps
    rho, s_max = r.rho, r.s_max
    text = (f"The singular values of $W_{{hh}}$ are $s = {spectrum_tex(r.singular_values)}$; its "
            f"{glossary_link('spectral radius')} (largest |eigenvalue|) is $\\rho = {rho:.3g}$. ")
    if r.nonlinearity != "linear":
        text += (f"A linear RNN with the same $W_{{hh}}$ would reach $\\|W_{{hh}}^{{{T - 1}}}\\| = "
                 f"{tex_log10(float(r.log10_linear[0]))}$ across the same {steps_word(T - 1)}. ")
    text += "In the long run $\\|W_{hh}^k\\|$ behaves like $\\rho^k$, never faster than $s_{max}^k$. "
    if math.isclose(min(r.singular_values), s_max, rel_tol=1e-12):
        return text + ("Here every singular value is $s_{max}$ ($d = 1$), so $W_{hh} = s_{max} Q$ with $Q$ an "
                       f"{glossary_link('orthogonal matrix')}: then $\\rho = s_{{max}}$ and "
                       f"$\\|W_{{hh}}^k\\| = {s_max:.3g}^k$ exactly.")
    if math.isclose(rho, s_max, rel_tol=1e-9):
        return text + (f"Here $\\rho = s_{{max}} = {s_max:.3g}$: a linear RNN with this $W_{{hh}}$ "
                       f"{growth_word(rho)} like ${s_max:.3g}^k$.")
    return text + (f"Here $\\rho < s_{{max}} = {s_max:.3g}$: a linear RNN with this $W_{{hh}}$ {growth_word(rho)} "
                   f"like ${rho:.3g}^k$ in the long run, not like ${s_max:.3g}^k$.")


def saturated_fraction(r) -> float:
    return float(np.mean(r.slopes < SATURATED_SLOPE))


def saturation_text(r) -> str:
    """Why tanh rarely explodes, with this sequence's slopes and what its gradient did. Said where the bound allows
    growth (gamma s_max >= 1) only: below it the gradient must vanish, whatever the slopes."""
    saturated = saturated_fraction(r)
    outcome = {"exploding": f"and the gradient explodes all the same: the other {1 - saturated:.0%} are enough here",
               "vanishing": "and the gradient vanishes",
               "neither": (f"and $\\|\\partial h_T/\\partial h_1\\|$ ends between $10^{{{REGIME_LOW:.0f}}}$ and "
                           f"$10^{{{REGIME_HIGH:.0f}}}$")}[r.regime]
    return ("**Why tanh rarely explodes.** A large $W_{hh}$ makes large pre-activations, and those "
            f"{glossary_link('saturation', 'saturate')} tanh units: $h$ near $\\pm 1$, where the slope $1 - h^2$ is "
            "near 0. Those small slopes multiply the product down, so the same large weights that could make the "
            "gradient explode also make the units saturate. With tanh, exploding usually needs every direction "
            "stretched (all singular values large, as with the *Exploding with tanh* button below) and enough units "
            f"left unsaturated at every step. Along this sequence {saturated:.0%} of the slopes are below "
            f"{SATURATED_SLOPE}, {outcome}.")


def sigmoid_text(r) -> str:
    """gamma = 1/4 for the sigmoid, with this sequence's largest slope."""
    verdict = ("so this network's gradient must vanish" if r.s_max < 4 else
               "and this $s_{max}$ is not below 4, so the bound allows growth")
    return ("**The sigmoid's $\\gamma = 1/4$.** $\\sigma'(a) = \\sigma(a)\\,(1 - \\sigma(a))$ is largest at "
            "$\\sigma = 1/2$, where it is $1/4$. So every Jacobian has norm at most $s_{max}/4$, and a sigmoid RNN "
            f"with $s_{{max}} < 4$ must vanish. Here $s_{{max}}/4 = {r.s_max / 4:.3g}$, {verdict}; the largest slope "
            f"along this sequence is {float(np.max(r.slopes)):.3f}.")


CONDITIONS = ("**What the singular values decide** (Pascanu, Mikolov & Bengio 2013). With $\\gamma$ the largest slope "
              "of $f$ (1 for tanh, relu and linear, 1/4 for the sigmoid), $\\|J_k\\| \\le \\gamma s_{max}$ for every "
              "step, so $s_{max} < 1/\\gamma$ is *sufficient* for vanishing: the gradient must vanish, whatever the "
              "inputs. $s_{max} > 1/\\gamma$ is *necessary* for exploding, not *sufficient*: the slopes along the "
              "actual sequence decide whether it does.")

def orthogonal_text(r) -> str:
    """The Orthogonal W_hh button: r is the Reach of the current setting with every singular value 1."""
    text = (f"Every singular value 1: $W_{{hh}}$ is an {glossary_link('orthogonal matrix')}, which keeps the length "
            "of every vector. ")
    if r.nonlinearity == "linear":
        return text + "With $f$ = linear every slope is 1 too, and the norm stays exactly 1."
    norm = f"$\\|\\partial h_T/\\partial h_1\\| = {tex_log10(r.farthest)}$"
    if r.farthest < -1e-9:
        return text + (f"With $f$ = {r.nonlinearity} the slopes $f'$ (at most {gamma_tex(r.gamma)}) still shrink "
                       f"the product: here {norm} across {steps_word(r.steps - 1)}. An orthogonal $W_{{hh}}$ removes "
                       "only $W_{hh}$'s share of the shrinking.")
    return text + f"With $f$ = {r.nonlinearity} the slopes $f'$ multiply in too: here {norm}."


def spread_tex(singular_values) -> str:
    low, high = min(singular_values), max(singular_values)
    return f"every $s_k = {high:.3g}$" if math.isclose(low, high, rel_tol=1e-12) else \
        f"$s_k$ from {low:.3g} to {high:.3g}"


def preset_head(r, setting) -> str:
    return (f"tanh, $H = {setting['hidden']}$, {spread_tex(r.singular_values)}, $\\alpha = {setting['input_scale']:g}$, "
            f"$T = {r.steps}$: $\\|\\partial h_T/\\partial h_1\\| = {tex_log10(r.farthest)}$, about {r.factor:.3g} "
            "per step")


def saturated_preset_text(r, setting) -> str:
    """The s_max > 1, still vanishing button: the spectrum, and where the shrinking comes from."""
    text = (f"{preset_head(r, setting)}, while a linear RNN with this $W_{{hh}}$ {growth_word(r.rho)} "
            f"($\\rho = {r.rho:.3g}$). ")
    if min(r.singular_values) > 1:
        return text + ("Every $s_k$ is above 1, so $W_{hh}$ stretches every direction: all of the shrinking comes "
                       "from the tanh slopes $f'$ along this sequence.")
    return text + "The tanh slopes $f'$ along this sequence pull the product down."


def exploding_preset_text(r, setting) -> str:
    """The Exploding with tanh button: W_hh = s Q stretches every direction by s, so the slopes' share per step is
    exactly factor / s (the norm of the product of diag(f') Q, per step)."""
    text = preset_head(r, setting) + ". "
    s_all = max(r.singular_values)
    if math.isclose(min(r.singular_values), s_all, rel_tol=1e-12):
        return text + (f"$W_{{hh}} = {s_all:g} Q$ stretches every direction by {s_all:g} at every step; the slopes "
                       f"$f'$ (with the rotations $Q$) multiply the product by about {r.factor / s_all:.3g} per "
                       f"step, {'not ' if r.factor > 1 else ''}enough to undo {s_all:g}.")
    return text + f"$W_{{hh}}$ stretches by up to {s_all:.3g} per step, and the slopes $f'$ do not undo it."


def predict_question(nonlinearity: str, target_s_max: float) -> str:
    return (f"With $f$ = {nonlinearity} and these inputs, set $s_{{max}}$ to {target_s_max}. Will "
            "$\\|\\partial h_T/\\partial h_1\\|$ end above 1?")


def predict_why(target) -> str:
    """Why ||dh_T/dh_1|| ends where it does at the predicted setting (``target`` is its Reach)."""
    why = (f"At $s_{{max}} = {target.s_max:g}$ the norm across {steps_word(target.steps - 1)} is "
           f"${tex_log10(target.farthest)}$")
    gamma_s = target.gamma * target.s_max
    if target.nonlinearity == "linear":
        return why + (f": every slope of a linear RNN is 1, so this is $\\|W_{{hh}}^{{{target.steps - 1}}}\\|$, which "
                      f"follows $\\rho^k$ with $\\rho = {target.rho:.3g}$.")
    if gamma_s < 1:
        return why + (f": with $\\gamma = {gamma_tex(target.gamma)}$, $\\gamma s_{{max}} = {gamma_s:.3g} < 1$, so it "
                      "must shrink.")
    if target.farthest > 0:
        return why + f": with slopes averaging {target.mean_slope:.3f} the product grows."
    return why + (f": the slopes $f'$ (average {target.mean_slope:.3f}) pull the product below 1, although "
                  "$s_{max} > 1$. A singular value above 1 allows growth; it does not force it.")


def units_text(r) -> str:
    """The per-unit map: a loss on the last state only."""
    gradient = r.loss_gradient
    first = gradient.log10_abs[0]
    if np.isfinite(first).any():
        top = int(np.argmax(np.where(np.isfinite(first), first, -np.inf)))
        largest = (f"At step 1 the largest entry is unit {top + 1}'s, ${tex_log10(float(first[top]))}$; the whole "
                   f"vector has norm ${tex_log10(float(gradient.log10_norm[0]))}$.")
    else:
        largest = "At step 1 the gradient is exactly 0: a step in between has every slope 0 (dead relu units)."
    return ("Take a loss that looks only at the last state, $L = u^\\top h_T$ for a fixed unit vector $u$ (drawn from "
            "the seed), so $\\partial L/\\partial h_T = u$. Its gradient at step $t$ is "
            "$\\partial L/\\partial h_t = u^\\top \\partial h_T/\\partial h_t$, never larger than "
            "$\\|\\partial h_T/\\partial h_t\\|$ of the Gradient reach tab. Each row of the map is one unit $j$, each "
            f"column a step $t$, the colour $|\\partial L/\\partial h_t[j]|$ on a log scale. {largest} "
            f"At step {r.steps} every entry is an entry of $u$. Where the colour drops sharply from one column to the "
            "next one on its left, the step on the right has small slopes $f'$.")


def clipping_equation(norm: float, threshold: float, scale: float) -> str:
    """LaTeX: clip_by_norm's factor with this gradient's numbers, three short lines (a phone shows them whole)."""
    return (r"\begin{aligned}g &\leftarrow g \cdot \min\!\left(1, \frac{c}{\|g\| + 10^{-6}}\right) \\ "
            rf"&= g \cdot \min\!\left(1, \frac{{{tex_number(threshold)}}}{{{tex_number(norm)}}}\right) \\ "
            rf"&= {tex_number(scale)}\, g\end{{aligned}}")


def clipping_text(parameters: int, norm: float, threshold: float, scale: float, clamped: int, angle: float,
                  smallest_threshold: float, coordinates=("W_hh[1,1]", "W_hh[1,2]")) -> str:
    """Clipping by norm and by value, with this gradient's numbers."""
    if norm <= smallest_threshold:
        advice = ("Even the smallest $c$ of the slider is above $\\|g\\|$: clipping leaves this gradient alone, as "
                  "it leaves every small gradient alone.")
    elif norm <= threshold:
        advice = "Lower $c$ below $\\|g\\|$ to see both act."
    else:
        advice = ""
    first, second = (name.replace("W_hh", "W_{hh}") for name in coordinates)
    return (f"This is the gradient of all {parameters} parameters of the network for the loss $L = u^\\top h_T$, seen "
            f"through two of its coordinates, ${first}$ and ${second}$ (others are under More controls). "
            "**clip_by_norm** multiplies the whole gradient by one number when its norm $\\|g\\|$ exceeds $c$, as "
            "`torch.nn.utils.clip_grad_norm_` does: the arrow gets shorter and keeps its direction. **clip_by_value** "
            "clamps each entry into $[-c, c]$ (the dotted square), as `clip_grad_value_` does: large entries are cut "
            f"more than small ones, so the direction changes. Here $\\|g\\| = {tex_number(norm)}$ and "
            f"$c = {tex_number(threshold)}$: clip_by_norm multiplies by ${tex_number(scale)}$; clip_by_value clamps "
            f"{clamped} of the {parameters} entries, which turns the gradient by {angle:.3g} degrees. {advice}").rstrip()


WHEN_TO_CLIP = ("**When to clip.** In training, clipping is applied once per update: backpropagation first adds up "
                "the gradient over every step of the sequence (and every sequence of the minibatch), then the whole "
                "gradient is clipped, then the optimizer takes its step. It is not applied at each time step of the "
                "unroll. Clipping only ever makes a gradient smaller: it does nothing for a vanishing one.")


CLIFF_NEAR = 0.1   # a clipped run that comes this close (in (w, b)) to where the plain run was thrown reached the wall:
# every threshold of the slider gives either at most 0.025 or at least 0.2 (tests/app/test_vanishing_page.py)


def cliff_bound(method: str, learning_rate: float, threshold: float) -> tuple[float, str]:
    """The longest update clipping allows, and how the text names it: learning rate x c for clip_by_norm (the
    gradient's norm is at most c); sqrt(2) x learning rate x c for clip_by_value (each of the two coordinates at
    most c)."""
    if method == "norm":
        return learning_rate * threshold, "the learning rate times $c$"
    return math.sqrt(2) * learning_rate * threshold, "$\\sqrt{2}$ times the learning rate times $c$"


def cliff_text(plain, clipped, method: str, threshold: float, learning_rate: float, start_norm: float,
               steps: int, h0: float, target: float) -> str:
    """The cliff: what the plain run does at the wall, and whether the clipped run reaches the wall at all.
    plain, clipped: rnn_core.cliff.Descent runs from the same start."""
    k = plain.largest_step_index
    longest, bound = cliff_bound(method, learning_rate, threshold)
    text = (f"One recurrent unit, $h_t = w \\tanh(h_{{t-1}}) + b$ with $h_0 = {h0}$, run for {steps} time steps, loss "
            f"$(h_{{{steps}}} - {target})^2$ (after Pascanu, Mikolov & Bengio 2013). For $w > 1$ the unit can settle "
            "at either of two values (fixed points), and which one it ends at switches abruptly with $(w, b)$: the "
            "loss surface has a thin, steep wall. Both runs start at the star with learning rate "
            f"{learning_rate}, where the gradient norm is ${tex_number(start_norm)}$. Plain gradient descent takes "
            f"small updates until update {k + 1}, where it lands on the face of the wall, meets a gradient of norm "
            f"${tex_number(plain.grad_norms[k])}$ and jumps ${tex_number(plain.largest_step)}$ units away, ending at a "
            f"loss of ${tex_number(plain.losses[-1])}$. The clipped run starts with the same gradient, but none of its "
            f"updates can be longer than {bound}, ${tex_number(longest)}$"
            f"{'' if method == 'norm' else ' (both coordinates clamped to $c$)'}. ")
    closest = float(np.min(np.linalg.norm(clipped.points - plain.points[k], axis=1)))
    if closest <= CLIFF_NEAR:
        where = ("it lands where the plain run was thrown" if closest < 1e-9 else
                 f"it comes within ${tex_number(closest)}$ of where the plain run was thrown")
        text += (f"It reaches the wall ({where}), and the wall cannot throw it: its longest update is "
                 f"${tex_number(clipped.largest_step)}$, and it ends at a loss of ${tex_number(clipped.losses[-1])}$. ")
    else:
        text += (f"With $c$ this small it never reaches the wall: after {clipped.step_lengths.size} updates it is "
                 f"still ${tex_number(closest)}$ away from where the plain run was thrown, and its loss has only fallen "
                 f"from ${tex_number(clipped.losses[0])}$ to ${tex_number(clipped.losses[-1])}$. ")
    return text + f"Raise $c$ and watch the longest clipped update grow with it: it is never longer than {bound}."
