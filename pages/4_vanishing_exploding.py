"""Lesson 4: vanishing and exploding gradients, singular values, gradient clipping and the cliff."""

import math

import numpy as np
import streamlit as st

from app import controls, lesson
from app.torch_snippet import pytorch_snippet
from app.figures.gradients import (LOG10_FLOAT_MAX, clipping_vectors, cliff_figure, fmt_log10, jacobian_figure,
                                   norm_bars, step_length_figure, unit_heatmap)
from rnn_core import (RNN, clip_by_norm, clip_by_value, global_norm, jacobian_log_norms,
                      matrix_with_singular_values, sequences)
from rnn_core.bptt import REGIME_HIGH, REGIME_LOW, gradient_regime, last_step_gradient, per_step_factor
from rnn_core.cliff import (H0, LEARNING_RATE, START, STEPS, TARGET, cliff_gradient, cliff_surface, descend)

PRESET_LABELS = {"words": "Words", "sine": "Sine wave", "impulse": "Impulse"}
SLIDERS_UP_TO = 8          # one slider per singular value up to this hidden size
S_MIN, S_MAX = 0.05, 5.0
DEFAULT_S = (1.0, 0.8, 0.6, 0.4, 0.3, 0.2, 0.15, 0.1)
LN10 = math.log(10.0)
SATURATED = dict(v_H=4, v_f="tanh", v_seq="words", v_in=2.0, v_T=100,
                 v_s1=1.5, v_s2=1.3, v_s3=1.1, v_s4=1.0)
CLIFF_W = np.linspace(0.6, 2.6, 161)
CLIFF_B = np.linspace(-0.8, 1.0, 145)


def tex_log10(log10_value):
    """A number given by its log10 as LaTeX: m x 10^e (no float involved, so no overflow); 0 for -inf."""
    if not math.isfinite(log10_value):
        return "0"
    exponent = math.floor(log10_value)
    mantissa = 10 ** (log10_value - exponent)
    if mantissa >= 9.995:
        mantissa, exponent = 1.0, exponent + 1
    return rf"{mantissa:.2f} \times 10^{{{exponent}}}"


def singular_value_key(k):
    return f"v_s{k + 1}"


def make_orthogonal():
    """Every singular value 1: W_hh becomes an orthogonal matrix."""
    for k in range(SLIDERS_UP_TO):
        st.session_state[singular_value_key(k)] = 1.0
    st.session_state["v_smax"], st.session_state["v_decay"] = 1.0, 1.0


def saturated_example():
    st.session_state.update(SATURATED)


@st.cache_data(max_entries=32, show_spinner=False)
def analyse(singular_values, nonlinearity, length, preset, input_scale, seed):
    """The RNN with W_hh = U diag(s) V^T, its Jacobian norms and a last-step loss gradient, all as log10."""
    x = sequences.preset(preset, length)
    H = len(singular_values)
    base = RNN.random(x.shape[1], H, nonlinearity=nonlinearity, seed=seed)
    cell = RNN(weight_ih=input_scale * np.sqrt(H) * base.weight_ih,          # entries uniform in [-scale, scale]
               weight_hh=matrix_with_singular_values(singular_values, seed=seed),
               bias_ih=base.bias_ih, bias_hh=base.bias_hh, nonlinearity=nonlinearity)
    with np.errstate(over="ignore", invalid="ignore"):
        trace = cell.unroll(x)
        finite = np.all(np.isfinite(trace.h), axis=1)
        overflow_step = None if finite.all() else int(np.argmin(finite))   # the forward pass overflowed here
        if overflow_step is not None and nonlinearity == "relu":
            trace = cell.unroll(x[:overflow_step])       # relu slopes need the (now undefined) states
        log10_norms = jacobian_log_norms(cell, trace) / LN10
        u = np.random.default_rng(seed + 2).standard_normal(H)
        u /= np.linalg.norm(u)                                            # L = u . h_{T-1}, dL/dh_{T-1} = u
        loss_gradient = last_step_gradient(cell, trace, u)
        dh = np.zeros_like(trace.h)
        dh[-1] = u
        grads = cell.backward(trace, dh).params
    s_max = max(singular_values)
    steps = trace.length
    distance = steps - 1 - np.arange(steps)
    return dict(cell=cell, x=x[:steps], dh=dh, steps=steps, overflow_step=overflow_step, log10_norms=log10_norms,
                log10_bound=distance * math.log10(s_max),
                loss_gradient=loss_gradient, grads=grads, slopes=cell.activation_slope(trace.h))


