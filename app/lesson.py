"""The shape every lesson page shares: a header, figures with captions, the code, a question.

A page reads top to bottom like this::

    from app import lesson
    lesson.header("The RNN, unrolled", "One cell, applied at every step ...")
    ... controls, figures ...
    lesson.explain("What the figure shows, in two or three sentences.")
    lesson.show_code(RNN.unroll, matrix_with_singular_values)
    lesson.quiz("q_sharing", "Question?", ["a", "b", "c"], answer_index=1, why="Because ...")
    lesson.misconceptions([("A wrong belief", "What is true instead")])

All text passed here is the course's own Markdown: never pass text taken from the URL
or from a user. Nothing here uses unsafe_allow_html.
"""

from __future__ import annotations

import inspect
from collections.abc import Sequence

import streamlit as st

COPY_LINK_HINT = (":material/link: Every control on this page is stored in the page address: "
                  "copy the link from the address bar to share exactly this view, seed included.")


def header(title: str, intro: str) -> None:
    """The page title, a short introduction, and the copy-link hint."""
    st.title(title)
    st.markdown(intro)
    st.caption(COPY_LINK_HINT)


def explain(text: str) -> None:
    """The two or three sentences under a figure that say what to look at."""
    st.caption(text)


def source_of(obj) -> str:
    """The source code of a function, method or class, read from its module file."""
    return inspect.getsource(inspect.unwrap(obj))


def show_code(*objects, key: str = "show_code", label: str = "Show code") -> bool:
    """A toggle revealing the source of the rnn_core objects that computed this page.

    The code is read from the modules with inspect.getsource, so it is always the code
    that ran, never a copy. Returns whether the code is shown.
    """
    shown = st.toggle(label, key=key, help="The NumPy code behind the numbers on this page.")
    if shown:
        for obj in objects:
            name = f"{obj.__module__}.{obj.__qualname__}"
            st.caption(f"`{name}`")
            st.code(source_of(obj), language="python")
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
