"""Lesson 4: vanishing and exploding gradients, singular values, gradient clipping and the cliff."""

import math

import numpy as np
import streamlit as st

from app import controls, lesson
from app import vanishing_text as text
from app.figures.gradients import (LOG10_FLOAT_MAX, clipping_vectors, cliff_figure, fmt_log10, fmt_number,
                                   jacobian_figure, norm_bars, step_length_figure, unit_heatmap)
from app.torch_snippet import pytorch_snippet
from rnn_core import RNN, clip_by_norm, clip_by_value, global_norm, matrix_with_singular_values, sequences
from rnn_core.clipping import clamped_entries, direction_change
from rnn_core.cliff import (H0, LEARNING_RATE, START, STEPS, TARGET, cliff_gradient, cliff_surface, descend)
from rnn_core.vanishing import (EXPLODING, NONLINEARITIES, SATURATED, analyse_setting, forward_by_hand,
                                jacobians_by_hand, spectral_radius)

URL_PATH = "vanishing_exploding"
TITLES = ["Gradient reach", "Per unit detail", "Clipping", "The cliff"]
NETWORK_PARTS = tuple(TITLES[:3])       # the parts that show the network; the cliff is a network of its own
PRESET_LABELS = {"words": "Words", "sine": "Sine wave", "impulse": "Impulse"}
S_MIN, S_MAX = 0.05, 5.0
PREDICT_S_MAX = 1.5                     # the predict-then-move check: raise s_max to this
# URL key of each setting of the network (rnn_core.vanishing's setting dicts use the names on the left).
KEYS = dict(hidden="v_H", s_max="v_smax", decay="v_decay", nonlinearity="v_f", preset="v_seq", input_scale="v_in",
            length="v_T", seed="v_seed")
CLIFF_W = np.linspace(0.6, 2.6, 161)
CLIFF_B = np.linspace(-0.8, 1.0, 145)
CLIP_LOWEST = -4.0                      # the clipping threshold slider runs from c = 10^-4 to 10^4
CLIP_DEFAULT = -0.25                    # c = 0.562: at the defaults (||g|| = 1.95) both clippings visibly act
FIRST_FIGURE = 310                      # px, each tab's first figure when presenting: whole under the title at 720
ORTHOGONAL = dict(s_max=1.0, decay=1.0)  # the "Orthogonal W_hh" button: every singular value 1


@st.cache_data(max_entries=32, show_spinner=False)
def reach(setting, full=True):
    """rnn_core.vanishing.analyse_setting, once per setting for the whole server (every student gets the same
    numbers). setting: hidden, s_max, decay, nonlinearity, preset, input_scale, length, seed."""
    return analyse_setting(setting, full)


@st.cache_data(max_entries=4, show_spinner=False)
def cliff_landscape():
    return cliff_surface(CLIFF_W, CLIFF_B)


@st.cache_data(max_entries=16, show_spinner=False)
def cliff_runs(method, threshold):
    return descend(), descend(clip=method, threshold=threshold)


def apply(setting):
    """A button's on_click: put a setting of rnn_core.vanishing into the controls (before they are drawn)."""
    st.session_state.update({KEYS[name]: value for name, value in setting.items()})


def coordinate_names(hidden):
    """The entries of W_hh as the course names them, rows and columns from 1."""
    return [f"W_hh[{i},{j}]" for i in range(1, hidden + 1) for j in range(1, hidden + 1)]


def html_name(name):
    return name.replace("W_hh", "W<sub>hh</sub>")


