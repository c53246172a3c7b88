"""The reference pages through the real entrypoint: the glossary (every term at its anchor, every glossary link of the
lessons pointing at a term that exists, the references with years, a filter that never shows what was typed) and
the recap (every equation of the course with the lesson that shows it, nothing to click but links)."""

import ast
import re

import pytest

from app import lesson as kit
from app.course import COURSE, REFERENCE, REPO_ROOT, available
from app.glossary import REFERENCES, TERMS, slug
from app.recap import GROUPS
from tests.app.helpers import assert_ran_cleanly, run_lesson

GLOSSARY, RECAP = REFERENCE
# The terms every lesson engineer was told the glossary has (lessons link to them by these names).
PROMISED = ["one-hot", "softmax", "logit", "cross-entropy", "Jacobian", "singular value", "spectral radius",
            "orthogonal matrix", "saturation", "sigmoid", "tanh", "hidden state", "cell state", "gate", "candidate",
            "forget gate", "input gate", "output gate", "reset gate", "update gate", "unrolling", "parameter sharing",
            "BPTT", "truncated BPTT", "vanishing gradient", "exploding gradient", "gradient clipping", "Adam",
            "learning rate", "minibatch", "held-out set", "perplexity", "bits per character", "temperature"]
CITED = ["Elman", 1990], ["Werbos", 1990], ["Hochreiter, S.", 1991], ["Bengio, Y., Simard, P. & Frasconi", 1994], \
    ["Hochreiter, S. & Schmidhuber", 1997], ["Gers, F. A., Schmidhuber, J. & Cummins", 2000], \
    ["Pascanu, R., Mikolov, T. & Bengio", 2013], ["Cho, K.", 2014], ["Olah", 2015], ["Karpathy", 2015], \
    ["Tallec, C. & Ollivier", 2018]
SLUGS = {term.slug for term in TERMS}


def glossary_calls(path):
    """(line, first argument) of every glossary_link(...) call in a Python file."""
    calls = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and ast.unparse(node.func).split(".")[-1] == "glossary_link":
            first = node.args[0] if node.args else None
            calls.append((node.lineno, first.value if isinstance(first, ast.Constant) else ast.unparse(first)))
    return calls


def test_the_glossary_has_every_promised_term_and_at_least_25():
    assert len(TERMS) >= 25
    assert len(SLUGS) == len(TERMS), "two terms share an anchor"
    missing = [term for term in PROMISED if slug(term) not in SLUGS]
    assert not missing, missing
    assert slug("held-out set") == "held-out-set" and kit.glossary_link("held-out set").endswith("(glossary#held-out-set)")


def test_every_term_is_one_to_three_sentences_names_a_lesson_and_uses_the_courses_counting():
    lessons = {page.url_path for page in COURSE} | {"text_lab"}  # the text lab (lesson 8) is on its way
    for term in TERMS:
        sentences = re.findall(r"[.!?](?:\s|$)", re.sub(r"\$[^$]*\$", "x", term.text))
        assert 1 <= len(sentences) <= 3, (term.name, len(sentences))
        assert term.lessons and set(term.lessons) <= lessons, term.name
        assert not re.search(r"h_\{?-1|\bstep 0\b|h_\{T-1\}", term.text), term.name


def test_every_glossary_link_in_the_pages_names_a_term():
    checked = 0
    for path in sorted((REPO_ROOT / "pages").glob("*.py")):
        for line, term in glossary_calls(path):
            assert isinstance(term, str) and slug(term) in SLUGS, f"{path.name}:{line}: glossary_link({term!r})"
            checked += 1
    assert checked >= 5  # the memory lab alone links eight terms


def test_the_check_of_glossary_links_can_fail(tmp_path):
    page = tmp_path / "page.py"
    page.write_text('lesson.glossary_link("softmax")\nlesson.glossary_link("no such term")\nglossary_link(name)\n')
    calls = glossary_calls(page)
    assert calls == [(1, "softmax"), (2, "no such term"), (3, "name")]
    assert [slug(term) in SLUGS for _, term in calls] == [True, False, False]


