"""The shape every lesson page shares: a header, figures with captions, the code, a question.

A page reads top to bottom like this::

    from app import lesson
    lesson.header("The RNN, unrolled", "One cell, applied at every step ...")
    with lesson.controls_panel():          # a bordered box; a collapsed expander when presenting
        ... controls ...
    lesson.sections("u_part", {           # one tab per section; only the open one runs
        "States": lambda: states_section(trace),
        "Shapes": lambda: shapes_section(trace),
    })
    # inside a section:
    lesson.chart(figure, key="states")    # camera button, alt text and a one-line data summary
    lesson.explain("What the figure shows, in two or three sentences.")
    lesson.show_code(RNN.unroll, matrix_with_singular_values,
                     torch=lambda: pytorch_snippet(cell, x))   # + a PyTorch program, same numbers
    lesson.downloads("trace", {"h": trace.h}, settings={"seed": seed})
    lesson.quiz("q_sharing", "Question?", ["a", "b", "c"], answer_index=1, why="Because ...")
    lesson.misconceptions([("A wrong belief", "What is true instead")])

The entrypoint calls ``begin_page()`` before a lesson runs and ``finish_page(url_path)``
after it: between them, ``header`` leaves a slot that ``finish_page`` fills with the link
to the view (once every control of the page has been created and checked).

All text passed here is the course's own Markdown: never pass text taken from the URL
or from a user. Nothing here uses unsafe_allow_html; the share link, which does contain
URL text, is shown only inside st.code (plain text).
"""

from __future__ import annotations

import inspect
import threading
from collections.abc import Callable, Mapping, Sequence
from urllib.parse import urlsplit, urlunsplit

import plotly.graph_objects as go
import streamlit as st

from app import controls
from app.export import figure_summary, share_url, to_csv, to_json
from app.figures.common import PreparedFigure, plotly_spec

COPY_LINK_HINT = (":material/link: Every control on this page is stored in the page address, "
                  "so a link reproduces exactly this view, seed included.")
PRESENT_KEY = "present"  # ?present=1: the projector layout
SHARE_KEY = "share_link"  # the open state of the "Copy link to this view" popover (not in the URL)
PRESENT_HEIGHT = 560     # a figure plus a heading fit on a 1280 x 720 projector
PRESENT_FONT = 17
# Plotly's mode bar shows on hover; its camera button saves a PNG (2x, named after the chart).
PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["select2d", "lasso2d"],
                 "toImageButtonOptions": {"format": "png", "scale": 2}}
# Static CSS on every page (no user text), for accessibility (axe-core, WCAG 2.1 AA):
# - Streamlit draws captions at opacity 0.6, 3.9:1 on white; 0.8 gives 6.6:1 (light) and stays
#   above 10:1 on the dark theme.
# - KaTeX rounds an equation a pixel or two wider than its st.latex box, which turns the box into
#   a scrollable region that the keyboard cannot reach (axe: scrollable-region-focusable).
BASE_CSS = """<style>
[data-testid="stCaptionContainer"] { opacity: 0.8; }
.katex-display > .katex { padding: 0 2px; }
</style>"""
# Static CSS for presentation mode: larger type and a content width for a 1280 px projector.
# It contains no user text.
PRESENT_CSS = """<style>
[data-testid="stMainBlockContainer"] { max-width: 1280px; padding-top: 2rem; }
[data-testid="stMain"] .stMarkdown p, [data-testid="stMain"] .stMarkdown li { font-size: 1.3rem; line-height: 1.5; }
[data-testid="stMain"] [data-testid="stCaptionContainer"] { font-size: 1.1rem; }
[data-testid="stMain"] h1 { font-size: 3rem; }
[data-testid="stMain"] h2, [data-testid="stMain"] h3 { font-size: 2rem; }
[data-testid="stMain"] .katex { font-size: 1.35em; }
[data-testid="stMain"] [data-testid="stWidgetLabel"] p { font-size: 1.1rem; }
</style>"""

_page = threading.local()  # one script run per thread


def presenting() -> bool:
    """Whether presentation mode is on (the entrypoint's URL-bound toggle)."""
    return bool(st.session_state.get(PRESENT_KEY, False))


def begin_page() -> None:
    """Reset the per-run state: the share-link slot and the bound parameters."""
    _page.slot = None
    controls.begin_run()


