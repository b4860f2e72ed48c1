"""Browser tests: Playwright driving Debian's chromium (tests/conftest.py: `chromium`)."""

from collections.abc import Iterator

import pytest


@pytest.fixture
def browser_page(chromium) -> Iterator:
    """A fresh headless chromium page (1280×900)."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    try:
        yield context.new_page()
    finally:
        context.close()
