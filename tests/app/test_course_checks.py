"""Course-wide rules for the checks of understanding and the end of every lesson (AppTest, real entrypoint).

Each lesson asks at least two checks, one of them *predict, then move* inside its demo; no question is asked
twice in the course; across the course no answer position holds more than 40% of the answers, and the longest
option is the answer in at most 40% of the checks. Every lesson ends with three to five key takeaways and a link
to the next lesson.
"""

import collections
import re

import pytest

from app import lesson as kit
from app.course import available
from tests.app.helpers import assert_ran_cleanly, run_lesson, run_sections

LESSONS = available()
IDS = [lesson.url_path for lesson in LESSONS]


def lesson_checks(lesson):
    """Every check the lesson asks at its defaults, each of its parts opened by a link."""
    for at in run_sections(lesson):
        assert_ran_cleanly(at)
    return [check for check in kit.CHECKS.values() if check.page == lesson.url_path]


@pytest.fixture(scope="module")
def course_checks():
    return {lesson.url_path: lesson_checks(lesson) for lesson in LESSONS}


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_two_checks_one_of_them_predict_then_move(lesson, course_checks):
    checks = course_checks[lesson.url_path]
    assert len(checks) >= 2, [check.key for check in checks]
    assert any(check.kind == "predict" for check in checks), "no predict-then-move check"
    assert all(len(check.options) >= 2 for check in checks)


def test_no_question_is_asked_twice(course_checks):
    asked = [re.sub(r"\W+", " ", check.question).strip().lower() for checks in course_checks.values()
             for check in checks]
    repeated = [q for q, n in collections.Counter(asked).items() if n > 1]
    assert not repeated, repeated


def test_neither_position_nor_length_gives_the_answer_away(course_checks):
    checks = [check for checks in course_checks.values() for check in checks]
    positions = collections.Counter(check.answer for check in checks)
    assert max(positions.values()) <= 0.4 * len(checks), dict(positions)
    longest = [check.key for check in checks
               if len(check.options[check.answer]) > max(len(o) for i, o in enumerate(check.options) if i != check.answer)]
    assert len(longest) <= 0.4 * len(checks), longest


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_lesson_ends_with_key_takeaways_and_the_way_on(lesson):
    at = run_lesson(lesson)
    assert_ran_cleanly(at)
    assert [h.value for h in at.header if h.value == "Key takeaways"] == ["Key takeaways"]
    bullets = next(m.value for m in at.markdown if m.value.startswith("- ") and "**Myth:**" not in m.value)
    assert 3 <= len(bullets.split("\n- ")) <= 5
    links = [link.proto.label for link in at.get("page_link")]
    following = LESSONS.index(lesson) + 1
    if following < len(LESSONS):
        assert f"Next: {LESSONS[following].label}" in links
    else:
        assert "Recap: every equation" in links or "Glossary" in links


ZERO_BASED = [r"\bstep 0\b", r"\bsteps? 0 ", r"\bunit 0\b", r"\bt = 0\b", r"T ?- ?1", r"_\{?T-1", r"h_\{?-1"]


def visible_text(at):
    """Every text a student reads on the page: prose, equations, headings, metric and control labels,
    and the charts' titles, axis titles and annotations."""
    texts = [e.value for kind in ("markdown", "latex", "caption", "header", "subheader") for e in at.get(kind)
             if hasattr(e, "value")]
    texts += [m.label for m in at.metric] + [s.label for s in at.slider]
    for chart in at.get("plotly_chart"):
        import json
        layout = json.loads(chart.proto.spec)["layout"]
        texts += [str(note.get("text", "")) for note in layout.get("annotations", [])]
        for key, value in layout.items():
            if isinstance(value, dict) and isinstance(value.get("title"), dict):
                texts.append(str(value["title"].get("text", "")))
    return texts


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_steps_and_units_are_counted_from_one(lesson):
    """Steps run 1..T and units 1..H in everything a student reads (code, shown on demand, counts from 0)."""
    for at in run_sections(lesson):
        for text in visible_text(at):
            for pattern in ZERO_BASED:
                assert not re.search(pattern, text), (pattern, text[:200])
        for slider in at.slider:
            if slider.label.startswith(("Step", "Unit")):
                assert slider.min >= 1, slider.label
