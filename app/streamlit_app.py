"""RNN Explainer: the entrypoint. Run with `streamlit run app/streamlit_app.py`.

It lives in app/, away from the top-level pages/ folder: a pages/ folder beside an
entrypoint that calls st.navigation would let the first session after a server start
run a directly opened page without this file (Streamlit 1.67).
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `streamlit run app/...` puts only app/ on sys.path
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app import controls, lesson as kit  # noqa: E402
from app.course import available  # noqa: E402
from app.runtime import keep_freed_memory  # noqa: E402

keep_freed_memory()  # the memory lab's training steps reuse freed NumPy buffers (about 2x faster)
kit.begin_page()
with st.sidebar:  # first, so that the page config below knows whether the projector layout is on
    presenting = controls.toggle(
        "Presentation mode", kit.PRESENT_KEY, default=False,
        help="A projector layout: larger type, controls folded away, figures sized for 1280 x 720. "
             "It is part of the link (present=1).")
st.set_page_config(page_title="RNN Explainer", page_icon=":material/neurology:", layout="wide",
                   initial_sidebar_state="collapsed" if presenting else "auto")
st.html(kit.BASE_CSS + (kit.PRESENT_CSS if presenting else ""))  # static CSS, no user text

lessons = available()
pages = {
    st.Page(lesson.path, title=f"{lesson.number}. {lesson.title}", icon=lesson.icon,
            url_path=lesson.url_path, default=(i == 0)): lesson
    for i, lesson in enumerate(lessons)
}
current = st.navigation(list(pages), position="sidebar")
st.set_page_config(page_title=f"{pages[current].title} · RNN Explainer")  # the browser tab names the lesson

with st.sidebar:
    lesson = pages[current]
    st.caption(f"Lesson {lesson.number} of {len(lessons)}: {lesson.summary}")
    index = lessons.index(lesson)
    previous, following = st.columns(2)
    if index > 0:
        previous.page_link(list(pages)[index - 1], label="Previous", icon=":material/arrow_back:")
    if index + 1 < len(lessons):
        following.page_link(list(pages)[index + 1], label="Next", icon=":material/arrow_forward:")

current.run()
kit.finish_page(current.url_path)