def reach_part(r, setting):
    """Gradient reach: ||dh_T/dh_t|| against the step t, the bound, the linear RNN, the regime, the presets."""
    T = r.steps
    lesson.chart(jacobian_figure(r.log10_norms, r.log10_bound,
                                 None if r.nonlinearity == "linear" else r.log10_linear, regime=r.regime,
                                 compact=lesson.presenting()),
                 key="jacobians", alt=f"How the norm of the gradient from the last state h_T back to each step t "
                                      f"changes with t: {r.regime}", present_height=FIRST_FIGURE)
    a, b, c, d = st.columns(4)
    a.metric("Regime", r.regime)
    b.metric(r"$\|\partial h_T/\partial h_1\|$", fmt_log10(r.farthest).split(" (")[0],
             help=f"The product of the {T - 1} Jacobians from h_1 to h_T, T = {T}.")
    c.metric("Largest singular value $s_{max}$", f"{r.s_max:.3g}")
    d.metric(r"Spectral radius $\rho$", f"{r.rho:.3g}", help="The largest |eigenvalue| of W_hh: never above s_max.")
    st.latex(text.bound_equation(r))
    overflowed = int(np.sum(np.isfinite(r.log10_norms) & (r.log10_norms > LOG10_FLOAT_MAX)))
    if overflowed:
        st.info(f"{overflowed} of the {T} norms are larger than the largest float64 number (about "
                "1.8 × 10³⁰⁸): computed directly, they would be infinite. The page computes their logarithms "
                "instead, so they appear at their true size inside the shaded overflow band.", icon=":material/info:")
    lesson.explain(text.reading_text(r))
    lesson.explain(text.condition_text(r))
    lesson.explain(text.linear_text(r))
    # The check before the presets and the saturation paragraph: they would give its answer away.
    target = reach({**setting, "s_max": PREDICT_S_MAX}, full=False)       # its norms are all the check needs
    lesson.predict("v_predict_smax", text.predict_question(r.nonlinearity, PREDICT_S_MAX),
                   ["Yes, it rises above 1", "No, it stays below 1"], answer=0 if target.farthest > 0 else 1,
                   why=text.predict_why(target), instruction=f"set Largest singular value s_max to {PREDICT_S_MAX}",
                   ready=math.isclose(r.s_max, PREDICT_S_MAX))
    if r.nonlinearity == "tanh" and r.gamma * r.s_max >= 1:
        lesson.explain(text.saturation_text(r))
    elif r.nonlinearity == "sigmoid":
        lesson.explain(text.sigmoid_text(r))
    lesson.explain(text.CONDITIONS)
    presets_row(setting)
    lesson.note("Bengio, Simard & Frasconi (1994) showed why gradient descent struggles with long-term "
                "dependencies; Pascanu, Mikolov & Bengio (2013) gave the singular-value conditions and clipping.")
    lesson.show_code(RNN.step, forward_by_hand, jacobians_by_hand, spectral_radius, matrix_with_singular_values,
                     torch=None if r.nonlinearity == "sigmoid" else (lambda: torch_reach_program(r)))
    if r.nonlinearity == "sigmoid":
        lesson.note("PyTorch's `nn.RNN` offers tanh and relu only: a sigmoid RNN is written out step by step "
                    "there, as `RNN.step` does here.")
    lesson.downloads("vanishing_gradients", {"log10_norm_dhT_dht": r.log10_norms, "log10_bound": r.log10_bound,
                                              "log10_linear_rnn": r.log10_linear}, settings=setting)


def presets_row(setting):
    """Three settings a student would not guess, each with what it shows, computed from rnn_core (the orthogonal
    one keeps the other controls: its sentence is computed at the current setting with every singular value 1)."""
    st.markdown("**Try these settings.**")
    left, middle, right = st.columns(3)
    left.button("Orthogonal W_hh", key="v_orthogonal", on_click=apply, args=(ORTHOGONAL,),
                icon=":material/crop_square:", use_container_width=True)
    with left:
        lesson.explain(text.orthogonal_text(reach({**setting, **ORTHOGONAL}, full=False)))
    middle.button("s_max > 1, still vanishing", key="v_saturated", on_click=apply, args=(SATURATED,),
                  icon=":material/science:", use_container_width=True)
    with middle:
        lesson.explain(text.saturated_preset_text(reach(SATURATED), SATURATED))
    right.button("Exploding with tanh", key="v_exploding", on_click=apply, args=(EXPLODING,),
                 icon=":material/trending_up:", use_container_width=True)
    with right:
        lesson.explain(text.exploding_preset_text(reach(EXPLODING), EXPLODING))


def torch_reach_program(r):
    """PyTorch: the same network, and ||dh_T/dh_1|| by autograd (or W_hh's power, for a linear RNN)."""
    program = pytorch_snippet(r.cell, r.x, show="output.shape")
    T = r.steps
    if T < 2:
        return program
    if r.nonlinearity == "linear":
        lines = [f"# A linear RNN's Jacobians are all W_hh: dh_T/dh_1 = W_hh^{T - 1}",
                 f"J = torch.linalg.matrix_power(weight_hh.detach(), {T - 1})"]
    else:
        lines = ["# dh_T/dh_1 by autograd: h_T as a function of h_1 (steps 2..T run from it)",
                 "def last_state(h_1):",
                 "    out, _ = cell(x[1:], h_1[None])",
                 "    return out[-1]",
                 "J = torch.autograd.functional.jacobian(last_state, output[0].detach())"]
    lines.append("print(torch.linalg.matrix_norm(J, ord=2))  # the page's ||dh_T/dh_1||")
    return program + "\n" + "\n".join(lines) + "\n"


