"""Widgets whose values live in the page address, so a shared link reproduces the view.

Every helper creates a Streamlit widget with ``bind="query-params"`` and ``key``: the
key is the name of the URL parameter (``?hidden=8&seed=3``). A value arriving from the
URL is checked *before* the widget is created, and a bad one is corrected:

- a number out of range is clamped to the nearest end of the range;
- a number that is not a number (text, NaN, inf) or an unknown option becomes the default;

and a small caption above the widget says what was changed. The raw URL text is never
displayed (it could carry Markdown), only our own labels and the numbers we parsed.

Usage in a page::

    from app import controls
    hidden = controls.int_slider("Hidden size", "hidden", 1, 16, default=4)
    nonlin = controls.choice("Nonlinearity", "nonlin", ["tanh", "relu", "linear"], "tanh",
                             widget="segmented")
    seed = controls.seed_input()

Pass ``container=st.sidebar`` (or a column) to place a widget elsewhere.
Keys must be unique across the app and must not be ``embed`` or ``embed_options``.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")

_run = threading.local()  # one script run per thread: the URL parameters this run's widgets stand for


def begin_run() -> None:
    """Start collecting this run's URL-bound parameters (the entrypoint calls it first thing)."""
    _run.params = {}
    _run.scope = None


DEFAULTS_KEY = "_control_defaults"  # st.session_state[DEFAULTS_KEY][scope]: {key: default} of a lesson's controls


def begin_scope(scope: str | None) -> None:
    """Record the defaults of the controls created from now on under ``scope`` (a lesson's control panel),
    for ``reset_scope``."""
    _run.scope = scope


def reset_scope(scope: str) -> None:
    """Put every control recorded under ``scope`` back to its default (a button's on_click: it runs before
    the widgets are created, so their state may be set)."""
    for key, default in st.session_state.get(DEFAULTS_KEY, {}).get(scope, {}).items():
        st.session_state[key] = default


def bound_params() -> dict[str, str]:
    """The URL parameters of the widgets created so far in this run whose value is not the default.

    Written by this module from the widgets' values, never copied from the address: unknown
    keys are left out and a corrected value appears as corrected, so a link built from this
    reproduces the view that is on screen.
    """
    return dict(getattr(_run, "params", {}))


def _remember(key: str, value: Any, default: Any, text: Callable[[Any], str] = str) -> Any:
    """Record the URL text of a widget just created, unless it shows its default value."""
    params = getattr(_run, "params", None)
    if params is not None and value != default:
        params[key] = text(value)
    scope = getattr(_run, "scope", None)
    if scope is not None:
        st.session_state.setdefault(DEFAULTS_KEY, {}).setdefault(scope, {})[key] = default
    return value


def _url_text(key: str) -> str | None:
    """The URL's value for ``key`` if it is about to seed a new widget, else None.

    Once the widget exists in this session its value lives in st.session_state and the
    URL merely follows it, so only a first appearance needs checking.
    """
    if key in st.session_state:
        return None
    values = st.query_params.get_all(key)
    if values and not values[-1].strip():  # "?key=" means "not set": Streamlit must not seed the widget with ""
        _forget_url_value(key)
        return None
    return values[-1] if values else None


