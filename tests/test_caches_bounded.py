"""Every Streamlit cache in the app is bounded: a class of students exploring values of their own must not grow a
server's memory without limit (st.cache_data and st.cache_resource keep every distinct argument by default)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "pages").glob("*.py")) + sorted((ROOT / "app").rglob("*.py"))


def cache_calls(tree):
    """The st.cache_data / st.cache_resource decorators and calls of a module, as (name, keyword names, line)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("cache_data", "cache_resource"):
            yield node.func.attr, {keyword.arg for keyword in node.keywords}, node.lineno
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:  # a bare @st.cache_data, without a call, has no bound
                if isinstance(decorator, ast.Attribute) and decorator.attr in ("cache_data", "cache_resource"):
                    yield decorator.attr, set(), decorator.lineno


def test_every_cache_has_a_bound():
    found, unbounded = 0, []
    for path in SOURCES:
        for name, keywords, line in cache_calls(ast.parse(path.read_text())):
            found += 1
            if "max_entries" not in keywords:
                unbounded.append(f"{path.relative_to(ROOT)}:{line} {name}")
    assert found >= 10 and not unbounded, unbounded


def test_a_bare_decorator_counts_as_unbounded():
    tree = ast.parse("import streamlit as st\n@st.cache_data\ndef f(x):\n    return x\n")
    assert list(cache_calls(tree)) == [("cache_data", set(), 2)]
