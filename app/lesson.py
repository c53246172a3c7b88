"""The shape every lesson page shares: a header, tabs with their controls and figures, checks, takeaways.

A page reads top to bottom like this::

    from app import lesson
    lesson.header("The RNN, unrolled", "One cell, applied at every step ...", short="One line for the projector.")

    @st.fragment
    def unrolled_demo():                           # every control, and all they change, in one fragment
        part, body = lesson.tabs("u_part", ["States", "Shapes"])   # only the open tab runs
        with body:
            panel = lesson.ControlPanel("unrolled")
            hidden = controls.int_slider("Hidden size H", "hidden", 1, 16, 6,
                                         container=panel.slot("States"))   # drawn on "States" only
            seed = controls.seed_input(container=panel.slot(more=True))    # every tab, under "More controls"
            ...
            lesson.chart(figure, key="states", alt="What the chart shows")  # the data summary joins alt
            lesson.explain("What to look at and what to try, as body text.")
            lesson.note("Units and sources, in grey.")
            lesson.predict("p_key", "What happens to ... when you raise H to 12?", ["grows", "shrinks"],
                           answer=..., why=..., instruction="raise H to 12", ready=hidden == 12)
            lesson.show_code(RNN.unroll, torch=lambda: pytorch_snippet(cell, x))
            lesson.downloads("trace", {"h": trace.h}, settings={"seed": seed})

    unrolled_demo()
    lesson.quiz("quiz_sharing", "Question?", ["a", "b", "c"], answer=1, why="Because ...",
                wrong=["Why a is wrong.", None, "Why c is wrong."])
    lesson.takeaways(["...", "...", "..."])       # "Key takeaways", then the link to the next lesson
    lesson.misconceptions([("A wrong belief", "What is true instead")])

The entrypoint calls ``begin_page()`` before a page runs, ``set_current_page(page)`` once it knows the
page, and ``finish_page(url_path)`` after it: between them, ``header`` leaves a slot that ``finish_page``
fills with the link to the view and the notation card (once every control has been created and checked).

All text passed here is the course's own Markdown: never pass text taken from the URL
or from a user. Nothing here uses unsafe_allow_html; the share link, which does contain
URL text, is shown only inside st.code (plain text).
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

import plotly.graph_objects as go
import streamlit as st

from app import controls
from app.course import REFERENCE, Page, next_lesson
from app.export import figure_summary, share_url, to_csv, to_json
from app.figures.common import PreparedFigure, plotly_spec, readable_fonts
from app.notation import notation_card

COPY_LINK_HINT = (":material/link: Every control on this page is stored in the page address, "
                  "so a link reproduces exactly this view, seed included.")
PRESENT_KEY = "present"  # ?present=1: the projector layout
SHARE_KEY = "share_link"  # the open state of the "Copy link to this view" popover (not in the URL)
NOTATION_KEY = "notation_card"  # the open state of the "Notation" popover (not in the URL)
PRESENT_HEIGHT = 560     # a figure plus a heading fit on a 1280 x 720 projector
PRESENT_FONT = 16        # smallest chart text on a projector, px
NORMAL_FONT = 12         # smallest chart text on a screen, px
PRESENT_SCALE = 4 / 3    # a chart's own sizes grow by this on a projector (12 px ticks -> 16 px)
MAX_VISIBLE_CONTROLS = 7  # per tab; the rest go under "More controls"
PANEL = "control_panel"  # key of the container of the box of controls (browser tests count what it shows)
LETTERS = "ABCDEFGH"
# Plotly's mode bar shows on hover; its camera button saves a PNG (2x, named after the chart).
PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"],
                 "toImageButtonOptions": {"format": "png", "scale": 2}}
# Static CSS on every page (no user text):
# - Streamlit draws captions at opacity 0.6, 3.9:1 on white; 0.8 gives 6.6:1 (light) and stays
#   above 10:1 on the dark theme (axe-core, WCAG 2.1 AA).
# - KaTeX rounds an equation a pixel or two wider than its st.latex box, which turns the box into
#   a scrollable region that the keyboard cannot reach (axe: scrollable-region-focusable).
# - On a phone a tap shows Plotly's mode bar over the chart's title and legend: it is hidden below
#   640 px (its PNG button is for the teacher's slides; Streamlit's own fullscreen button stays).
# - On a phone a lesson's tab strip scrolls sideways and opens scrolled to its start, so a link to a
#   later tab showed a strip without the open tab: below 640 px the tabs wrap onto more rows instead.
BASE_CSS = """<style>
[data-testid="stCaptionContainer"] { opacity: 0.8; }
.katex-display > .katex { padding: 0 2px; }
[data-testid="stPageLink"] p { font-size: 1rem; }
@media (max-width: 640px) {
  [data-testid="stPlotlyChart"] .modebar-container { display: none !important; }
  [data-testid="stTabs"] [role="tablist"] { flex-wrap: wrap; overflow-x: visible; row-gap: 0.25rem; }
}
</style>"""
# Static CSS for presentation mode, for a 1280 x 720 projector: body text at least 20 px; tab,
# metric and control labels at least 18 px. It contains no user text.
PRESENT_CSS = """<style>
[data-testid="stMainBlockContainer"] { max-width: 1280px; padding-top: 3.5rem; }
[data-testid="stMain"] .stMarkdown p, [data-testid="stMain"] .stMarkdown li { font-size: 1.3rem; line-height: 1.45; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] { font-size: 1.15rem; }
[data-testid="stMain"] h1 { font-size: 2.4rem; padding-bottom: 0.25rem; }
[data-testid="stMain"] h2, [data-testid="stMain"] h3 { font-size: 1.9rem; }
[data-testid="stMain"] .katex { font-size: 1.35em; }
[data-testid="stMain"] [data-testid="stWidgetLabel"] p, [data-testid="stMain"] [data-testid="stWidgetLabel"] div { font-size: 1.2rem; }
[data-testid="stMain"] [data-testid="stTab"] p { font-size: 1.2rem; }
[data-testid="stMain"] [data-testid="stMetricLabel"] p, [data-testid="stMain"] [data-testid="stMetricLabel"] div { font-size: 1.2rem; }
[data-testid="stMain"] [data-testid="stMetricValue"] { font-size: 2.2rem; }
[data-testid="stMain"] [data-testid="stExpander"] summary p { font-size: 1.2rem; }
[data-testid="stMain"] [data-testid="stRadio"] label p { font-size: 1.3rem; }
[data-testid="stMain"] button p, [data-testid="stMain"] [data-testid="stPageLink"] p { font-size: 1.2rem; }
[data-testid="stMain"] [data-testid="stSliderThumbValue"], [data-testid="stMain"] [data-testid="stSliderTickBarMin"],
[data-testid="stMain"] [data-testid="stSliderTickBarMax"] { font-size: 1.15rem; }
</style>"""

_page = threading.local()  # one script run per thread


@dataclass(frozen=True)
class Check:
    """A check of understanding as the page asked it (kept in CHECKS for the course-wide tests)."""

    page: str                 # url_path of the page that asked it
    key: str
    question: str
    options: tuple[str, ...]
    answer: int
    kind: str                 # "quiz" or "predict"


CHECKS: dict[tuple[str, str], Check] = {}  # (page, key) -> the check, as last asked in this process


def presenting() -> bool:
    """Whether presentation mode is on (the entrypoint's URL-bound toggle)."""
    return bool(st.session_state.get(PRESENT_KEY, False))


def begin_page() -> None:
    """Reset the per-run state: the share-link slot, the current page and the bound parameters."""
    _page.slot = None
    _page.current = None
    controls.begin_run()


def set_current_page(page: Page) -> None:
    """The page this run shows (the entrypoint knows it once st.navigation has chosen)."""
    _page.current = page


def current_page() -> Page | None:
    return getattr(_page, "current", None)


def header(title: str, intro: str, short: str | None = None) -> None:
    """The page title, a short introduction, and a slot for the copy-link and notation buttons.

    On a projector the title, one line and the first figure must fit in the top 540 px: with ``short``
    (one sentence), presentation mode shows it and folds the full introduction under it.
    """
    st.title(title)
    if presenting() and short:
        st.markdown(short)
        with st.expander("Introduction", icon=":material/notes:"):
            st.markdown(intro)
    else:
        st.markdown(intro)
    _page.slot = st.empty()


def page_url(url_path: str) -> str | None:
    """The address of the current page without its query: st.context.url, with the lesson's path."""
    url = st.context.url
    if not url:
        return None
    scheme, netloc, path, _, _ = urlsplit(url)
    if path.strip("/") == "":
        path = "/" + url_path
    return urlunsplit((scheme, netloc, path, "", ""))


def finish_page(url_path: str) -> str:
    """Fill the header's slot with the link to this view and the notation card; return the link.

    Both popovers run their content only while open (on_change="rerun"). Opening the link's reruns
    the whole page, so the link is built from every control's current value even when the last
    change reran only a fragment of the page.
    """
    link = share_url(page_url(url_path), controls.bound_params())
    slot = getattr(_page, "slot", None)
    if slot is not None:
        with slot.container(horizontal=True):
            share = st.popover("Copy link to this view", icon=":material/link:", key=SHARE_KEY, on_change="rerun")
            if share.open:
                with share:
                    st.caption(COPY_LINK_HINT + " The copy button is at the right of the box.")
                    st.code(link, language=None, wrap_lines=True)
            card = st.popover("Notation", icon=":material/functions:", key=NOTATION_KEY, on_change="rerun")
            if card.open:
                with card:
                    page = current_page()
                    st.markdown(notation_card(page.number if page else None))
    return link


def tabs(key: str, titles: Sequence[str]) -> tuple[str, object]:
    """The lesson's parts as tabs bound to ``?key=title``; only the open tab runs. Returns its title and
    its container.

    A control that changes every part (sequence length, hidden size) redrew every chart on a long page,
    most of them out of view; in tabs, a change redraws what the reader is looking at. A container above
    the tab bar is kept for the lesson's ControlPanel.
    """
    _page.panel_host = st.container(key=PANEL)
    return controls.tabs("Part", key, list(titles))


_FLEX_BASIS = {1: "100%", 2: "40%", 3: "28%"}


class ControlPanel:
    """The controls of the open tab: at most seven in a box above the tab bar, the rest under "More controls".

    Every control of the lesson is created on every run, in the same place, whichever tab is open:
    ``slot(*parts)`` gives its place, a cell of one wrapping row, and a style rule (no user text) shows
    it when the open tab is one of ``parts`` (or ``parts`` is empty), shows it after the others only
    while "More controls" is on when ``more``, and hides it otherwise. A control that is not shown
    keeps its value and its place in the address (Streamlit forgets a widget that is not drawn), and
    since no control ever moves, the browser's address keeps following each of them (a widget drawn
    in another place is mounted anew, and its old copy, removed at the end of the run, took the
    address binding with it). The box has a "Reset to defaults" button for every control of the
    lesson. When presenting, the box is a folded "Controls" expander.
    """

    def __init__(self, part: str, scope: str, columns: int = 3):
        self.part = part
        self.scope = scope
        self.shown = 0    # controls in the box on the open tab (at most MAX_VISIBLE_CONTROLS)
        self.folded = 0   # controls under "More controls" on the open tab
        self._count = 0
        self._basis = _FLEX_BASIS.get(columns, _FLEX_BASIS[3])
        host = getattr(_page, "panel_host", None) or st.container(key=PANEL)
        _page.panel_host = None  # one panel per tab bar
        with host:
            box = st.expander("Controls", icon=":material/tune:") if presenting() else st.container(border=True)
        with box:
            self._row = st.container(horizontal=True, wrap=True, gap="medium", key=f"{scope}_controls")
            with st.container(horizontal=True, vertical_alignment="center"):
                self._more_open = st.toggle("More controls", key=f"{scope}_more",
                                            help="Controls this part uses less often.")
                st.button("Reset to defaults", key=f"reset_{scope}", icon=":material/restart_alt:",
                          on_click=controls.reset_scope, args=(scope,))
        # Style-only HTML goes to Streamlit's event container, not to the place it is written: the switch is
        # hidden by this rule, and shown by a more specific one written with the part's first folded control.
        st.html(f'<style>.st-key-{scope}_more {{ display: none !important; }}</style>')
        controls.begin_scope(scope)

    def shows(self, *parts: str) -> bool:
        """Whether a control used on ``parts`` (every part when none is named) is shown on the open tab."""
        return not parts or self.part in parts

    def slot(self, *parts: str, more: bool = False):
        """Where to create a control that changes what ``parts`` show (every part when none is named)."""
        name = f"{self.scope}_ctl_{self._count}"
        self._count += 1
        cell = self._row.container(key=name)
        switch = ""  # the rule that shows the More controls switch, with the part's first folded control
        if not self.shows(*parts):
            state, rule = "kept", "display: none !important;"
        elif more:
            if not self.folded:
                switch = f' [data-testid="stElementContainer"].st-key-{self.scope}_more {{ display: flex !important; }}'
            self.folded += 1
            state = "more"
            rule = (f"order: 2; flex: 1 1 {self._basis} !important; min-width: 13rem;" if self._more_open
                    else "display: none !important;")
        else:
            self.shown += 1
            state, rule = "box", f"order: 1; flex: 1 1 {self._basis} !important; min-width: 13rem;"
        # One style element per control, on every tab: Streamlit's event container replaces style elements by
        # position when a fragment reruns, so a tab that wrote one element fewer would keep the last rule of the
        # tab before it (a rule that hid another tab's control).
        cell.html(f'<style>/* {state} */ [data-testid="stLayoutWrapper"]:has(> .st-key-{name}) {{ {rule} }}'
                  f'{switch}</style>')
        return cell


def chart(figure: go.Figure, key: str, alt: str | None = None, on_select="ignore", selection_mode="points",
          present_height: int | None = None):
    """st.plotly_chart with the course's settings, its text readable on a projector when presenting.

    The camera button (PNG download) is on the mode bar. ``alt`` says what the chart shows; the data
    summary (ranges of its series) is added to it to make the chart's accessible name, and is not
    shown on screen. Every chart text is at least 12 px, and at least 16 px when presenting.
    ``on_select`` and ``selection_mode`` are st.plotly_chart's: a callable makes a click on a point run it
    (before the rerun; the point's data is in st.session_state[key].selection).
    ``present_height``: the chart's height when presenting, instead of the builder's kept between 380 and
    PRESENT_HEIGHT (a first figure made to fit whole, axis and legend, under the title on a 1280 x 720 projector).
    """
    spec = plotly_spec(figure)  # built once, for the summary and for Streamlit
    summary = figure_summary(spec, fallback=alt)
    name = summary if not alt or summary.endswith(alt + ".") or summary == alt else f"{alt.rstrip('.')}. {summary}"
    if presenting():
        layout = spec["layout"]
        layout["height"] = present_height or min(max(layout.get("height") or 450, 380), PRESENT_HEIGHT)
        readable_fonts(spec, PRESENT_FONT, PRESENT_SCALE)
    else:
        readable_fonts(spec, NORMAL_FONT)
    config = dict(PLOTLY_CONFIG, toImageButtonOptions=dict(PLOTLY_CONFIG["toImageButtonOptions"], filename=key))
    return st.plotly_chart(PreparedFigure(spec), key=key, config=config, alt=name, on_select=on_select,
                           selection_mode=selection_mode)


def downloads(name: str, arrays: Mapping[str, object], settings: Mapping[str, object] | None = None,
              index_name: str = "t") -> None:
    """Two buttons: the arrays as CSV (one row per index along axis 0, counted from 1) and as JSON.

    The files are written when a button is pressed (Streamlit calls the function then), not on
    every rerun: serialising the arrays was half of some lessons' rerun time.
    """
    csv_col, json_col, _ = st.columns([1, 1, 2])
    csv_col.download_button("Download CSV", lambda: to_csv(arrays, index_name=index_name), file_name=f"{name}.csv",
                            mime="text/csv", key=f"download_{name}_csv", on_click="ignore",
                            icon=":material/download:")
    json_col.download_button("Download JSON", lambda: to_json(arrays, settings, index_name=index_name),
                             file_name=f"{name}.json", mime="application/json", key=f"download_{name}_json",
                             on_click="ignore", icon=":material/download:")


def explain(text: str) -> None:
    """What to look at and what to try, beside the figure: body text."""
    st.markdown(text)


def note(text: str) -> None:
    """Units and sources: a grey caption (never an explanation)."""
    st.caption(text)


def glossary_link(term: str, label: str | None = None) -> str:
    """Markdown link to a term of the glossary page (``glossary_link("softmax")``); opens in a new tab."""
    anchor = term.lower().replace(" ", "-")
    return f"[{label or term}](glossary#{anchor})"


def source_of(obj) -> str:
    """The source code of a function, method or class, read from its module file."""
    return inspect.getsource(inspect.unwrap(obj))


def show_code(*objects, key: str = "show_code", label: str = "Show code",
              torch: Callable[[], str] | str | None = None) -> bool:
    """A toggle revealing the source of the rnn_core objects that computed this page.

    The code is read from the modules with inspect.getsource, so it is always the code
    that ran, never a copy. ``torch`` is a PyTorch program (or a function returning one,
    called only when the code is shown, e.g. ``lambda: pytorch_snippet(cell, x)``) that
    rebuilds the page's cell with the same weights and prints the same numbers.
    Returns whether the code is shown.
    """
    shown = st.toggle(label, key=key, help="The NumPy code behind the numbers on this page.")
    if shown:
        st.markdown("Code counts from 0 where the lessons count from 1: `trace.h[t-1]` holds $h_t$, "
                    "and `h[:, j-1]` is unit $j$.")
        for obj in objects:
            name = f"{obj.__module__}.{obj.__qualname__}"
            st.caption(f"`{name}`")
            st.code(source_of(obj), language="python")
        if torch is not None:
            st.markdown("**The same numbers in PyTorch.** This program rebuilds the cell above with its "
                        "exact weights (PyTorch uses the same names, shapes and gate order) and prints "
                        "what the page shows.")
            st.code(torch() if callable(torch) else torch, language="python")
    return shown


def _register(key: str, question: str, options: Sequence[str], answer: int, kind: str) -> None:
    if not 0 <= answer < len(options):
        raise ValueError("answer must point into options")
    page = current_page()
    CHECKS[(page.url_path if page else "", key)] = Check(page.url_path if page else "", key, question,
                                                        tuple(options), answer, kind)


def _lettered(options: Sequence[str]) -> Callable[[int], str]:
    return lambda i: f"{LETTERS[i]}. {options[i]}"


def quiz(key: str, question: str, options: Sequence[str], answer: int, why: str,
         wrong: Sequence[str | None] | None = None) -> bool | None:
    """A multiple-choice check: options lettered A, B, C in the order given (the same for everyone, so a
    teacher can say "option B"), and a reason for every wrong option.

    A wrong pick says why that option is wrong, without giving the answer away, and the student may
    pick again; the right pick says why it is right. ``wrong`` has one entry per option (None at the
    answer). Returns None until an option is picked, then whether it was right. The check is its own
    fragment: an answer reruns only the check.
    """
    if wrong is None:
        wrong = [None if i == answer else "Think about it once more." for i in range(len(options))]
    if len(wrong) != len(options) or any((w is None) != (i == answer) for i, w in enumerate(wrong)):
        raise ValueError("wrong needs one reason per wrong option and None at the answer")
    _register(key, question, options, answer, "quiz")
    return _quiz_fragment(key, question, tuple(options), answer, why, tuple(wrong))


@st.fragment
def _quiz_fragment(key, question, options, answer, why, wrong):
    with st.container(border=True):
        st.markdown(f":material/quiz: **Check your understanding.** {question}")
        picked = st.radio(question, list(range(len(options))), index=None, format_func=_lettered(options), key=key,
                          label_visibility="collapsed")
        if picked is None:
            return None
        if picked == answer:
            st.success(f"**{LETTERS[picked]} is right.** {why}", icon=":material/check_circle:")
            return True
        st.error(f"**Not {LETTERS[picked]}.** {wrong[picked]} Try another option.", icon=":material/cancel:")
        return False


def predict(key: str, question: str, options: Sequence[str], answer: int, why: str, instruction: str,
            ready: bool) -> bool | None:
    """Predict, then move: the student commits to an option, then moves a control, and the live figure
    confirms or refutes the prediction. Call it inside the lesson's demo fragment, where the live values are.

    ``answer`` and ``why`` are computed from the core for the setting the instruction asks for;
    ``instruction`` says what to move ("raise T to 80"); ``ready`` is whether the controls are there now.
    Returns None until a prediction is made and the control moved, then whether the prediction was right.
    """
    _register(key, question, options, answer, "predict")
    with st.container(border=True):
        st.markdown(f":material/online_prediction: **Predict, then move.** {question}")
        picked = st.radio(question, list(range(len(options))), index=None, format_func=_lettered(options), key=key,
                          label_visibility="collapsed")
        if picked is None:
            st.markdown(f"Choose your prediction first; then {instruction}.")
            return None
        if not ready:
            st.info(f"You predicted **{LETTERS[picked]}**. Now {instruction}, and watch the figure.",
                    icon=":material/touch_app:")
            return None
        if picked == answer:
            st.success(f"**{LETTERS[picked]}: the figure agrees.** {why}", icon=":material/check_circle:")
            return True
        st.error(f"**The figure shows {LETTERS[answer]}, not {LETTERS[picked]}.** {why}", icon=":material/cancel:")
        return False


def takeaways(items: Sequence[str]) -> None:
    """Three to five bullets under "Key takeaways", then the link to the next lesson (or to the recap)."""
    if not 3 <= len(items) <= 5:
        raise ValueError("a lesson has three to five key takeaways")
    st.header("Key takeaways", divider="gray")
    st.markdown("\n".join(f"- {item}" for item in items))
    page = current_page()
    following = next_lesson(page) if page else None
    if following is not None:
        st.page_link(str(following.path), label=f"Next: {following.label}", icon=":material/arrow_forward:")
    elif page is not None:
        for reference in REFERENCE:
            if reference.path.is_file():
                st.page_link(str(reference.path), label=reference.title, icon=reference.icon)


def misconceptions(items: Sequence[tuple[str, str]], title: str = "Common misconceptions") -> None:
    """Claims students often make, each followed by what is actually true."""
    with st.expander(title, icon=":material/lightbulb:"):
        for claim, correction in items:
            st.markdown(f"- **Myth:** {claim}  \n  **In fact:** {correction}")
