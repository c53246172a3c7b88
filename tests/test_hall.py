"""benchmarks.hall, the lecture hall without browsers, against a small lesson (tests/hall_app.py):
it finds the lesson's controls in the page's deltas, moves them the way a browser does (the
server takes the values), sees every run end, and counts the exceptions it is shown."""

from __future__ import annotations

import json
import random
from types import SimpleNamespace
from urllib.parse import parse_qsl

import pytest

from benchmarks import hall
from tests.browser.helpers import serve
from tests import fresh_loop


@pytest.fixture(scope="module")
def lesson_server():
    with serve("tests/hall_app.py", extra_args=hall.STREAMLIT_ARGS) as (base_url, process, _):
        yield base_url


def opened(base_url: str, then=None):
    """Open the lesson in a fresh session, run `then(session)` on it; returns (session, first run, then's result)."""
    async def scenario():
        async with hall.Session(base_url, "") as session:
            first = await session.open()
            return session, first, (await then(session) if then else None)
    return fresh_loop.run(scenario())


def test_finds_the_lesson_controls_in_the_deltas(lesson_server):
    session, first, _ = opened(lesson_server)
    assert first.status == "FINISHED_SUCCESSFULLY" and first.exceptions == []
    controls = {c.url_key: c for c in session.movable()}
    assert set(controls) == {"steps", "shape", "scale", "seed", "smooth", "part"}
    steps = controls["steps"]
    assert (steps.element, steps.kind, steps.lo, steps.hi, steps.step, steps.value, steps.integer) == \
        ("slider", "number", 1, 9, 1, 3, True)
    assert (controls["shape"].options, controls["shape"].value) == (("sine", "square", "saw"), "sine")
    assert (controls["scale"].element, controls["scale"].options, controls["scale"].value) == \
        ("button_group", ("small", "large"), "small")
    assert (controls["seed"].element, controls["seed"].lo, controls["seed"].hi) == ("number_input", 0, 1000)
    assert (controls["smooth"].kind, controls["smooth"].value) == ("switch", False)
    assert (controls["part"].element, controls["part"].options, controls["part"].value) == \
        ("tab_container", ("Numbers", "Weights"), "Numbers")
    # all in the lesson's fragment; the quiz and the unbound toggle are on the page but not lesson controls
    assert len({c.fragment_id for c in controls.values()}) == 1 and steps.fragment_id
    others = [c for c in session.widgets.values() if not c.movable]
    assert [c.label for c in others] == ["Show code"]  # the quiz has no value yet: the browser holds none


def test_moves_reach_the_server_and_rerun_the_fragment(lesson_server):
    shown = []  # what the lesson writes: the values its script received (st.write of a dict -> st.json)

    async def moves(session):
        session.on_message = lambda m: shown.append(json.loads(m.delta.new_element.json.body)) \
            if m.delta.new_element.WhichOneof("type") == "json" else None
        controls = {c.url_key: c for c in session.movable()}
        runs = [await session.move(controls["shape"], "square"), await session.move(controls["steps"], 5),
                await session.move(controls["scale"], "large"), await session.move(controls["smooth"], True),
                await session.move(controls["seed"], 17)]
        tab = await session.move(controls["part"], "Weights")
        weights = [c for c in session.movable() if c.url_key == "weight"]
        back = await session.move(controls["part"], "Numbers")
        return runs + [tab, back], weights, {c.url_key for c in session.movable()}

    session, _, (runs, weights, after) = opened(lesson_server, moves)
    assert [r.status for r in runs] == ["FINISHED_FRAGMENT_RUN_SUCCESSFULLY"] * 7
    assert all(r.fragment_id for r in runs)
    # the script received every value, in the wire format of each widget
    assert shown[4] == {"steps": 5, "shape": "square", "scale": "large", "seed": 17, "smooth": True}
    assert shown[-1] == shown[4] and len(shown) == 6  # the Weights tab writes no settings
    # the second tab's own slider appeared with it (range and step from its delta) and went with it
    assert [(w.lo, w.hi, w.step, w.value) for w in weights] == [(0.0, 1.0, 0.25, 0.5)]
    assert "weight" not in after and {"steps", "part"} <= after
    assert dict(parse_qsl(session.query)) == {"shape": "square", "steps": "5", "scale": "large", "smooth": "true",
                                              "seed": "17", "part": "Numbers"}


def test_a_class_follows_the_teacher_or_explores_and_counts_exceptions(lesson_server):
    args = SimpleNamespace(moves=8, think=0.01, seed=8, timeout=30)
    result = fresh_loop.run(hall.run_class(lesson_server, [""], 4, SimpleNamespace(**vars(args), ramp=0.2,
                                                                              time_limit=120)))
    assert result.errors == []
    assert len(result.loads_ms) == 4 and len(result.moves) == 4 * 8
    assert all(m.status == "FINISHED_FRAGMENT_RUN_SUCCESSFULLY" for m in result.moves)
    by_student = {i: [(m.control, m.value) for m in sorted(result.moves, key=lambda m: m.student)
                      if m.student == i] for i in range(4)}
    assert by_student[0] == by_student[2]  # followers of one lesson make the teacher's moves
    assert by_student[1] != by_student[3] and by_student[1] != by_student[0]  # explorers their own
    # the lesson raises while steps is 7: count the runs that had steps = 7 from the moves themselves
    expected = 0
    for student in range(4):
        steps = 3
        for control, value in by_student[student]:
            steps = value if control == "steps" else steps
            expected += steps == 7
    assert expected > 0, "pick another seed: this class never set steps to 7"
    assert len(result.exceptions) == expected == sum(m.exceptions for m in result.moves)
    assert result.backends == {"the only process": 4}


def test_other_value_stays_on_the_grid_and_changes():
    rng = random.Random(0)
    slider = hall.Control(id="a", kind="number", label="T", value=0.5, lo=0.1, hi=0.9, step=0.2, element="slider")
    values = {slider.other_value(rng) for _ in range(200)}
    assert values == {0.1, 0.3, 0.7, 0.9}
    seed = hall.Control(id="b", kind="number", label="seed", value=0, lo=0, hi=2**31 - 1, step=1, integer=True,
                        element="number_input")
    assert all(isinstance(v, int) and 0 < v < 2**31 for v in (seed.other_value(rng) for _ in range(50)))
    tabs = hall.Control(id="c", kind="option", label="tabs", value="A", options=("A", "B"), element="tab_container")
    assert tabs.other_value(rng) == "B"


def test_table_reports_the_median_and_the_spread_of_repeats():
    rows = [dict(processes=2, students=30, move_p50_ms=p50, move_p95_ms=p95, load_p50_ms=900, errors=0,
                 exceptions=0, rss_peak_mb=400, server_cpu_s=30.0, other_cores=0.5,
                 sessions_per_process=[15, 15])
            for p50, p95 in [(100, 400), (120, 700), (90, 500)]]
    line = hall.table(rows).splitlines()[-1]
    assert line == ("| 2 | 30 | 100 ms (90-120) | 500 ms (400-700) | 900 ms (900-900) | 0 | 0 | 400 MB (400-400) "
                    "| 30 s (30-30) | 0.5 (0.5-0.5) | [15, 15] / [15, 15] / [15, 15] |"), line
