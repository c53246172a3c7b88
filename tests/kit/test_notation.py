"""The notation card shows a lesson the rows it has reached and names the rows later lessons add."""

import re

from app.course import COURSE
from app.notation import NOTATION_CARD, ROWS, notation_card

TITLES = {"counting": "**Counting.**", "the RNN": "**RNN.**", "the LSTM's gates": "**LSTM.**",
          "the GRU's gates": "**GRU.**", "memory times": "**Memory (lesson 5).**", "PyTorch's two biases per gate": "**Biases.**", "symbols": "**Symbols.**",
          "the text lab's symbols": "**Text (lesson 8).**"}


def test_each_lesson_sees_the_rows_it_has_reached_and_the_names_of_the_rest():
    assert {name for _, name, _ in ROWS} == set(TITLES)
    for lesson in COURSE:
        card = notation_card(lesson.number)
        for first, name, _ in ROWS:
            assert (TITLES[name] in card) == (first <= lesson.number), (lesson.number, name)
            assert (f"{name} (lesson {first})" in card) == (first > lesson.number), (lesson.number, name)
    assert "Later lessons add" not in notation_card(len(COURSE))
    later = re.search(r"\*Later lessons add\* (.*)\.$", notation_card(2)).group(1)
    assert later == ("the LSTM's gates (lesson 5), memory times (lesson 5), PyTorch's two biases per gate (lesson 5), "
                     "the GRU's gates (lesson 6) and the text lab's symbols (lesson 8)")


def test_the_full_card_is_every_row_in_order():
    positions = [NOTATION_CARD.index(TITLES[name]) for _, name, _ in ROWS]
    assert positions == sorted(positions) and "Later lessons add" not in NOTATION_CARD
    assert notation_card(None) == NOTATION_CARD


def test_every_symbol_a_control_label_names_is_on_the_card_by_its_lesson():
    """α (input weight scale) from lesson 2, κ (recurrent weight scale) and b_f from lesson 5, τ in lesson 8."""
    assert "\\alpha" in notation_card(2) and "\\kappa" in notation_card(2)    # the symbols row names both
    assert "b_f" in notation_card(5) and "b_z" in notation_card(5) and "\\tau" in notation_card(8)
    assert "\\tau" not in notation_card(7)


def test_lesson_5s_memory_symbols_are_on_its_card():
    """f-bar, the memory time, chrono's u and T_max: defined in lesson 5, on the card from lesson 5 on."""
    for symbol in ("\\bar f", "1/(1 - f)", "T_{max}", "b_f = \\log u", "[h_t; c_t]"):
        assert symbol in notation_card(5) and symbol not in notation_card(4), symbol
