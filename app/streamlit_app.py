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

import pandas  # noqa: E402,F401  before any session: Plotly reads a half-imported pandas from sys.modules while another
#                              session's first st.dataframe imports it (an AttributeError in a class of 30)
import streamlit as st  # noqa: E402

from app import controls, lesson as kit  # noqa: E402
from app.course import HOME, all_pages, available  # noqa: E402
from app.runtime import keep_freed_memory, one_blas_thread, tcp_nodelay  # noqa: E402

keep_freed_memory()  # the memory lab's training steps reuse freed NumPy buffers (about 2x faster)
one_blas_thread()    # small matrices, many students: BLAS threads only wait for each other
tcp_nodelay()        # each rerun's frames leave at once (40 ms of every move was a delayed TCP acknowledgement)
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
pages = {st.Page(page.path, title=page.label, icon=page.icon, url_path=page.url_path, default=page is HOME): page
         for page in all_pages()}
by_file = {page: st_page for st_page, page in pages.items()}
# One flat list (home, numbered lessons, reference pages): Streamlit's sectioned navigation puts its section
# headers inside the list, which screen readers cannot parse (axe: list, listitem).
current = st.navigation(list(pages), position="sidebar")
page = pages[current]
kit.set_current_page(page)
st.set_page_config(page_title=f"{page.title} · RNN Explainer")  # the browser tab names the page

with st.sidebar:
    if page.number:
        st.caption(f"Lesson {page.number} of {len(lessons)}: {page.summary}")
        previous_page, following_page = st.columns(2)
        index = lessons.index(page)
        if index > 0:
            previous_page.page_link(by_file[lessons[index - 1]], label="Previous", icon=":material/arrow_back:")
        if index + 1 < len(lessons):
            following_page.page_link(by_file[lessons[index + 1]], label="Next", icon=":material/arrow_forward:")

current.run()
kit.finish_page(current.url_path)
