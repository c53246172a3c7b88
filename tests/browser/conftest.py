"""Browser fixtures: one Streamlit server and one Chromium per xdist worker."""

import pytest
from playwright.sync_api import sync_playwright

from tests.browser.helpers import CHROMIUM, CHROMIUM_ARGS, streamlit_server


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def server():
    """Base URL of a Streamlit server shared by this worker's browser tests."""
    with streamlit_server() as base_url:
        yield base_url


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield page
    context.close()