def units_part(r, setting):
    """Per unit detail: the gradient of a loss on the last state only, unit by unit."""
    gradient = r.loss_gradient
    lesson.chart(unit_heatmap(gradient.log10_abs, gradient.sign), key="units",
                 alt="The size of the gradient of a loss on the last state, for every unit j and step t",
                 present_height=FIRST_FIGURE)
    lesson.explain(text.units_text(r))
    lesson.note("Computed with a running rescaling, so even $10^{-400}$ or $10^{400}$ is exact in log form.")
    lesson.show_code(RNN.step, forward_by_hand, jacobians_by_hand)
    lesson.downloads("vanishing_per_unit", {"log10_abs_dL_dh": gradient.log10_abs}, settings=setting)


def clipping_part(r, exponent, first, second):
    """Two coordinates of the gradient, clipped by norm and by value."""
    grads = r.grads
    if not all(np.all(np.isfinite(g)) for g in grads.values()):
        st.warning("The gradient of this network has overflowed float64 (entries are inf): the forward pass itself "
                   "has left the float64 range. Clipping rescales a finite gradient; once it has overflowed there is "
                   "nothing left to rescale. Lower s_max or shorten T.", icon=":material/warning:")
        return
    threshold = 10.0 ** exponent
    by_norm, norm = clip_by_norm(grads, threshold)
    by_value = clip_by_value(grads, threshold)
    names = coordinate_names(r.cell.hidden_size)
    i1, i2 = names.index(first), names.index(second)
    pick = lambda g: np.array([np.ravel(g["weight_hh"])[i1], np.ravel(g["weight_hh"])[i2]])
    left, right = st.columns([3, 2])
    with left:
        lesson.chart(clipping_vectors(pick(grads), pick(by_norm), pick(by_value), threshold,
                                      [html_name(first), html_name(second)], compact=lesson.presenting()),
                     key="clip_vectors",
                     alt="Two coordinates of the gradient before clipping, after clip_by_norm and after clip_by_value",
                     present_height=FIRST_FIGURE)
    with right:
        lesson.chart(norm_bars(norm, global_norm(by_norm), global_norm(by_value)), key="clip_norms",
                     alt="The gradient's norm before clipping, after clip_by_norm and after clip_by_value",
                     present_height=FIRST_FIGURE)
    scale = min(1.0, threshold / (norm + 1e-6))
    st.latex(text.clipping_equation(norm, threshold, scale))
    parameters = sum(np.size(g) for g in grads.values())
    lesson.explain(text.clipping_text(parameters, norm, threshold, scale, clamped_entries(grads, threshold),
                                      direction_change(grads, by_value), 10.0 ** CLIP_LOWEST, (first, second)))
    lesson.explain(text.WHEN_TO_CLIP)
    lesson.show_code(clip_by_norm, clip_by_value, global_norm,
                     torch=None if r.nonlinearity == "sigmoid" else (lambda: torch_clip_program(r, threshold)))


def torch_clip_program(r, threshold):
    """PyTorch: the same gradient, its norm, then clip_grad_norm_ as a training loop applies it."""
    program = pytorch_snippet(r.cell, r.x, dh=r.dh, show="torch.sqrt(sum((g ** 2).sum() for g in grads.values()))")
    params = "[weight_ih, weight_hh, bias_ih, bias_hh]" if r.nonlinearity == "linear" else "cell.parameters()"
    lines = ["# Once per update: after loss.backward(), before optimizer.step()",
             f"torch.nn.utils.clip_grad_norm_({params}, max_norm={threshold!r})",
             "print(torch.sqrt(sum((g ** 2).sum() for g in grads.values())))  # the norm after clip_by_norm"]
    return program + "\n" + "\n".join(lines) + "\n"