@st.cache_data(max_entries=4, show_spinner=False)
def cliff_landscape():
    return cliff_surface(CLIFF_W, CLIFF_B)


@st.cache_data(max_entries=16, show_spinner=False)
def cliff_runs(method, threshold):
    return descend(), descend(clip=method, threshold=threshold)


def reach_section(result, singular_values, nonlinearity):
    """Section 1: the norm of the Jacobian product against how many steps back, and the regime it gives."""
    steps = result["steps"]
    s_max = max(singular_values)
    log10_norms, log10_bound = result["log10_norms"], result["log10_bound"]
    regime = gradient_regime(log10_norms)
    farthest = float(log10_norms[0])
    st.subheader("How far back does the gradient reach?")
    lesson.chart(jacobian_figure(log10_norms, log10_bound, result["loss_gradient"].log10_norm, regime=regime),
                 key="jacobians")
    a, b, c, d = st.columns(4)
    a.metric("Regime", regime)
    b.metric(f"||dh_{steps - 1}/dh_0|| ({steps - 1} steps back)", fmt_log10(farthest).split(" (")[0])
    c.metric("Average factor per step", f"{per_step_factor(log10_norms):.3g}")
    d.metric("Bound s_max^(T-1)", fmt_log10(float(log10_bound[0])).split(" (")[0])
    overflowed = int(np.sum(np.isfinite(log10_norms) & (log10_norms > LOG10_FLOAT_MAX)))
    if overflowed:
        st.info(f"{overflowed} of the {steps} norms are larger than the largest float64 (about 1.8e308): "
                "`jacobian_norms` returns inf for them. The plot uses their logarithms "
                "(`jacobian_log_norms`), so they appear at their true size inside the shaded overflow band.",
                icon=":material/info:")
    st.latex(rf"\left\|\frac{{\partial h_{{{steps - 1}}}}}{{\partial h_0}}\right\| = {tex_log10(farthest)}"
             rf"\;\le\; (\gamma\, s_{{max}})^{{{steps - 1}}} = ({s_max:.2f})^{{{steps - 1}}}"
             rf" = {tex_log10(float(log10_bound[0]))}")
    mean_slope = float(np.mean(result["slopes"]))
    lesson.explain(
        f"The vermillion curve is $\\|\\partial h_{{T-1}}/\\partial h_t\\|$ against how many steps back $t$ is; the "
        f"dashed line is the bound $(\\gamma s_{{max}})^{{T-1-t}}$ with $\\gamma = 1$, the largest slope of "
        f"{nonlinearity}. The regime label comes from the computed norm across all {steps - 1} steps "
        f"(below $10^{{{REGIME_LOW:.0f}}}$: vanishing, above $10^{{{REGIME_HIGH:.0f}}}$: exploding), not from the "
        f"sliders. The average slope $f'$ along this sequence is {mean_slope:.3f}.")
    if nonlinearity == "linear":
        st.markdown("For a **linear** RNN every Jacobian is $W_{hh}$ itself. If all singular values are equal, "
                    "$W_{hh} = s\\,Q$ with $Q$ orthogonal and the norm is exactly $s^{T-1-t}$: the two lines coincide.")
    st.markdown(
        "**What the singular values decide.** If $s_{max} < 1/\\gamma$ every factor shrinks the gradient, so it "
        "**must** vanish: that condition is *sufficient* for vanishing. If $s_{max} > 1/\\gamma$ the bound grows, "
        "but the actual product also depends on the slopes $f'$ along the way: $s_{max} > 1/\\gamma$ is "
        "*necessary* for exploding, not *sufficient*. Try the example button: $s_{max} = 1.5$, yet the tanh "
        "units are saturated by strong inputs (slopes near 0), and the gradient vanishes while a linear RNN with "
        "the same $W_{hh}$ would grow like $1.5^{T-1}$.")
    if nonlinearity == "tanh" and s_max > 1 and regime == "vanishing":
        st.success(f"This is that case: $s_{{max}} = {s_max:.2f} > 1$, but the average tanh slope is only "
                   f"{mean_slope:.3f}, and the gradient across {steps - 1} steps is "
                   f"{fmt_log10(farthest).split(' (')[0]}: vanishing.", icon=":material/check_circle:")