def test_glossary_page_has_a_heading_per_term_at_its_anchor_and_the_references_with_years():
    at = run_lesson(GLOSSARY)
    assert_ran_cleanly(at)
    assert at.title[0].value == "Glossary"
    headings = [(h.value, h.proto.anchor) for h in at.subheader]
    assert headings == sorted(((t.name, t.slug) for t in TERMS), key=lambda pair: pair[0].lower())
    page = "\n".join(m.value for m in at.markdown)
    for authors, year in CITED:
        assert f"{authors}" in page and f"({year})" in page, authors
    assert len(REFERENCES) >= 10
    index = next(m.value for m in at.markdown if m.value.startswith(f"{len(TERMS)} of {len(TERMS)} terms."))
    assert "[A](#adam)" in index and "[S](#saturation)" in index
    # the lessons that show a term are links to them (those in the course now)
    softmax = page[page.index("Turns logits into probabilities"):]
    for url_path in ("bptt", "memory_lab"):
        lesson = next(p for p in available() if p.url_path == url_path)
        assert f"[{lesson.label}](/{url_path})" in softmax.split("\n")[1]
    assert "Other names: Normalised exponential" in softmax
    # "Shown in" lists the lessons in the course's order, whatever order the data gives them
    order = {page.url_path: k for k, page in enumerate(COURSE)}
    for block in page.split("Shown in ")[1:]:
        shown = re.findall(r"\]\(/([a-z_]+)\)", block.split("\n")[0])
        assert shown == sorted(shown, key=order.get), shown
    assert "Source: Werbos (1990)." in page


def test_the_glossary_notes_the_other_names_books_use():
    by_name = {term.name: term for term in TERMS}
    assert "C_t" in by_name["candidate"].also and "Olah" in by_name["candidate"].also
    assert "swap" in by_name["update gate"].also and "Wikipedia" in by_name["update gate"].also
    assert by_name["BPTT"].source == "Werbos (1990)."
    assert "hidden units of Elman (1990), whose context units hold a copy of $h_{t-1}$" in by_name["hidden state"].also
    assert "$b_{if} = b_f$" in by_name["forget gate"].text and "$b_{iz} = b_z$" in by_name["update gate"].text
    assert "cyclic" in by_name["recurrent neural network"].text and "do not call it" in by_name["recurrent neural network"].text


def test_other_names_are_names_and_every_source_is_in_the_references():
    """Citations go to Source, and every work cited there (or in the recap's note) is listed with its year."""
    listed = {(ref.authors.split(",")[0], ref.year) for ref in REFERENCES}
    cited = 0
    for term in TERMS:
        assert not re.search(r"\(\d{4}\)\.?$|^[A-Z][a-z]+, [A-Z]", term.also), (term.name, term.also)
        for authors, year in re.findall(r"([A-Z][A-Za-z]+)[^;()]*?\((\d{4})\)", term.source):
            assert (authors, int(year)) in listed, (term.name, authors, year)
            cited += 1
    assert cited >= 10
    assert ("Hochreiter", 1991) in listed


def test_glossary_filter_shows_matching_terms_and_never_the_typed_text():
    at = run_lesson(GLOSSARY)
    at.text_input(key="glossary_find").input("gate").run()
    assert_ran_cleanly(at)
    shown = [h.value for h in at.subheader]
    assert "forget gate" in shown and "softmax" not in shown
    assert all("gate" in f"{t.name} {t.text} {t.also}".lower() for t in TERMS if t.name in shown)
    assert next(m.value for m in at.markdown if " terms. " in m.value).startswith(f"{len(shown)} of {len(TERMS)} terms.")
    hostile = "<script>pwn1</script>[x](javascript:pwn2)"
    at.text_input(key="glossary_find").input(hostile).run()
    assert_ran_cleanly(at)
    assert [h.value for h in at.subheader] == []
    assert any(m.value.startswith("No term matches.") for m in at.markdown)
    shown_text = " ".join(str(e.value) for kind in ("markdown", "caption", "subheader") for e in at.get(kind))
    assert "pwn1" not in shown_text and "pwn2" not in shown_text


def test_recap_has_every_equation_with_its_lesson_and_nothing_to_click_but_links():
    at = run_lesson(RECAP)
    assert_ran_cleanly(at)
    assert [h.value for h in at.subheader] == [group.title for group in GROUPS]
    assert len(at.get("latex")) == sum(len(group.equations) for group in GROUPS) >= 18
    for kind in ("slider", "button", "text_input", "selectbox", "toggle", "radio", "number_input", "plotly_chart",
                 "tabs"):
        assert not at.main.get(kind), kind
    links = [link.proto.label for link in at.get("page_link")]
    lessons = {page.url_path: page for page in available()}
    expected = [f"Shown in lesson {lessons[g.lesson].number}: {lessons[g.lesson].title}" for g in GROUPS
                if g.lesson in lessons]
    assert links == expected