def cliff_part(method, cliff_threshold):
    """Plain and clipped gradient descent on the cliff."""
    plain, clipped = cliff_runs(method, cliff_threshold)
    clipped_name = f"clip_by_{method}, c = {cliff_threshold:g}"
    lesson.chart(cliff_figure(CLIFF_W, CLIFF_B, cliff_landscape(), plain.points, clipped.points,
                              clipped_name=clipped_name), key="cliff",
                 alt="The loss surface of one recurrent unit over (w, b), with two gradient-descent paths",
                 present_height=FIRST_FIGURE)
    k = plain.largest_step_index
    a, b, c = st.columns(3)
    a.metric("Plain: longest update", fmt_number(plain.largest_step), help=f"update {k + 1}")
    b.metric("Gradient norm there", fmt_number(plain.grad_norms[k]))
    c.metric("Clipped: longest update", fmt_number(clipped.largest_step))
    _, dw0, db0 = cliff_gradient(*START)
    lesson.explain(text.cliff_text(plain, clipped, method, cliff_threshold, LEARNING_RATE,
                                   math.hypot(float(dw0), float(db0)), STEPS, H0, TARGET))
    lesson.chart(step_length_figure(plain.step_lengths, clipped.step_lengths, clipped_name=clipped_name),
                 key="cliff_steps", alt="The length of every update of both runs")
    lesson.show_code(cliff_gradient, descend)


def overflow_warning(r, length):
    if r.overflow_step is None:
        return
    if r.nonlinearity == "relu":
        st.warning(f"The hidden state itself overflowed float64 at step {r.overflow_step} (a relu RNN does not "
                   f"squash its state, and the slopes of the overflowed units are undefined). This part uses the "
                   f"first {r.steps} of the {length} steps, where the state is finite.", icon=":material/warning:")
    else:
        st.warning(f"The hidden state itself overflowed float64 at step {r.overflow_step} (a linear RNN does not "
                   "squash its state). Its Jacobians are all $W_{hh}$ whatever the state, so the norms in the "
                   "Gradient reach tab are still exact; the weight gradient in the Clipping tab is not.",
                   icon=":material/warning:")


lesson.header(
    "Vanishing and exploding gradients",
    "Backpropagating from the last state $h_T$ to an earlier state $h_t$ multiplies one "
    f"{lesson.glossary_link('Jacobian')} per step in between, "
    "$\\partial h_T/\\partial h_t = J_T \\cdots J_{t+2} J_{t+1}$ with "
    "$J_k = \\partial h_k/\\partial h_{k-1} = \\mathrm{diag}(f'(a_k))\\,W_{hh}$, where "
    "$a_k = W_{ih} x_k + b_{ih} + W_{hh} h_{k-1} + b_{hh}$. A long product of matrices shrinks or grows roughly "
    "geometrically, so the gradient from far back usually fades (vanishes) or blows up (explodes): why plain RNNs "
    "struggle with long-term dependencies (Bengio, Simard & Frasconi 1994). You set the "
    f"{lesson.glossary_link('singular value', 'singular values')} $s_1 \\ge \\dots \\ge s_H$ of $W_{{hh}}$: how much it "
    "stretches vectors along its principal directions; the largest, $s_{max}$, is the most it can stretch any vector.",
    short="The gradient from the last state back to step $t$ is a product of $T - t$ Jacobians: it shrinks or "
          "grows roughly geometrically.",
)