def _fmt(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return f"{value:g}"


def _note(container, label: str, message: str) -> None:
    container.caption(f":material/build: Link value for **{label}** {message}")


def _force(key: str, value: Any) -> None:
    """Seed the widget with a corrected value (Streamlit drops the invalid URL value itself)."""
    st.session_state[key] = value


def _url_snapshot() -> dict | None:
    """Streamlit's snapshot of the address taken when the page loaded (not public API: guarded)."""
    ctx = get_script_run_ctx()
    state = getattr(getattr(ctx, "session_state", None), "_state", None)
    snapshot = getattr(getattr(state, "query_params", None), "_initial_query_params", None)
    return snapshot if isinstance(snapshot, dict) else None


def _set_url_value(key: str, text: str) -> None:
    """Have Streamlit seed the widget from ``text`` instead of the address's spelling of it."""
    snapshot = _url_snapshot()
    if snapshot is not None and key in snapshot:
        snapshot[key] = [text]


def _forget_url_value(key: str) -> None:
    """Stop Streamlit from seeding a widget with the address's value for ``key`` on this first load.

    Streamlit 1.67 seeds a bound widget from a snapshot of the address taken when the page
    loaded, ahead of st.session_state, and its integer st.number_input converts "inf" with
    int() and raises OverflowError. The snapshot is not public API, so this is guarded:
    if Streamlit's internals differ, nothing happens (and the test of seed_input fails).
    """
    snapshot = _url_snapshot()
    if snapshot is not None:
        snapshot.pop(key, None)


def _check_number(container, label: str, key: str, lo: float, hi: float, default: float,
                  integer: bool, strict_integer: bool) -> None:
    current = st.session_state.get(key)
    if isinstance(current, (int, float)) and not lo <= current <= hi:
        # The range moved under an existing widget (e.g. a shorter sequence): follow it quietly.
        _force(key, int(min(max(current, lo), hi)) if integer else float(min(max(current, lo), hi)))
        return
    raw = _url_text(key)
    if raw is None:
        return
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        _force(key, default)
        _forget_url_value(key)
        _note(container, label, f"was not a finite number; using the default {_fmt(default)}.")
        return
    if value < lo or value > hi:
        clamped = lo if value < lo else hi
        _force(key, int(clamped) if integer else float(clamped))
        _note(container, label, f"{_fmt(value)} is outside {_fmt(lo)} to {_fmt(hi)}; using {_fmt(clamped)}.")
        return
    if strict_integer and value != int(value):
        _force(key, int(value))  # truncation, as Streamlit itself reads such a value
        _note(container, label, f"{_fmt(value)} is not a whole number; using {int(value)}.")


def int_slider(label: str, key: str, lo: int, hi: int, default: int, step: int = 1,
               help: str | None = None, container=None) -> int:
    """An integer slider bound to ``?key=``; URL values are clamped to [lo, hi].

    When the range holds a single value (hi <= lo) it is shown as a caption and returned.
    """
    where = container or st
    if hi <= lo:  # Streamlit refuses a slider with one value: show the value instead
        where.caption(f"{label}: {int(lo)}")
        return int(lo)
    _check_number(where, label, key, lo, hi, default, integer=True, strict_integer=False)
    return _remember(key, int(where.slider(label, min_value=int(lo), max_value=int(hi), value=int(default),
                                           step=int(step), key=key, help=help, bind="query-params")), default)


def float_slider(label: str, key: str, lo: float, hi: float, default: float, step: float,
                 help: str | None = None, format: str | None = None, container=None) -> float:
    """A float slider bound to ``?key=``; URL values are clamped to [lo, hi]."""
    where = container or st
    if hi <= lo:
        where.caption(f"{label}: {_fmt(lo)}")
        return float(lo)
    _check_number(where, label, key, lo, hi, default, integer=False, strict_integer=False)
    return _remember(key, float(where.slider(label, min_value=float(lo), max_value=float(hi),
                                             value=float(default), step=float(step), format=format,
                                             key=key, help=help, bind="query-params")), default, _fmt)


def seed_input(key: str = "seed", label: str = "Random seed", default: int = 0,
               hi: int = 2**31 - 1, help: str | None = "Same seed, same weights: "
               "the seed is part of the link, so everyone sees the same network.",
               container=None) -> int:
    """A whole-number input for a random seed in [0, hi], bound to ``?key=``."""
    where = container or st
    _check_number(where, label, key, 0, hi, default, integer=True, strict_integer=True)
    return _remember(key, int(where.number_input(label, min_value=0, max_value=int(hi), value=int(default),
                                                 step=1, format="%d", key=key, help=help,
                                                 bind="query-params")), default)


def choice(label: str, key: str, options: Sequence[Any], default: Any,
           format_func: Callable[[Any], str] = str, widget: str = "selectbox",
           help: str | None = None, container=None) -> Any:
    """Pick one of ``options``; widget is "selectbox", "segmented", "radio" or "slider" (st.select_slider).

    The URL carries the displayed label (``format_func(option)``); a hand-typed
    ``str(option)`` is accepted too. Anything else becomes the default, with a note.
    """
    where = container or st
    options = list(options)
    if default not in options:
        raise ValueError(f"default {default!r} is not one of the options")
    raw = _url_text(key)
    if raw is not None:
        labels = [format_func(o) for o in options]
        names = [str(o) for o in options]
        if raw not in labels:
            if raw in names:
                _force(key, options[names.index(raw)])
            else:
                _force(key, default)
                _note(where, label, f"is not one of the options; using {format_func(default)}.")
    if widget == "selectbox":
        value = where.selectbox(label, options, index=options.index(default), format_func=format_func,
                                key=key, help=help, bind="query-params")
    elif widget == "radio":
        value = where.radio(label, options, index=options.index(default), format_func=format_func,
                            key=key, help=help, horizontal=True, bind="query-params")
    elif widget == "slider":  # a slider over the options, in their order (keys and arrow keys step through them)
        value = where.select_slider(label, options, value=default, format_func=format_func, key=key, help=help,
                                    bind="query-params")
    elif widget == "segmented":
        value = where.segmented_control(label, options, default=default, required=True,
                                        format_func=format_func, key=key, help=help,
                                        bind="query-params")
    else:
        raise ValueError(f"widget must be selectbox, segmented, radio or slider, not {widget!r}")
    return _remember(key, value, default, format_func)


def toggle(label: str, key: str, default: bool = False, help: str | None = None,
           container=None) -> bool:
    """An on/off switch bound to ``?key=true|false``."""
    where = container or st
    raw = _url_text(key)
    if raw is not None:
        text = raw.strip().lower()
        if text in _TRUE + _FALSE:
            if text not in ("true", "false"):  # "?present=1": let Streamlit read it as "true", so it stays
                _force(key, text in _TRUE)
                _set_url_value(key, "true" if text in _TRUE else "false")
        else:
            _force(key, bool(default))
            _note(where, label, f"is not true or false; using {'on' if default else 'off'}.")
    value = bool(where.toggle(label, value=bool(default), key=key, help=help, bind="query-params"))
    return _remember(key, value, default, lambda v: "true" if v else "false")


def text_input(label: str, key: str, default: str, max_chars: int, clean: Callable[[str], str | None],
               help: str | None = None, container=None) -> str:
    """A text box bound to ``?key=``; returns what was typed (at most ``max_chars`` characters).

    Typed text is the student's, so the link to the view never copies it: it records ``clean(text)``, the
    text rebuilt from what the page understood (e.g. the words of a vocabulary), and nothing when that is
    None or the default. A value from the address longer than ``max_chars`` is cut, with a note.
    """
    where = container or st
    raw = _url_text(key)
    if raw is not None and len(raw) > max_chars:
        _force(key, raw[:max_chars])
        _forget_url_value(key)
        _note(where, label, f"was longer than {max_chars} characters; using its first {max_chars}.")
    text = where.text_input(label, default, key=key, max_chars=max_chars, help=help, bind="query-params")
    cleaned = clean(text)
    if cleaned is not None:
        _remember(key, cleaned, default)
    return text


def text_area(label: str, key: str, default: str, clean: Callable[[str], str | None], height: int = 120,
              help: str | None = None, placeholder: str | None = None, container=None) -> str:
    """A multi-line text box bound to ``?key=``; returns what was typed, however long (the page says what it
    keeps of it). As with ``text_input``, the link to the view records only ``clean(text)``, the text
    rebuilt from what the page understood, and nothing when that is None or the default."""
    where = container or st
    text = where.text_area(label, default, key=key, height=height, help=help, placeholder=placeholder,
                           bind="query-params") or ""
    cleaned = clean(text)
    if cleaned is not None:
        _remember(key, cleaned, default)
    return text


def tabs(label: str, key: str, titles: Sequence[str], container=None) -> tuple[str, Any]:
    """Tabs bound to ``?key=title``, of which only the open one is run (Streamlit's lazy tabs).

    Returns the open tab's title and its container. A title in the URL that is not one of
    ``titles`` opens the first tab, with a note.
    """
    where = container or st
    titles = list(titles)
    raw = _url_text(key)
    if raw is not None and raw not in titles:
        _forget_url_value(key)
        _note(where, label, f"is not one of the sections; showing {titles[0]}.")
    containers = where.tabs(titles, key=key, on_change="rerun", bind="query-params")
    opened = next((i for i, tab in enumerate(containers) if tab.open), 0)
    return _remember(key, titles[opened], titles[0]), containers[opened]
