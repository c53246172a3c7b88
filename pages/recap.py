"""Reference page: the recap. Every equation of the course on one page, each with the lesson that shows it, in the
notation card's symbols; no controls, tabs or charts, so that it prints cleanly."""

import streamlit as st

from app import lesson
from app.course import COURSE, available
from app.recap import GROUPS

# Static CSS (no user text). On paper: leave out the sidebar, the header's buttons and Streamlit's toolbar; keep each
# equation on one page with the line that says what it is (both in one EQUATION container), and a group's heading
# with its lesson and first equation (one GROUP container). On a screen: a lesson's link may wrap (a phone cut "Shown in lesson 3: Backpropagation through
# time" short).
EQUATION, GROUP = "recap-equation", "recap-group"
PRINT_CSS = """<style>
[data-testid="stMain"] [data-testid="stPageLink"] p { white-space: normal; overflow: visible; text-overflow: clip; }
[data-testid="stMain"] [data-testid="stPageLink"] a, [data-testid="stMain"] [data-testid="stPageLink"] span {
  max-width: 100%; white-space: normal; overflow: visible; height: auto; }
@media print {
  [data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
  [data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stPopover"] { display: none !important; }
  [data-testid="stMainBlockContainer"] { padding-top: 0 !important; max-width: 100% !important; }
  [class*="st-key-recap-"], .katex-display { break-inside: avoid; page-break-inside: avoid; }
  h2, h3, [data-testid="stPageLink"] { break-after: avoid; page-break-after: avoid; }
}
</style>"""

lesson.header(
    "Recap: every equation",
    "Every equation of the course on one page, in the notation of the **Notation** card: inputs "
    "$x_1, \\dots, x_T$, states $h_t$ after reading $x_t$ from $h_0$, steps counted $1 \\dots T$, $\\odot$ the "
    "elementwise product and $\\sigma$ the sigmoid. Each group names the lesson that shows it with live numbers. "
    "The page prints as it is (your browser's Print).",
    short="Every equation of the course on one page, with the lesson that shows it.",
)
st.html(PRINT_CSS)

LESSONS = {page.url_path: page for page in COURSE}
OPEN = {page.url_path for page in available()}

for group in GROUPS:
    # On paper a group's heading, its lesson and its first equation stay together, and each equation stays with the
    # line that says what it is: one container each, none broken across pages (PRINT_CSS).
    head = st.container(key=f"{GROUP}-{group.anchor}")
    with head:
        st.subheader(group.title, anchor=group.anchor)
        page = LESSONS.get(group.lesson)
        if page is not None and group.lesson in OPEN:
            st.page_link(str(page.path), label=f"Shown in lesson {page.number}: {page.title}", icon=page.icon)
        elif page is not None:
            st.markdown(f"Shown in lesson {page.number}: {page.title}")
    for k, equation in enumerate(group.equations):
        with (head if k == 0 else st.container()).container(key=f"{EQUATION}-{group.anchor}-{k + 1}"):
            st.markdown(equation.what)
            st.latex(equation.latex)

lesson.note("Sources: Werbos (1990) for BPTT, Pascanu, Mikolov & Bengio (2013) for the bounds and clipping, "
            "Hochreiter & Schmidhuber (1997) and Gers, Schmidhuber & Cummins (2000) for the LSTM, Cho et al. (2014) "
            "for the GRU, Kingma & Ba (2015) for Adam; the glossary lists them all.")
