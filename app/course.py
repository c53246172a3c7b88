"""The course outline, defined once: the navigation, the sidebar and the course home read it.

The course is a home page, the lessons in syllabus order (numbered), then reference pages
(not numbered). Every page is a ``Page``; a lesson's number is its place in ``COURSE``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Page:
    file: str        # path from the repository root
    title: str
    icon: str        # a ":material/...:" icon (emoji do not render everywhere)
    summary: str     # one line for outlines and the course home
    url_path: str    # the page's address: http://host/<url_path>
    minutes: int = 0  # about how long a class spends on it (lessons)

    @property
    def path(self) -> Path:
        return REPO_ROOT / self.file

    @property
    def number(self) -> int | None:
        """The lesson's number (1 for the first lesson), None for the home and reference pages."""
        return COURSE.index(self) + 1 if self in COURSE else None

    @property
    def label(self) -> str:
        """The page's name in the navigation: "3. Backpropagation ..." for a lesson, the title otherwise."""
        return f"{self.number}. {self.title}" if self.number else self.title


HOME = Page("pages/home.py", "Course home", ":material/home:",
            "The course map: what each lesson teaches and how long it takes.", "home")

COURSE: tuple[Page, ...] = (
    Page("pages/1_why_rnns.py", "Why recurrent networks?", ":material/help:",
         "Sequences of any length, and why a fixed-size network struggles with them.", "why_rnns", 15),
    Page("pages/2_rnn_unrolled.py", "The RNN, unrolled", ":material/linear_scale:",
         "One cell, the same weights at every step, a hidden state carried forward.", "rnn_unrolled", 20),
    Page("pages/3_bptt.py", "Backpropagation through time: the loss and its gradients", ":material/undo:",
         "Losses summed over steps; gradients of shared weights summed over steps.", "bptt", 25),
    Page("pages/4_vanishing_exploding.py", "Vanishing and exploding gradients", ":material/trending_down:",
         "Products of Jacobians, singular values, and gradient clipping.", "vanishing_exploding", 25),
    Page("pages/5_lstm.py", "LSTM: gates as faucets", ":material/water_drop:",
         "Forget, input and output gates control a cell state that carries memory.", "lstm", 25),
    Page("pages/6_gru.py", "GRU: reset and update gates", ":material/tune:",
         "Two gates and no separate cell state: the hidden state is the memory.", "gru", 20),
    Page("pages/7_memory_lab.py", "Memory lab: let's meet for ___", ":material/science:",
         "How far back can each cell remember the word that decides the answer?", "memory_lab", 20),
    Page("pages/8_text_lab.py", "Text lab: RNN, LSTM and GRU reading and writing Shakespeare", ":material/edit_note:",
         "Three character models trained on Shakespeare: writing, learning, units, memory and context.",
         "text_lab", 25),
)

REFERENCE: tuple[Page, ...] = (
    Page("pages/glossary.py", "Glossary", ":material/menu_book:",
         "Every term of the course in a few sentences, with the other names books use, and the references.",
         "glossary"),
    Page("pages/recap.py", "Recap: every equation", ":material/functions:",
         "Every equation of the course on one printable page, with the lesson that shows it.", "recap"),
)


def available() -> list[Page]:
    """The lessons whose page file exists, in syllabus order."""
    return [lesson for lesson in COURSE if lesson.path.is_file()]


def reference_pages() -> list[Page]:
    """The reference pages (glossary, recap) whose file exists."""
    return [page for page in REFERENCE if page.path.is_file()]


def all_pages() -> list[Page]:
    """Every page of the app in navigation order: home, lessons, reference pages."""
    return [HOME] + available() + reference_pages()


def next_lesson(page: Page) -> Page | None:
    """The lesson after this one, or None after the last lesson."""
    lessons = available()
    return lessons[lessons.index(page) + 1] if page in lessons and lessons.index(page) + 1 < len(lessons) else None


def page_for(file: str) -> Page:
    """The Page of a page file, given as a path from the repo root or as the page's __file__."""
    resolved = Path(file).resolve()
    for page in (HOME, *COURSE, *REFERENCE):
        if page.path == resolved or page.file == file:
            return page
    raise KeyError(f"{file} is not a page of app.course")

