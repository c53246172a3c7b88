"""The course home: what the course is, the course map with lesson 1 one click away, how to use it in class."""

import streamlit as st

from app import lesson
from app.course import available, reference_pages

lessons = available()
lesson.header(
    "RNN Explainer: how recurrent networks read sequences",
    "An interactive course on recurrent neural networks: the plain RNN, backpropagation through time, "
    "vanishing and exploding gradients, the LSTM and the GRU. Every number on screen is computed live "
    "by a small NumPy library with PyTorch's equations, and every control is part of the page address, "
    "so a shared link shows everyone the same network.",
    short="An interactive course on recurrent neural networks, computed live.",
)

st.page_link(str(lessons[0].path), label=f"Start with lesson 1: {lessons[0].title}", icon=":material/play_arrow:")

st.header("The course map", divider="gray")
total = sum(page.minutes for page in lessons)
st.markdown(f"{len(lessons)} lessons, about {total} minutes in all. Take them in order: each one builds on "
            "the numbers of the one before.")
for page in lessons:
    with st.container(border=True):
        link, minutes = st.columns([4, 1], vertical_alignment="center")
        link.page_link(str(page.path), label=page.label, icon=page.icon)
        minutes.markdown(f"about {page.minutes} min")
        st.markdown(page.summary)

if reference_pages():
    st.header("Reference", divider="gray")
    for page in reference_pages():
        st.page_link(str(page.path), label=page.title, icon=page.icon)
        st.markdown(page.summary)

st.header("Teaching with it", divider="gray")
st.markdown(
    "- **Presentation mode** (in the sidebar, or `?present=1` in the address) sets large type and charts "
    "for a 1280 × 720 projector and folds the controls away.\n"
    "- **Share a view**: every lesson has a *Copy link to this view* button; the link carries every "
    "control, the random seed included, so the class sees exactly your network.\n"
    "- **Notation**: every lesson has a *Notation* button with the symbols the course uses and the "
    "other names books give them.\n"
    "- Each lesson has parts in tabs, checks of understanding, and key takeaways at the end.")
