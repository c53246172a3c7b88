"""One palette for the whole course: figures and pages take their colours from app.theme."""

import re
from pathlib import Path

import numpy as np
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


# Machado, Oliveira & Fernandes (2009), severity 1: what a reader with each colour-vision deficiency sees (linear RGB).
CVD = {"protanopia": [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]],
       "deuteranopia": [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]],
       "tritanopia": [[1.255528, -0.076749, -0.178779], [-0.078411, 0.930809, 0.147602], [0.004733, 0.691367, 0.303900]]}


def lab(hex_colour, deficiency=None):
    """CIELAB of a colour as seen with normal vision or a deficiency."""
    rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    rgb = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    if deficiency:
        rgb = np.clip(np.array(CVD[deficiency]) @ rgb, 0, 1)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ rgb
    f = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(f > 0.008856, np.cbrt(f), 7.787 * f + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


SHOWN_TOGETHER = [("hidden", "gradient"), ("input", "gradient"), ("loss", "gradient"), ("input", "hidden"),
                  ("cell_state", "hidden"), ("cell_state", "gradient"), ("hidden", "loss")]


@pytest.mark.parametrize("pair", SHOWN_TOGETHER, ids="-".join)
@pytest.mark.parametrize("deficiency", [None, *CVD])
def test_series_drawn_together_stay_apart_for_colour_blind_readers(pair, deficiency):
    """A colour difference (CIE76 delta E) of at least 20 with normal vision and each deficiency: the old
    orange and vermillion pair was 18 apart for deuteranopia."""
    first, second = (theme.COLORS[name] for name in pair)
    assert np.linalg.norm(lab(first, deficiency) - lab(second, deficiency)) >= 20
    assert np.linalg.norm(lab("#E69F00", "deuteranopia") - lab("#D55E00", "deuteranopia")) < 20


def test_every_concept_has_a_name_for_sentences():
    assert set(theme.NAMES) == set(theme.COLORS)


@pytest.mark.parametrize("deficiency", [None, *CVD])
def test_step_colours_stay_apart_for_colour_blind_readers(deficiency):
    """Lesson 3's stacked per-step terms: every pair of step colours at least 18 apart (CIE76), and each colour
    visible on the light and the dark background."""
    steps = theme.STEPS
    assert len(set(steps)) == len(steps) == 9
    gaps = [np.linalg.norm(lab(a, deficiency) - lab(b, deficiency)) for i, a in enumerate(steps) for b in steps[i + 1:]]
    assert min(gaps) >= 18
    for colour in steps:
        assert contrast(colour, "#FFFFFF") >= 1.5 and contrast(colour, "#0E1117") >= 1.5