def header(title: str, intro: str) -> None:
    """The page title, a short introduction, and a slot for the copy-link box."""
    st.title(title)
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
    """Fill the header's slot with the link to this view; return the link.

    The popover's content runs only while it is open (on_change="rerun"): opening it reruns
    the whole page, so the link is built from every control's current value even when the
    last change reran only a fragment of the page.
    """
    link = share_url(page_url(url_path), controls.bound_params())
    slot = getattr(_page, "slot", None)
    if slot is not None:
        with slot.container():
            popover = st.popover("Copy link to this view", icon=":material/link:", key=SHARE_KEY, on_change="rerun")
            if popover.open:
                with popover:
                    st.caption(COPY_LINK_HINT + " The copy button is at the right of the box.")
                    st.code(link, language=None, wrap_lines=True)
    return link


def controls_panel():
    """Where a lesson's controls go: a bordered box, or a collapsed expander when presenting."""
    if presenting():
        return st.expander("Controls", icon=":material/tune:")
    return st.container(border=True)


def sections(key: str, parts: Mapping[str, Callable[[], object]]) -> str:
    """The lesson's sections as tabs, in order; only the open tab's section runs. Returns its title.

    A control at the top of a lesson (sequence length, hidden size) changes every section, so
    with all sections on one long page each key press redrew every chart on it, most of them
    out of view. In tabs, a change redraws what the reader is looking at. The open tab is part
    of the address and of the share link (``?key=Title``).
    """
    st.caption(f":material/tab: This lesson has {len(parts)} parts, one per tab; take them from left to right. "
               "The controls above apply to every part.")
    title, container = controls.tabs("Section", key, list(parts))
    with container:
        parts[title]()
    return title


def chart(figure: go.Figure, key: str, alt: str | None = None, summary: bool = True):
    """st.plotly_chart with the course's settings, sized for a projector when presenting.

    The camera button (PNG download) is on the mode bar; alt is the chart's accessible
    name (by default the data summary), and the summary is also shown as a caption.
    """
    spec = plotly_spec(figure)  # built once, for the summary and for Streamlit
    text = figure_summary(spec, fallback=alt)
    if presenting():
        layout = spec["layout"]
        layout["height"] = min(max(layout.get("height") or 450, 380), PRESENT_HEIGHT)
        font = layout.setdefault("font", {})
        font["size"] = max(font.get("size") or 12, PRESENT_FONT)
    config = dict(PLOTLY_CONFIG, toImageButtonOptions=dict(PLOTLY_CONFIG["toImageButtonOptions"], filename=key))
    result = st.plotly_chart(PreparedFigure(spec), key=key, config=config, alt=alt or text)
    if summary:
        st.caption(":material/bar_chart: " + _escape_markdown(text))
    return result


def _escape_markdown(text: str) -> str:
    for ch in "\\`*_{}[]<>()#+-.!|$~":
        text = text.replace(ch, "\\" + ch)
    return text


def downloads(name: str, arrays: Mapping[str, object], settings: Mapping[str, object] | None = None,
              index_name: str = "t") -> None:
    """Two buttons: the arrays as CSV (one row per index along axis 0) and as JSON (with the settings).

    The files are written when a button is pressed (Streamlit calls the function then), not on
    every rerun: serialising the arrays was half of some lessons' rerun time.
    """
    csv_col, json_col, _ = st.columns([1, 1, 2])
    csv_col.download_button("Download CSV", lambda: to_csv(arrays, index_name=index_name), file_name=f"{name}.csv",
                            mime="text/csv", key=f"download_{name}_csv", on_click="ignore",
                            icon=":material/download:")
    json_col.download_button("Download JSON", lambda: to_json(arrays, settings), file_name=f"{name}.json",
                             mime="application/json", key=f"download_{name}_json", on_click="ignore",
                             icon=":material/download:")


def explain(text: str) -> None:
    """The two or three sentences under a figure that say what to look at."""
    st.caption(text)


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


def quiz(key: str, question: str, options: Sequence[str], answer_index: int, why: str) -> bool | None:
    """A multiple-choice check with immediate feedback and the reason.

    Returns None until an option is picked, then whether it was right.
    """
    if not 0 <= answer_index < len(options):
        raise ValueError("answer_index must point into options")
    with st.container(border=True):
        st.markdown(f":material/quiz: **Check your understanding.** {question}")
        picked = st.radio(question, list(range(len(options))), index=None,
                          format_func=lambda i: options[i], key=key, label_visibility="collapsed")
        if picked is None:
            return None
        correct = picked == answer_index
        if correct:
            st.success(f"Right. {why}", icon=":material/check_circle:")
        else:
            st.error(f"Not quite: the answer is *{options[answer_index]}*. {why}", icon=":material/cancel:")
        return correct


def misconceptions(items: Sequence[tuple[str, str]], title: str = "Common misconceptions") -> None:
    """Claims students often make, each followed by what is actually true."""
    with st.expander(title, icon=":material/lightbulb:"):
        for claim, correction in items:
            st.markdown(f"- **Myth:** {claim}  \n  **In fact:** {correction}")
