"""Reference page: the glossary. Every term of the course, the lessons that show it (in the course's order), the
other names books use, the work that introduced it, and the references with years. Each term's heading has the
anchor lessons link to (``lesson.glossary_link``)."""

import streamlit as st

from app import lesson
from app.course import COURSE, available
from app.glossary import REFERENCES, TERMS

lesson.header(
    "Glossary",
    "Every term the course uses, in a few sentences and in the course's notation (the **Notation** button above "
    "has the whole card), with the lessons that show it and the other names you will meet in books. Lessons link "
    "here: each term has its own address, `glossary#` followed by the term in lower case with hyphens for spaces.",
    short="Every term of the course, with the lessons that show it and the names books use.",
)

LESSONS = {page.url_path: page for page in COURSE}
OPEN = {page.url_path for page in available()}
ORDER = {page.url_path: k for k, page in enumerate(COURSE)}


def lesson_link(url_path: str) -> str:
    """A Markdown link to a lesson by its number and title (plain text if its page is not in the course yet)."""
    page = LESSONS.get(url_path)
    if page is None:
        return ""
    return f"[{page.label}](/{page.url_path})" if url_path in OPEN else page.label


query = st.text_input("Find a term", key="glossary_find", placeholder="for example: gate, gradient, softmax",
                      help="Shows the terms whose name, text or other names contain what you type.")
needle = query.strip().lower()
shown = [term for term in sorted(TERMS, key=lambda term: term.name.lower())
         if not needle or needle in f"{term.name} {term.text} {term.also} {term.source}".lower()]

if needle and not shown:
    st.markdown("No term matches. Clear the box to see all of them.")  # the typed text is never shown back
else:
    letters = {}
    for term in shown:
        letters.setdefault(term.name[0].upper(), term.slug)
    st.markdown(f"{len(shown)} of {len(TERMS)} terms. " + " · ".join(f"[{letter}](#{anchor})"
                                                                     for letter, anchor in letters.items()))

for term in shown:  # alphabetical
    st.subheader(term.name, anchor=term.slug)
    st.markdown(term.text)
    details = []
    in_order = sorted(term.lessons, key=lambda url_path: ORDER.get(url_path, len(ORDER)))
    links = [link for link in map(lesson_link, in_order) if link]
    if links:
        details.append("Shown in " + ", ".join(links) + ".")
    if term.also:
        details.append(f"Other names: {term.also}")
    if term.source:
        details.append(f"Source: {term.source}")
    if details:
        st.markdown("  \n".join(details))

st.header("References", anchor="references", divider="gray")
st.markdown("\n".join(f"- {ref.authors} ({ref.year}). *{ref.title}*. {ref.where}. **In the course:** {ref.takes}"
                      for ref in REFERENCES))
