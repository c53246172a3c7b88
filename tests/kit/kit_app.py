"""A small page built with the lesson kit alone, for the kit's own tests (AppTest and browser).

Two tabs: "Growth" shows the length and the rate, "Table" shows the length and the digits; the seed
is under "More controls" on both, a style and marks under "More controls" on Growth only. A predict-then-move check asks about raising the rate to 2.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import streamlit as st  # noqa: E402

from app import controls, lesson  # noqa: E402

lesson.begin_page()
st.html(lesson.BASE_CSS + (lesson.PRESENT_CSS if st.query_params.get("present") == "1" else ""))
lesson.header("Kit page", "A page built with the lesson kit.", short="One line.")


@st.fragment
def kit_demo():
    part, body = lesson.tabs("k_part", ["Growth", "Table", "Summary"])
    with body:
        panel = lesson.ControlPanel(part, scope="kit")
        length = controls.int_slider("Length T", "k_T", 1, 20, 5, container=panel.slot())
        rate = controls.float_slider("Rate", "k_rate", 0.5, 2.0, 1.0, 0.5, container=panel.slot("Growth"))
        digits = controls.int_slider("Digits", "k_digits", 1, 6, 3, container=panel.slot("Table"))
        seed = controls.seed_input(key="k_seed", container=panel.slot("Growth", "Table", more=True))
        style = controls.choice("Style", "k_style", ["plain", "bold"], "plain", container=panel.slot("Growth", more=True))
        marks = controls.choice("Marks", "k_marks", ["none", "dots"], "none", container=panel.slot("Growth", more=True))
        width = controls.int_slider("Width", "k_width", 1, 9, 4, container=panel.slot("Summary"))  # folds nothing
        values = [rate ** t for t in range(1, length + 1)]
        st.markdown(f"values: {', '.join(f'{v:.{digits}f}' for v in values)}; seed {seed}; {style}, {marks}; "
                    f"shown {panel.shown}, folded {panel.folded}, width {width}")
        if part == "Growth":
            lesson.predict("predict_growth", "Raise the rate to 2: what does the last value do?",
                           ["It stays at 1", "It grows", "It shrinks"], answer=1,
                           why=f"With rate 2 the last value is 2^{length} = {2 ** length}.",
                           instruction="move the rate to 2", ready=rate == 2.0)


kit_demo()
lesson.quiz("quiz_kit", "What is 2 + 2?", ["3", "4", "5"], answer=1, why="Two and two make four.",
            wrong=["3 is one less than 2 + 2.", None, "5 is one more than 2 + 2."])
lesson.finish_page("kit")
