"""The course outline, defined once: the navigation, the sidebar and the course map read it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Lesson:
    file: str        # path from the repository root
    title: str
    icon: str        # a ":material/...:" icon (emoji do not render everywhere)
    summary: str     # one line for outlines and the course map
    url_path: str    # the page's address: http://host/<url_path>

    @property
    def path(self) -> Path:
        return REPO_ROOT / self.file

    @property
    def number(self) -> int:
        return COURSE.index(self) + 1


COURSE: tuple[Lesson, ...] = (
    Lesson("pages/1_why_rnns.py", "Why recurrent networks?", ":material/help:",
           "Sequences of any length, and why a fixed-size network struggles with them.", "why_rnns"),
    Lesson("pages/2_rnn_unrolled.py", "The RNN, unrolled", ":material/linear_scale:",
           "One cell, the same weights at every step, a hidden state carried forward.", "rnn_unrolled"),
    Lesson("pages/3_bptt.py", "Backpropagation through time: the loss and its gradients", ":material/undo:",
           "Losses summed over steps; gradients of shared weights summed over steps.", "bptt"),
    Lesson("pages/4_vanishing_exploding.py", "Vanishing and exploding gradients", ":material/trending_down:",
           "Products of Jacobians, singular values, and gradient clipping.", "vanishing_exploding"),
    Lesson("pages/5_lstm.py", "LSTM: gates as faucets", ":material/water_drop:",
           "Forget, input and output gates control a cell state that carries memory.", "lstm"),
    Lesson("pages/6_gru.py", "GRU: reset and update gates", ":material/tune:",
           "Two gates and no separate cell state: the hidden state is the memory.", "gru"),
    Lesson("pages/7_memory_lab.py", "Memory lab: let's meet for ___", ":material/science:",
           "How far back can each cell remember the word that decides the answer?", "memory_lab"),
)


def available() -> list[Lesson]:
    """The lessons whose page file exists, in syllabus order."""
    return [lesson for lesson in COURSE if lesson.path.is_file()]


def lesson_for(file: str) -> Lesson:
    """The Lesson of a page file, given as a path from the repo root or as the page's __file__."""
    resolved = Path(file).resolve()
    for lesson in COURSE:
        if lesson.path == resolved or lesson.file == file:
            return lesson
    raise KeyError(f"{file} is not in app.course.COURSE")