def units_section(gradient):
    """Section 2: the gradient of a loss on the last step only, unit by unit (log10 of its size)."""
    st.subheader("Per-unit detail: a loss on the last step only")
    lesson.chart(unit_heatmap(gradient.log10_abs, gradient.sign), key="units")
    lesson.explain(
        "Take a loss that looks only at the last state, $L = u^\\top h_{T-1}$ for a fixed unit vector $u$, so "
        "$\\partial L/\\partial h_{T-1} = u$. Its gradient at step $t$ is $u^\\top \\partial h_{T-1}/\\partial h_t$ "
        "(the dotted orange curve in the Gradient reach tab, never above the Jacobian norm). Each row here is "
        "one unit's $|\\partial L/\\partial h_t[j]|$, computed with a running rescaling so that even "
        "$10^{-400}$ or $10^{400}$ is exact in log form.")


@st.fragment
def clipping_panel(grads, hidden):
    """Two coordinates of the gradient, clipped by norm and by value (its controls rerun only this)."""
    st.subheader("Gradient clipping")
    names = [f"W_hh[{i},{j}]" for i in range(hidden) for j in range(hidden)]
    flat = np.asarray(grads["weight_hh"]).ravel()
    if not np.all([np.all(np.isfinite(g)) for g in grads.values()]):
        st.warning("The gradient of this network has overflowed float64 (entries are inf). Clipping rescales "
                   "a finite gradient; once it is inf there is nothing left to rescale. In training this shows up "
                   "as a loss that is no longer a number: clip at every step, before the values get that large, "
                   "or shorten T.", icon=":material/warning:")
    else:
        order = np.argsort(-np.abs(flat))
        first = controls.choice("First coordinate", "v_c1", names, names[order[0]], container=st)
        second = controls.choice("Second coordinate", "v_c2", names, names[order[len(order) // 2]], container=st)
        exponent = controls.float_slider("Clipping threshold c = 10^k, k", "v_clip", -4.0, 4.0, -1.0, 0.25)
        threshold = 10.0 ** exponent
        by_norm, norm = clip_by_norm(grads, threshold)
        by_value = clip_by_value(grads, threshold)
        i1, i2 = names.index(first), names.index(second)
        pick = lambda g: np.array([np.ravel(g["weight_hh"])[i1], np.ravel(g["weight_hh"])[i2]])
        left, right = st.columns([3, 2])
        with left:
            lesson.chart(clipping_vectors(pick(grads), pick(by_norm), pick(by_value), threshold, [first, second]),
                         key="clip_vectors")
        with right:
            lesson.chart(norm_bars(norm, global_norm(by_norm), global_norm(by_value)), key="clip_norms")
        scale = min(1.0, threshold / (norm + 1e-6))
        st.latex(rf"\text{{clip\_by\_norm: }} g \leftarrow g \cdot "
                 rf"\min\!\left(1, \frac{{c}}{{\|g\| + 10^{{-6}}}}\right) = "
                 rf"g \cdot \min\!\left(1, \frac{{{threshold:.3g}}}{{{norm:.3g}}}\right) = {scale:.3g}\, g")
        lesson.explain(
            f"The gradient of all {sum(np.size(g) for g in grads.values())} parameters of the network above (loss "
            "$L = u^\\top h_{T-1}$), seen through two of its coordinates. **clip_by_norm** multiplies the whole "
            "gradient by one number when its norm exceeds $c$, as `torch.nn.utils.clip_grad_norm_` does: the "
            "arrow gets shorter but keeps its direction. **clip_by_value** clamps each entry into $[-c, c]$ "
            "(the dotted square): large entries are cut more than small ones, so the direction changes. "
            "Clipping does nothing for a vanishing gradient: it only ever makes a gradient smaller.")


@st.fragment
def cliff_panel():
    """Plain and clipped gradient descent on the cliff (its controls rerun only this)."""
    st.subheader("The cliff: why clipping helps")
    left, right = st.columns(2)
    method = controls.choice("Clipping for the second run", "v_cliffm", ["norm", "value"], "norm",
                             widget="segmented", container=left, format_func=lambda m: f"clip_by_{m}")
    cliff_threshold = controls.float_slider("Cliff: clipping threshold c", "v_cliffc", 0.5, 20.0, 2.0, 0.5,
                                            container=right)
    plain, clipped = cliff_runs(method, cliff_threshold)
    clipped_name = f"clip_by_{method}, c = {cliff_threshold:g}"
    lesson.chart(cliff_figure(CLIFF_W, CLIFF_B, cliff_landscape(), plain.points, clipped.points,
                              clipped_name=clipped_name), key="cliff")
    k = plain.largest_step_index
    a, b, c = st.columns(3)
    a.metric("Plain: largest step", f"{plain.largest_step:.3g}", help=f"at iteration {k + 1}")
    b.metric("Gradient norm there", f"{plain.grad_norms[k]:.3g}")
    c.metric("Clipped: largest step", f"{clipped.largest_step:.3g}")
    lesson.chart(step_length_figure(plain.step_lengths, clipped.step_lengths, clipped_name=clipped_name),
                 key="cliff_steps")
    _, dw0, db0 = cliff_gradient(*START)
    longest = LEARNING_RATE * cliff_threshold * (1 if method == "norm" else math.sqrt(2))
    lesson.explain(
        f"One recurrent unit, $h_t = w \\tanh(h_{{t-1}}) + b$ with $h_0 = {H0}$, run for {STEPS} steps, loss "
        f"$(h_{{{STEPS}}} - {TARGET})^2$ (after Pascanu, Mikolov and Bengio, 2013). For $w > 1$ the unit has two "
        "stable states, and which one it ends in switches abruptly with $(w, b)$: the loss surface has a thin, "
        "steep wall. Both runs start at the star with learning rate "
        f"{LEARNING_RATE}, where the gradient norm is {math.hypot(float(dw0), float(db0)):.3g}. Plain gradient "
        f"descent walks in small steps until iteration {k + 1}, where it lands on the face of the wall, meets a "
        f"gradient of norm {plain.grad_norms[k]:.3g} and jumps {plain.largest_step:.3g} units away, ending at a "
        f"loss of {plain.losses[-1]:.3g}. The clipped run starts with the same gradient, but none of its steps can "
        f"be longer than the learning rate times $c$ ({longest:.3g}"
        f"{'' if method == 'norm' else ' for two clamped coordinates'}), so the wall cannot throw it; it ends at a "
        f"loss of {clipped.losses[-1]:.3g}.")


lesson.header(
    "Vanishing and exploding gradients",
    "Backpropagating from the last step to step $t$ multiplies by one Jacobian per step in between, "
    "$\\partial h_{T-1}/\\partial h_t = J_{T-1} \\cdots J_{t+1}$ with $J_k = \\mathrm{diag}(f'(\\cdot))\\,W_{hh}$. "
    "A long product of matrices shrinks or grows roughly geometrically, so the gradient from far away "
    "either fades (vanishes) or blows up (explodes). Set the singular values of $W_{hh}$ yourself and watch.",
)

@st.fragment
def vanishing_demo():
    """The controls and the open part: a control reruns this function only, not the text and questions around it."""
    # --- controls --------------------------------------------------------------------------------------
    with lesson.controls_panel():
        left, middle, right = st.columns(3)
        hidden = controls.int_slider("Hidden size H", "v_H", 2, 16, 4, container=left,
                                     help=f"Up to {SLIDERS_UP_TO} units: one slider per singular value. More: the "
                                          "largest value and a decay.")
        nonlinearity = controls.choice("Nonlinearity f", "v_f", ["tanh", "relu", "linear"], "tanh",
                                       widget="segmented", container=left)
        length = controls.int_slider("Sequence length T", "v_T", 2, 500, 50, container=left)
        preset = controls.choice("Input sequence", "v_seq", list(sequences.PRESETS), "words",
                                 format_func=lambda name: PRESET_LABELS.get(name, name), container=left)
        input_scale = controls.float_slider("Input weight scale", "v_in", 0.0, 4.0, 1.0, 0.1, container=left,
                                            help="Entries of W_ih uniform in [-scale, scale]. Large inputs push "
                                                 "tanh units into saturation.")
        seed = controls.seed_input(key="v_seed", container=left)
        with middle:
            st.markdown("**Singular values of $W_{hh}$**")
            if hidden <= SLIDERS_UP_TO:
                singular_values = tuple(
                    controls.float_slider(f"s{k + 1}", singular_value_key(k), S_MIN, S_MAX, DEFAULT_S[k], 0.05)
                    for k in range(hidden))
            else:
                largest = controls.float_slider("largest singular value", "v_smax", S_MIN, S_MAX, 1.0, 0.05)
                decay = controls.float_slider("decay (s_k = largest * decay^k)", "v_decay", 0.5, 1.0, 0.9, 0.01)
                singular_values = tuple(float(largest * decay ** k) for k in range(hidden))
        with right:
            st.button("Make it orthogonal (all singular values 1)", on_click=make_orthogonal,
                      icon=":material/crop_square:", use_container_width=True)
            st.button("Example: s_max > 1 but tanh saturates", on_click=saturated_example,
                      icon=":material/science:", use_container_width=True)
            st.caption("$W_{hh} = U\\,\\mathrm{diag}(s)\\,V^\\top$ with random orthogonal $U, V$ (from the seed): "
                       "its singular values are exactly the sliders'.")

    result = analyse(singular_values, nonlinearity, length, preset, input_scale, seed)
    steps = result["steps"]
    overflow_step = result["overflow_step"]
    if overflow_step is not None and nonlinearity == "relu":
        st.warning(f"The hidden state itself overflowed float64 at step {overflow_step} (a relu RNN does not squash "
                   f"its state, and the slopes of the overflowed units are undefined). Everything below uses the "
                   f"first {steps} steps, where the state is finite.", icon=":material/warning:")
    elif overflow_step is not None:
        st.warning(f"The hidden state itself overflowed float64 at step {overflow_step} (a linear RNN does not "
                   "squash its state). Its Jacobians are all $W_{hh}$ whatever the state, so the norms in the "
                   "Gradient reach tab are still exact; the weight gradient in the Clipping tab is not.",
                   icon=":material/warning:")

    lesson.sections("v_part", {
        "Gradient reach": lambda: reach_section(result, singular_values, nonlinearity),
        "Per unit detail": lambda: units_section(result["loss_gradient"]),
        "Clipping": lambda: clipping_panel(result["grads"], hidden),
        "The cliff": cliff_panel,
    })

    lesson.show_code(matrix_with_singular_values, jacobian_log_norms, RNN.step_jacobians, clip_by_norm,
                     clip_by_value, descend,
                     torch=lambda: pytorch_snippet(result["cell"], result["x"], dh=result["dh"],
                                                   show="torch.sqrt(sum((g ** 2).sum() for g in grads.values()))"))
    lesson.downloads("vanishing_gradients", {"log10_jacobian_norm": result["log10_norms"],
                                              "log10_bound": result["log10_bound"],
                                              "log10_abs_dL_dh": result["loss_gradient"].log10_abs},
                     settings=dict(singular_values=list(singular_values), f=nonlinearity, T=length, input=preset,
                                   input_scale=input_scale, seed=seed))


vanishing_demo()

lesson.quiz(
    "quiz_sufficient",
    "A tanh RNN has largest singular value $s_{max} = 0.9$. What happens to $\\|\\partial h_{T-1}/\\partial h_t\\|$ "
    "as $T-1-t$ grows?",
    ["It must vanish", "It may explode if the inputs are large", "It depends on the inputs whether it vanishes"],
    answer=0,
    why="Each factor has norm at most $\\gamma s_{max} = 0.9$, so the product is at most $0.9^{T-1-t}$, "
        "whatever the inputs.",
)
lesson.quiz(
    "quiz_necessary",
    "Now $s_{max} = 1.5$ and the units are tanh. Must the gradient explode?",
    ["Yes, $1.5^{T}$ grows without limit", "No: saturated units have slopes near 0 and can make it vanish",
     "No, tanh makes exploding gradients impossible"],
    answer=1,
    why="$s_{max} > 1$ is necessary for exploding but not sufficient: the slopes $1 - h^2$ multiply in too. "
        "And tanh does not rule out exploding either: with small states the slopes are near 1.",
)
lesson.quiz(
    "quiz_clip",
    "Which clipping keeps the direction of the gradient?",
    ["clip_by_value", "clip_by_norm", "Both"],
    answer=1,
    why="Norm clipping multiplies every entry by the same factor; value clipping clamps entries separately.",
)
lesson.misconceptions([
    ("If the largest singular value is above 1, the gradient explodes.",
     "Above $1/\\gamma$ it *can* explode; whether it does depends on the slopes of the nonlinearity along "
     "the actual sequence. Below $1/\\gamma$ it *must* vanish."),
    ("Gradient clipping fixes vanishing gradients too.",
     "Clipping only shrinks large gradients. Vanishing gradients need other remedies: gated cells (LSTM, "
     "GRU), careful initialisation (e.g. orthogonal $W_{hh}$), shorter paths."),
    ("Clipping by value and clipping by norm are the same thing.",
     "Norm clipping rescales the whole gradient and keeps its direction; value clipping clamps each entry "
     "and changes the direction. Both exist in PyTorch (`clip_grad_norm_`, `clip_grad_value_`)."),
])
