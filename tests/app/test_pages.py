"""Every existing lesson page runs through the real entrypoint, at defaults and at extremes."""

import pytest

from app.course import COURSE, available, lesson_for
from tests.app.helpers import ENTRYPOINT, assert_ran_cleanly, run_lesson

from streamlit.testing.v1 import AppTest

LESSONS = available()


def test_course_lists_this_lesson_and_it_exists():
    assert lesson_for("pages/2_rnn_unrolled.py") in LESSONS


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.url_path for lesson in LESSONS])
def test_page_runs_at_defaults(lesson):
    at = run_lesson(lesson)
    assert_ran_cleanly(at)
    assert any(lesson.title in t.value for t in at.title), [t.value for t in at.title]


def test_entrypoint_opens_the_first_lesson():
    at = AppTest.from_file(str(ENTRYPOINT), default_timeout=60).run()
    assert_ran_cleanly(at)
    assert any(LESSONS[0].title in t.value for t in at.title)


def test_outline_has_one_entry_per_planned_lesson():
    assert len({lesson.url_path for lesson in COURSE}) == len(COURSE) == 7
    assert len({lesson.file for lesson in COURSE}) == len(COURSE)
    assert all(lesson.icon.startswith(":material/") for lesson in COURSE)