@st.fragment
def vanishing_demo():
    """Every control and the open part: a control reruns this function only, not the text and questions around it."""
    part, body = lesson.tabs("v_part", TITLES)
    with body:
        panel = lesson.ControlPanel(part, scope=URL_PATH, columns=2)
        clipping = part == "Clipping"
        nonlinearity = controls.choice("Nonlinearity f", "v_f", list(NONLINEARITIES), "tanh", widget="segmented",
                                       container=panel.slot(*NETWORK_PARTS))
        s_max = controls.float_slider(
            "Largest singular value s_max", "v_smax", S_MIN, S_MAX, 1.0, 0.05, container=panel.slot(*NETWORK_PARTS),
            help="W_hh = U diag(s) V^T with random orthogonal U and V (from the seed): its singular values are "
                 "exactly s_1 = s_max, s_2 = s_max d, s_3 = s_max d^2, ...")
        decay = controls.float_slider(
            "Singular-value decay d", "v_decay", 0.5, 1.0, 0.8, 0.05,
            container=panel.slot(*NETWORK_PARTS, more=clipping),
            help="s_k = s_max d^(k-1). At d = 1 every singular value is s_max: W_hh is s_max times an orthogonal "
                 "matrix.")
        length = controls.int_slider("Sequence length T", "v_T", 2, 500, 50, container=panel.slot(*NETWORK_PARTS))
        input_scale = controls.float_slider(
            "Input weight scale α", "v_in", 0.0, 4.0, 1.0, 0.1, container=panel.slot(*NETWORK_PARTS),
            help="Entries of W_ih uniform in [-α, α]. Large input weights push tanh and sigmoid units into saturation.")
        hidden = controls.int_slider("Hidden size H", "v_H", 2, 16, 4,
                                     container=panel.slot(*NETWORK_PARTS, more=clipping))
        preset = controls.choice("Input sequence", "v_seq", list(sequences.PRESETS), "words",
                                 format_func=lambda name: PRESET_LABELS.get(name, name),
                                 container=panel.slot(*NETWORK_PARTS, more=clipping))
        seed = controls.seed_input(key="v_seed", container=panel.slot(*NETWORK_PARTS, more=True))
        exponent = controls.float_slider("Clipping threshold c", "v_clip", CLIP_LOWEST, 4.0, CLIP_DEFAULT, 0.25,
                                         format="10^%.2f",
                                         container=panel.slot("Clipping"),
                                         help="On a log scale: the slider shows c as a power of 10.")
        # The cliff's controls before the coordinates: the panel's style rules go to Streamlit's event container, and
        # a tab switch is a fragment rerun, which replaces them by position and leaves the previous run's extra ones in
        # place. The cliff folds nothing, so it writes one rule fewer (no "More controls" rule): the last rule of the
        # tab before stays, and it must not be the one that hid a cliff control there. The last slot is a coordinate,
        # hidden on the cliff anyway.
        method = controls.choice("Clipping for the second run", "v_cliffm", ["norm", "value"], "norm",
                                 widget="segmented", container=panel.slot("The cliff"),
                                 format_func=lambda m: f"clip_by_{m}")
        cliff_threshold = controls.float_slider("Clipping threshold c on the cliff", "v_cliffc", 0.5, 20.0, 2.0, 0.5,
                                                container=panel.slot("The cliff"))
        setting = dict(hidden=hidden, s_max=s_max, decay=decay, nonlinearity=nonlinearity, preset=preset,
                       input_scale=input_scale, length=length, seed=seed)
        r = reach(setting)
        names = coordinate_names(hidden)
        # The two largest entries of the W_hh gradient by default: clip_by_value cuts them most, so the turn shows.
        order = np.argsort(-np.abs(np.nan_to_num(np.ravel(r.grads["weight_hh"]))), kind="stable")
        first = controls.choice("First coordinate", "v_c1", names, names[order[0]],
                                container=panel.slot("Clipping", more=True))
        second = controls.choice("Second coordinate", "v_c2", names, names[order[1]],
                                 container=panel.slot("Clipping", more=True))
        if part in NETWORK_PARTS:
            overflow_warning(r, length)
        if part == "Gradient reach":
            reach_part(r, setting)
        elif part == "Per unit detail":
            units_part(r, setting)
        elif part == "Clipping":
            clipping_part(r, exponent, first, second)
        else:
            cliff_part(method, cliff_threshold)


vanishing_demo()

