"""Every existing lesson page runs through the real entrypoint, at defaults and at extremes."""

import pytest

from app.course import COURSE, available, page_for
from tests.app.helpers import ENTRYPOINT, assert_ran_cleanly, run_lesson

from streamlit.testing.v1 import AppTest

LESSONS = available()


def test_course_lists_this_lesson_and_it_exists():
    assert page_for("pages/2_rnn_unrolled.py") in LESSONS


@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.url_path for lesson in LESSONS])
def test_page_runs_at_defaults(lesson):
    at = run_lesson(lesson)
    assert_ran_cleanly(at)
    assert any(lesson.title in t.value for t in at.title), [t.value for t in at.title]


def test_entrypoint_opens_the_course_home_with_the_map_and_lesson_1_one_click_away():
    at = AppTest.from_file(str(ENTRYPOINT), default_timeout=60).run()
    assert_ran_cleanly(at)
    assert any("RNN Explainer" in t.value for t in at.title)
    links = [link.proto.label for link in at.get("page_link")]
    assert links[0] == f"Start with lesson 1: {LESSONS[0].title}"
    assert [label for label in links if label[:1].isdigit()] == [lesson.label for lesson in LESSONS]
    minutes = [m.value for m in at.markdown if m.value.startswith("about ") and m.value.endswith(" min")]
    assert minutes == [f"about {lesson.minutes} min" for lesson in LESSONS]
    assert all(lesson.minutes > 0 for lesson in LESSONS)


def test_outline_has_one_entry_per_planned_lesson():
    assert len({lesson.url_path for lesson in COURSE}) == len(COURSE) >= 7
    assert len({lesson.file for lesson in COURSE}) == len(COURSE)
    assert all(lesson.icon.startswith(":material/") for lesson in COURSE)
