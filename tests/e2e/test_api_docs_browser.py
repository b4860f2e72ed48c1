"""The API's Swagger UI works in a browser under our CSP, from our own static files only."""

from urllib.parse import urlparse

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_the_api_from_our_own_server(live_server, browser_page):
    page = browser_page
    problems: list[str] = []
    hosts: set[str] = set()
    page.on("console", lambda msg: problems.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    page.on("request", lambda request: hosts.add(urlparse(request.url).netloc))

    page.goto(f"{live_server.url}/api/docs/")

    page.get_by_role("heading", name="PropDesk API").wait_for()
    page.get_by_text("/api/bridge/trades/").first.wait_for()
    assert problems == []
    assert hosts == {urlparse(live_server.url).netloc}  # nothing from a CDN