lesson.quiz(
    "quiz_sigmoid_gamma",
    "A sigmoid RNN has $s_{max} = 3$. What must $\\|\\partial h_T/\\partial h_t\\|$ do as $T - t$ grows?",
    ["It can grow, since $s_{max} = 3$ is above 1", "It must shrink, since $s_{max} = 3$ is below 4",
     "It depends on the inputs, since they set the slopes"],
    answer=1,
    why="The sigmoid's slope $\\sigma(a)(1 - \\sigma(a))$ is at most $\\gamma = 1/4$, so $\\|J_k\\| \\le s_{max}/4 "
        "= 3/4$ and $\\|\\partial h_T/\\partial h_t\\| \\le (3/4)^{T-t}$ for any inputs: $s_{max} < 1/\\gamma = 4$ is "
        "sufficient for vanishing.",
    wrong=["For a sigmoid RNN the line to compare $s_{max}$ with is not 1: look at $\\gamma$, the largest slope of "
           "the sigmoid, and at what it caps.", None,
           "The inputs do set the slopes, but no input can push a sigmoid's slope above its $\\gamma$: ask what that "
           "cap allows each Jacobian's norm to be."],
)
lesson.quiz(
    "quiz_necessary",
    "A tanh RNN has $s_{max} = 1.5$. Must its gradient explode over many steps?",
    ["Yes: every step can multiply it by 1.5", "No: tanh makes exploding gradients impossible",
     "No: saturated units can make it vanish"],
    answer=2,
    why="$s_{max} > 1/\\gamma$ is necessary for exploding but not sufficient: saturated units ($h$ near $\\pm 1$) "
        "have slopes $1 - h^2$ near 0, which multiply the product down. The *s_max > 1, still vanishing* button shows "
        "it.",
    wrong=["1.5 is only the most $W_{hh}$ can stretch a vector; the slopes $1 - h^2$ multiply in too, and they can "
           "be far below 1.",
           "With small states the tanh slopes are near 1, and a large $W_{hh}$ can then make the product grow: the "
           "*Exploding with tanh* button shows it.", None],
)
lesson.quiz(
    "quiz_clip",
    "Which clipping keeps the direction of the gradient?",
    ["clip_by_norm: every entry scaled by one factor", "clip_by_value: every entry clamped to [−c, c]",
     "Both: either one only makes the gradient shorter"],
    answer=0,
    why="clip_by_norm multiplies every entry by the same factor $\\min(1, c/\\|g\\|)$: shorter, same direction.",
    wrong=[None, "Clamping cuts large entries and leaves small ones alone, so the ratios between the entries "
                 "change, and with them the direction.",
           "Only one of them shortens without turning: clamping the entries one by one changes their ratios."],
)
lesson.quiz(
    "quiz_spectral_radius",
    "A linear RNN $h_t = W_{hh} h_{t-1}$ has $s_{max} = 1.2$ and spectral radius $\\rho = 0.9$. What does its state "
    "do over many steps?",
    ["It shrinks like $0.9^t$ in the long run", "It grows like $1.2^t$ without any limit",
     "It keeps its size: the two effects cancel"],
    answer=0,
    why="$\\|W_{hh}^k\\|$ behaves like $\\rho^k$ for large $k$: the state shrinks like $0.9^t$ in the long run, although "
        "a few early steps may stretch it (by at most 1.2 each).",
    wrong=[None, "$s_{max}$ only bounds the growth from above, $\\|W_{hh}^k\\| \\le 1.2^k$; after a few steps the "
                 "powers of $W_{hh}$ follow its eigenvalues instead.",
           "Nothing cancels: the long-run rate is set by the largest |eigenvalue| alone, and here it is below 1."],
)
lesson.takeaways([
    "Backpropagating from $h_T$ to $h_t$ multiplies $T - t$ Jacobians $\\mathrm{diag}(f')\\,W_{hh}$: the gradient "
    "changes roughly geometrically with the distance.",
    "$s_{max} < 1/\\gamma$ ($\\gamma$ = 1 for tanh, 1/4 for the sigmoid) is sufficient for vanishing; "
    "$s_{max} > 1/\\gamma$ is necessary, not sufficient, for exploding (Pascanu et al. 2013).",
    "A linear RNN grows or shrinks like $\\rho^t$ ($\\rho$ the spectral radius of $W_{hh}$), never faster than "
    "$s_{max}^t$; with tanh, saturation usually pulls a large $W_{hh}$ back to vanishing.",
    "Clip once per training update, after backpropagation and before the optimizer's step: by norm keeps the "
    "direction, by value does not. Clipping does nothing for vanishing gradients.",
])
lesson.misconceptions([
    ("If the largest singular value is above 1, the gradient explodes.",
     "Above $1/\\gamma$ it *can* explode; whether it does depends on the slopes of the nonlinearity along "
     "the actual sequence, and saturated tanh units usually make it vanish. Below $1/\\gamma$ it *must* vanish."),
    ("A linear RNN with largest singular value $s_{max}$ grows like $s_{max}^t$.",
     "It grows or shrinks like $\\rho^t$ in the long run, $\\rho \\le s_{max}$ the spectral radius. The two are equal "
     "for $W_{hh} = s_{max} Q$ ($Q$ orthogonal), and more generally for any normal matrix (a symmetric one, for "
     "example); for a typical $W_{hh}$, $\\rho < s_{max}$."),
    ("Gradient clipping is applied at every time step of the unroll.",
     "It is applied once per training update: after backpropagation has summed the gradient over all steps, "
     "before the optimizer's step."),
    ("Gradient clipping fixes vanishing gradients too.",
     "Clipping only shrinks large gradients. Vanishing gradients need other remedies: gated cells (LSTM, "
     "GRU), careful initialisation (e.g. orthogonal $W_{hh}$), shorter paths."),
    ("Clipping by value and clipping by norm are the same thing.",
     "Norm clipping rescales the whole gradient and keeps its direction; value clipping clamps each entry "
     "and changes the direction. Both exist in PyTorch (`clip_grad_norm_`, `clip_grad_value_`)."),
])
