"""Hostile links: >= 500 generated query strings across every lesson, through the real entrypoint.

Each case sets a few of a lesson's URL keys (and sometimes unknown ones) to values a student,
a bot or an attacker might type: out-of-range and huge numbers, NaN, inf, empty, unicode,
HTML/script fragments, Markdown links and images. The page must run without an exception,
keep every numeric widget inside its range, and show none of the injected text anywhere
(so nothing from the URL can be rendered as HTML or Markdown).
Cases come from a seeded RNG: a failure names its chunk and case, and reruns identically.
"""

from __future__ import annotations

import math
import random

import pytest

from app.course import available
from tests.app.helpers import run_lesson
from tests.hostile import CHOICES, NUMERIC, SWITCHES, lesson_controls, problems, section_control, shown_text

LESSONS = available()
CHUNKS_PER_LESSON = 4
TOTAL_CASES = 504
CASES_PER_CHUNK = math.ceil(TOTAL_CASES / (CHUNKS_PER_LESSON * len(LESSONS)))

# Text that would do something if it were ever rendered; each carries a unique marker to search for.
INJECTIONS = [
    "<script>alert('pwn{n}')</script>",
    "<img src=x onerror=alert('pwn{n}')>",
    "</div><iframe src='https://evil.example/pwn{n}'>",
    "[click me](javascript:alert('pwn{n}'))",
    "![pwn{n}](https://evil.example/pwn{n}.png)",
    "**pwn{n}** _x_ `y`",
    "$\\href{{https://evil.example}}{{pwn{n}}}$",
    ":red[pwn{n}] :material/warning:",
    "pwn{n}\" onmouseover=\"alert(1)",
    "{{{{pwn{n}}}}} %s %n",
]
NUMBERISH = ["nan", "NaN", "-nan", "inf", "-inf", "Infinity", "-Infinity", "1e309", "-1e309", "1e-400",
             "9" * 400, "-" + "9" * 400, str(2**64), str(-(2**63)), "0x1F", "1_000", "1e3", "+7", "-0",
             "", " ", "\t", "٣", "１２", "½", "⅞", "∞", "1,5", "1.5.5", "3.", ".5", "1e", "e1",
             "true", "None", "null", "[]", "{}", "💥", "\u202e12", "\x00", "12\x00", "%00", "%2e"]


def hostile_numbers(rng: random.Random, lo: float, hi: float) -> list[str]:
    span = max(hi - lo, 1.0)
    return [f"{lo - rng.uniform(0.001, 1e6) * span:g}", f"{hi + rng.uniform(0.001, 1e6) * span:g}",
            f"{rng.uniform(lo, hi):.7f}", f"{hi + 1e-9:.12f}", f"{lo - 1e-9:.12f}", str(int(hi) + 1),
            str(int(lo) - 1), f"{rng.uniform(lo, hi):.3f}e0", f"{rng.uniform(lo, hi)!r}"]


def hostile_value(rng: random.Random, control, marker: int) -> str | list[str]:
    injection = rng.choice(INJECTIONS).format(n=marker)
    pool = [injection] + NUMBERISH
    if control.kind in NUMERIC:
        pool += hostile_numbers(rng, control.lo, control.hi) * 2
    elif control.kind in CHOICES and control.options:
        option = rng.choice(control.options)
        pool += [option.upper(), option + " ", " " + option, option + injection, option * 3, option[:-1]]
    elif control.kind in SWITCHES:
        pool += ["TRUE", "On", "2", "-1", "yes please", "false" + injection, "tru"]
    value = rng.choice(pool)
    if rng.random() < 0.1:  # the key repeated: ?k=a&k=b
        return [rng.choice(pool), value]
    return value


def generate_cases(url_path: str, chunk: int) -> list[tuple[dict, list[str]]]:
    """(query params, injected markers) for one chunk of one lesson, reproducibly."""
    controls = lesson_controls(url_path)
    rng = random.Random(f"{url_path}/{chunk}")
    cases = []
    for case in range(CASES_PER_CHUNK):
        params: dict = {}
        markers = []
        everything = case == 0 and chunk == 0  # one case per lesson attacks every control at once
        picked = list(controls) if everything else rng.sample(controls, k=min(len(controls), rng.randint(1, 4)))
        for control in picked:
            marker = rng.randrange(10**6, 10**7)
            params[control.key] = hostile_value(rng, control, marker)
            if f"pwn{marker}" in str(params[control.key]):
                markers.append(f"pwn{marker}")
        tabs = section_control(controls)
        if tabs is not None and tabs.key not in params and rng.random() < 0.7:  # open a section's panel controls
            params[tabs.key] = rng.choice(tabs.options)
        if rng.random() < 0.3:  # unknown keys, some named like HTML
            marker = rng.randrange(10**6, 10**7)
            name = rng.choice([f"pwn{marker}", f"<b>pwn{marker}</b>", f"x{marker}", "embed_options", "__proto__"])
            params[name] = rng.choice(INJECTIONS).format(n=marker)
            markers.append(f"pwn{marker}")
        cases.append((params, markers))
    return cases


CHUNKS = [(lesson, chunk) for lesson in LESSONS for chunk in range(CHUNKS_PER_LESSON)]


def test_enough_cases_across_all_lessons():
    assert len(CHUNKS) * CASES_PER_CHUNK >= 500
    assert {lesson.url_path for lesson, _ in CHUNKS} == {lesson.url_path for lesson in available()}


def test_the_checks_can_fail():
    """A run that showed an injected marker, or a slider off its range, would be caught."""
    lesson = LESSONS[0]
    at = run_lesson(lesson)
    controls = [c for c in lesson_controls(lesson.url_path) if c.kind == "slider"]
    assert controls, "the first lesson has no slider to check ranges with"
    assert not problems(at)
    at.slider(key=controls[0].key).proto.min = controls[0].hi + 1  # pretend the range moved
    assert problems(at)
    assert any("Link value" in text for text in shown_text(run_lesson(lesson, {controls[0].key: "nan"})))


@pytest.mark.parametrize("lesson,chunk", CHUNKS, ids=[f"{lesson.url_path}-{chunk}" for lesson, chunk in CHUNKS])
def test_hostile_query_strings(lesson, chunk):
    failures = []
    for index, (params, markers) in enumerate(generate_cases(lesson.url_path, chunk)):
        at = run_lesson(lesson, params)
        found = problems(at)
        text = "\n".join(shown_text(at))
        found += [f"injected {marker} is on the page" for marker in markers if marker in text]
        if found:
            failures.append(f"case {index} {params!r}: {found}")
    assert not failures, "\n".join(failures)