@pytest.mark.parametrize("needle", [
    r"h_t = \tanh", r"\frac{\partial L_t}{\partial h_t} \\ &\quad +", r"\sum_{t=1}^{T} \delta_t\, h_{t-1}^\top",
    r"\left(\gamma\, s_{max}\right)^{T-t}", r"&= s^{T-t}", r"\min\!\left(1, \frac{c}{\lVert \nabla \rVert}\right)",
    r"\max\!\big(-c, \min(c, \nabla_i)\big)", r"c_t &= f_t \odot c_{t-1} + i_t \odot g_t", r"h_t &= o_t \odot \tanh(c_t)",
    r"h_t = (1 - z_t) \odot n_t + z_t \odot h_{t-1}", r"r_t \odot (W_{hn} h_{t-1} + b_{hn})",
    r"\frac{1}{1 - f}", r"\frac{\hat m_n}{\sqrt{\hat v_n} + \epsilon}", r"\text{perplexity} &= 2^{\text{bpc}}",
    r"\operatorname{softmax}(y)_k", r"L_t &= -\log p_t[\text{target}_t]",
    r"\Big(\frac{\partial h_{t+1}}{\partial h_t}\Big)^{\!\top} \frac{\partial L}{\partial h_{t+1}}",
    r"\operatorname{diag}\Big(\prod_{k=t+1}^{T} f_k\Big)",
])
def test_recap_equations_are_the_courses(needle):
    assert any(needle in equation.latex for group in GROUPS for equation in group.equations), needle


def test_six_lstm_equations_and_four_gru_equations():
    def count(title):
        group = next(g for g in GROUPS if g.title == title)
        return sum(len(re.findall(r"(?:^|\{aligned\}|\\\\|, \\qquad )\s*[a-z]_t &?=", e.latex)) for e in group.equations)

    assert count("LSTM") == 6 and count("GRU") == 4


def test_the_recap_gives_each_letter_one_meaning():
    """tau is the temperature only; g_t the LSTM's candidate, not a gradient; t counts word steps, n updates; K is the
    truncation's chunk; f is the activation only where that group says so."""
    groups = {group.title: group for group in GROUPS}

    def latex(title):
        return " ".join(equation.latex for equation in groups[title].equations)

    def words(title):
        return " ".join(equation.what for equation in groups[title].equations)

    everything = " ".join(latex(title) for title in groups)
    assert everything.count("\\tau") == latex("Bits per character, perplexity and temperature").count("\\tau") == 1
    assert not re.search(r"(?<![a-z\\])g(_i)? \\leftarrow", everything)       # no g as a gradient
    assert "\\nabla_n" in latex("Adam") and "_t" not in latex("Adam") and "^{\\,t}" not in latex("Adam")
    assert "chunks of $K$ steps" in words("Backpropagation through time")
    assert "kept after } d" in latex("Memory time") and "after } k" not in latex("Memory time")
    assert "not the forget gate" in words("Vanishing and exploding gradients")


def test_each_recap_equation_is_printed_with_its_line_and_each_heading_with_its_lesson():
    at = run_lesson(RECAP)
    html = next(h.proto.body for h in at.get("html") if "@media print" in h.proto.body)
    assert '[class*="st-key-recap-"]' in html and "break-inside: avoid" in html
    # the containers: one per group (heading, lesson, first equation), one per further equation
    blocks = [node for node in walk(at.main) if getattr(node, "key", None) and node.key.startswith("recap-")]
    groups = [b for b in blocks if b.key.startswith("recap-group-")]
    equations = [b for b in blocks if b.key.startswith("recap-equation-")]
    assert len(groups) == len(GROUPS) and len(equations) == sum(len(g.equations) for g in GROUPS)
    for block in equations:
        assert len(block.get("latex")) == 1 and len(block.get("markdown")) == 1
    for block, group in zip(groups, GROUPS):
        assert [h.value for h in block.get("subheader")] == [group.title] and len(block.get("latex")) == 1


def walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from walk(child)
