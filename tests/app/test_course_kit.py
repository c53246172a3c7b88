"""The course around every lesson: quizzes with feedback, show-code with PyTorch, downloads,
presentation mode and the share link (AppTest through the real entrypoint)."""

import contextlib
import io
import json

import numpy as np
import pytest
import torch  # requirements-test.txt; never an app dependency

from app import lesson as kit
from app.course import available
from app.export import figure_summary
from tests.figures.test_readable_fonts import every_font_size
from tests.app.helpers import (assert_ran_cleanly, figures, fragment_controls, module_level_controls, plotly_array,
                               run_lesson, run_sections)

LESSONS = available()
IDS = [lesson.url_path for lesson in LESSONS]
# Default sequence length and hidden size of each lesson's cell (the PyTorch snippet's output shape).
SNIPPET_SHAPES = {"why_rnns": (5, 8), "rnn_unrolled": (3, 1), "bptt": (3, 1), "vanishing_exploding": (50, 4),
                  "lstm": (40, 4), "gru": (40, 4),
                  "text_lab": (207, 256)}  # the prompt "ROMEO.\n" and 200 characters written; 256 units


def first_section_with(lesson, kind: str, key: str | None = None):
    """The lesson opened on its first section (tab) that shows a `kind` element (with `key`), or None.

    Most lessons show the code and the downloads below their tabs; a lesson whose program depends on a
    panel's sliders shows them in that panel's tab."""
    for at in run_sections(lesson):
        if any(key is None or element.key == key for element in at.get(kind)):
            return at
    return None


def font_sizes(figure):
    return [size for _, size in every_font_size(figure)]


def walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)


def feedback_of(at, key):
    """The feedback shown inside one check's box (another check's feedback stays on screen beside it)."""
    for block in walk(at._tree):
        children = list(getattr(block, "children", {}).values())
        if any(type(child).__name__ == "Radio" and child.key == key for child in children):
            return [child.value for child in children if type(child).__name__ in ("Success", "Error")]
    return []


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_every_control_reruns_only_the_lessons_demo(lesson):
    """A lesson's controls, and everything they change, are in one @st.fragment (the demo): moving one reruns
    that part of the page only, not the header, the quizzes and the misconceptions (each element a rerun
    touches is drawn again in the browser). The quizzes stay outside: an answer reruns the whole page."""
    assert module_level_controls(lesson.path) == []
    demos = [name for name in fragment_controls(lesson.path) if name.endswith("_demo")]
    assert len(demos) == 1, demos
    source = lesson.path.read_text()
    assert source.index(f"\n{demos[0]}()\n") < source.index("lesson.quiz(")


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_every_quiz_explains_each_wrong_pick_without_giving_the_answer_away(lesson):
    """Options are lettered in a fixed order; a wrong pick says why that option is wrong (each its own
    reason) and lets the student try again, without naming the answer; the right pick says why."""
    at = run_lesson(lesson)
    assert_ran_cleanly(at)
    checks = [check for check in kit.CHECKS.values() if check.page == lesson.url_path and check.kind == "quiz"]
    assert len(checks) >= 2, [check.key for check in checks]
    for check in checks:
        radio = at.radio(key=check.key)
        assert radio.options == [f"{kit.LETTERS[i]}. {option}" for i, option in enumerate(check.options)]
        reasons = set()
        for pick in range(len(check.options)):
            at.radio(key=check.key).set_value(pick).run()
            assert_ran_cleanly(at)
            letter = kit.LETTERS[pick]
            said = [text for text in feedback_of(at, check.key) if text.startswith(("**Not ", f"**{letter} is"))]
            assert len(said) == 1, (check.key, said)
            if pick == check.answer:
                assert said[0].startswith(f"**{letter} is right.** ") and len(said[0]) > 60, said[0]
            else:
                assert said[0].startswith(f"**Not {letter}.** ") and said[0].endswith(" Try another option.")
                reason = said[0].removeprefix(f"**Not {letter}.** ").removesuffix(" Try another option.")
                assert len(reason) > 30 and reason != "Think about it once more.", (check.key, reason)
                assert f"**{kit.LETTERS[check.answer]}" not in said[0]
                assert check.options[check.answer] not in reason, (check.key, reason)  # the answer is not given
                reasons.add(reason)
        assert len(reasons) == len(check.options) - 1, check.key   # one reason per wrong option
        at.radio(key=check.key).set_value(None).run()    # clear it: its feedback would be read as the next quiz's


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_misconceptions_box_and_downloads(lesson):
    at = run_lesson(lesson)
    assert any(e.label == "Common misconceptions" for e in at.expander)
    myths = [m.value for m in at.markdown if m.value.startswith("- **Myth:**")]
    assert len(myths) >= 3
    with_buttons = first_section_with(lesson, "download_button")
    buttons = with_buttons.get("download_button") if with_buttons else []
    if lesson.url_path == "memory_lab":  # nothing to download before Train: tested after training instead
        assert len(buttons) == 0
        return
    assert len(buttons) == 2
    labels = sorted(b.proto.label for b in buttons)
    assert labels == ["Download CSV", "Download JSON"]


ARTICLE_ERRORS = {  # lesson -> words that must appear in one of its myths (the syllabus article's errors)
    "why_rnns": "cyclic", "rnn_unrolled": "cyclic", "bptt": "step 4",
    "vanishing_exploding": "singular value is above 1", "lstm": "0 or 1", "gru": "no memory",
    "memory_lab": "0 or 1", "text_lab": "understands",
}


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_misconceptions_include_the_articles_errors(lesson):
    at = run_lesson(lesson)
    myths = " ".join(m.value for m in at.markdown if m.value.startswith("- **Myth:**"))
    assert ARTICLE_ERRORS[lesson.url_path] in myths
    if lesson.url_path == "lstm":
        assert "four gates" in myths and "eliminate" in myths


