"""One palette for the whole course: figures and pages take their colours from app.theme."""

import re
from pathlib import Path

import pytest

from app import theme

ROOT = Path(__file__).resolve().parents[2]
FIGURE_MODULES = sorted(p for p in (ROOT / "app" / "figures").glob("*.py") if p.name != "__init__.py")
PAGES = sorted((ROOT / "pages").glob("*.py"))
HEX = re.compile(r"#[0-9A-Fa-f]{6}\b|#[0-9A-Fa-f]{3}\b")
RGB = re.compile(r"rgba?\(\s*([^)]*)\)")


def luminance(hex_colour):
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(a, b):
    hi, lo = sorted([luminance(a), luminance(b)], reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("path", FIGURE_MODULES + PAGES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_no_stray_colour_literals(path):
    text = path.read_text()
    assert not HEX.findall(text), f"{path.name}: use app.theme instead of {HEX.findall(text)}"
    for args in RGB.findall(text):
        assert args.replace(" ", "") == "0,0,0,0", f"{path.name}: rgba({args}) belongs in app.theme"


@pytest.mark.parametrize("path", FIGURE_MODULES, ids=lambda p: p.name)
def test_every_figure_module_that_colours_uses_the_theme(path):
    if not re.search(r"\bcolou?r\s*=|[\"']colou?r[\"']\s*:", path.read_text()):
        return  # helpers that set no colour (common.py)
    assert re.search(r"^from app(\.theme| import theme)", path.read_text(), re.M), path.name


@pytest.mark.parametrize("concept", sorted(theme.COLORS))
def test_concept_colours_read_on_light_and_dark_backgrounds(concept):
    colour = theme.COLORS[concept]
    assert contrast(colour, "#FFFFFF") >= 2.0
    assert contrast(colour, "#0E1117") >= 2.0


def test_gates_with_the_same_role_share_a_colour_and_others_differ():
    c = theme.COLORS
    assert c["f"] == c["z"] and c["g"] == c["n"]
    lstm = [c[g] for g in "ifgo"]
    gru = [c[g] for g in "rzn"]
    assert len(set(lstm)) == 4 and len(set(gru)) == 3


def test_outlines_read_on_both_backgrounds():
    for colour in (theme.OUTLINE, theme.PIPE_WALL):
        assert contrast(colour, "#FFFFFF") >= 3.0 and contrast(colour, "#0E1117") >= 3.0


def test_both_themes_are_configured():
    config = (ROOT / ".streamlit" / "config.toml").read_text()
    assert "[theme.light]" in config and "[theme.dark]" in config