UNTRAINED = [lesson for lesson in LESSONS if lesson.url_path != "memory_lab"]  # the lab's program needs a trained
# model: tests/app/test_memory_lab_page.py runs it after pressing Train


@pytest.mark.parametrize("lesson", UNTRAINED, ids=[lesson.url_path for lesson in UNTRAINED])
def test_show_code_reveals_source_and_a_pytorch_program_that_runs(lesson):
    at = first_section_with(lesson, "toggle", "show_code")
    assert at is not None, "no section shows the code toggle"
    assert not at.code or all("import torch" not in c.value for c in at.code)
    at.toggle(key="show_code").set_value(True).run()
    assert_ran_cleanly(at)
    sources = [c.value for c in at.code]
    assert any(s.lstrip().startswith("def ") for s in sources)      # rnn_core source, read by inspect
    program = next(s for s in sources if s.startswith("import torch"))
    namespace, out = {}, io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(program, "<snippet>", "exec"), namespace)
    assert out.getvalue().strip()
    output = namespace["output"].detach().numpy()
    assert output.shape == SNIPPET_SHAPES[lesson.url_path]
    assert np.all(np.isfinite(output))
    assert isinstance(namespace["output"], torch.Tensor)


def test_bptt_snippet_prints_the_pages_loss():
    """The Losses part's program prints the sum of its loss bars; the warm-up's, the loss of its diagram."""
    lesson = next(lesson for lesson in LESSONS if lesson.url_path == "bptt")
    at = run_lesson(lesson, {"b_part": "Losses"})
    at.toggle(key="show_code").set_value(True).run()
    program = next(c.value for c in at.code if c.value.startswith("import torch"))
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(program, namespace)
    losses = plotly_array(figures(at)[0]["data"][0]["y"])  # the per-step loss bars
    assert abs(namespace["loss"].item() - sum(losses)) < 1e-9
    at = run_lesson(lesson)                                   # the warm-up: L = (h_3 - y)^2 / 2 in its loss box
    at.toggle(key="show_code").set_value(True).run()
    program = next(c.value for c in at.code if c.value.startswith("import torch"))
    with contextlib.redirect_stdout(io.StringIO()):
        exec(program, namespace)
    boxes = [label for trace in figures(at)[0]["data"] if trace.get("mode") == "text" for label in trace["text"]]
    assert f"{namespace['loss'].item():.4f}" in boxes


@pytest.mark.parametrize("lesson", LESSONS, ids=IDS)
def test_presentation_mode(lesson):
    at = run_lesson(lesson, {"present": "1"})
    assert_ran_cleanly(at)
    assert at.toggle(key="present").value is True
    bodies = [html.proto.body for html in at.get("html")]
    assert sum(kit.PRESENT_CSS in body for body in bodies) == 1 and not any("<script" in body for body in bodies)
    for figure in figures(at):
        assert figure["layout"]["height"] <= kit.PRESENT_HEIGHT
        assert min(font_sizes(figure)) >= kit.PRESENT_FONT
    assert any(e.label == "Controls" for e in at.expander)  # the control panel, folded when presenting
    normal = run_lesson(lesson)
    assert not any(kit.PRESENT_CSS in html.proto.body for html in normal.get("html"))
    assert all(min(font_sizes(figure)) >= kit.NORMAL_FONT for figure in figures(normal))
    assert not any(e.label == "Controls" for e in normal.expander)


def test_share_link_carries_corrected_values_only():
    lesson = next(lesson for lesson in LESSONS if lesson.url_path == "rnn_unrolled")
    at = run_lesson(lesson, {"hidden": "999", "sigma": "1.5", "steps": "nan", "evil": "<script>alert(1)</script>",
                             "input": "[x](javascript:alert(1))"})
    assert_ran_cleanly(at)
    assert not [c for c in at.code if c.value.startswith("?") or "://" in c.value]  # built only when opened
    at.session_state[kit.SHARE_KEY] = True  # open the popover
    at.run()
    links = [c.value for c in at.code if c.value.startswith("?") or "://" in c.value]
    # the values on screen that differ from the defaults (steps and input were corrected to theirs)
    assert len(links) == 1 and sorted(links[0][1:].split("&")) == ["hidden=16", "sigma=1.5"]
    assert "script" not in links[0] and "javascript" not in links[0]


def test_every_chart_has_the_camera_button_and_its_data_summary_as_its_accessible_name():
    for lesson in LESSONS:
        at = run_lesson(lesson)
        charts = at.get("plotly_chart")
        assert charts, lesson.url_path
        assert not [c.value for c in at.caption if c.value.startswith(":material/bar_chart:")]  # not on screen
        for chart in charts:
            spec = json.loads(chart.proto.spec)
            summary = figure_summary(spec)
            assert chart.proto.alt                       # every chart has an accessible name
            if not summary.endswith("A diagram without numeric series."):   # a drawing is named by its alt alone
                assert chart.proto.alt.endswith(summary.split(". ")[-1]), (chart.proto.alt, summary)
            config = json.loads(chart.proto.config)
            assert config.get("displayModeBar", True) is not False
            assert "toImage" not in config.get("modeBarButtonsToRemove", [])
            assert config["toImageButtonOptions"]["format"] == "png"
