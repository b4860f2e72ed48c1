"""Finding 10 of the security review: a trader or staff member could make a page answer 500
(each mailed to ADMINS) with a filter like `?date_to=9999-12-31`. Every GET filter of every
page that has one is fuzzed here: any value answers 200 (with a form error) or a 400, never 500.

The parameters come from the pages' own filter forms, so a field added to a form is fuzzed too.
"""

from __future__ import annotations

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.roles import ADMINS, FINANCE
from payouts.forms import ExportForm
from portal.forms import JournalFilterForm
from reports.forms import ReportFilterForm
from reports.tables import TABLES
from tests.conftest import client_with_second_factor

pytestmark = pytest.mark.django_db

EDGE_VALUES = [
    "9999-12-31",
    "0001-01-01",
    "1999-12-31",
    "2101-01-01",
    "2026-02-30",
    "-1",
    "0",
    "99999999999999999999",
    "1e309",
    "NaN",
    "-close_time",
    "buy",
    "' OR 1=1 --",
    "\x00",
    "\ud800".encode("utf-8", "surrogatepass").decode("utf-8", "replace"),
    "a" * 5000,
]
PAGES = 23  # one test per page (test_finding_10_every_page_with_filters_is_fuzzed)
VALUE = st.one_of(
    st.sampled_from(EDGE_VALUES),
    st.dates().map(str),
    st.integers().map(str),
    st.text(max_size=40),
)


def _queries(names: list[str]):
    return st.dictionaries(st.sampled_from(names), VALUE, max_size=len(names))


def _pages(world) -> list[tuple[str, list[str], object]]:
    """(url, parameter names, who opens it) for every page that reads GET filters."""
    login = world.a.funded.login
    journal = [*JournalFilterForm.base_fields, "page"]
    report = list(ReportFilterForm.base_fields)
    pk = world.a.user.pk
    admin = world.users[ADMINS]
    pages = [
        (f"/trading/{login}/journal/", journal, world.a.user),
        (f"/trading/{login}/journal.csv", journal, world.a.user),
        ("/payouts/queue/", ["status"], world.users[FINANCE]),
        ("/payouts/export.csv", list(ExportForm.base_fields), world.users[FINANCE]),
    ]
    for name in ("risk", "risk_panel", "funnel", "money", "leaderboard"):
        pages.append((reverse(f"reports:{name}"), report, admin))
    pages.append((reverse("reports:trader", kwargs={"pk": pk}), report, admin))
    for slug, table in TABLES.items():
        if table.per_trader:
            url = reverse("reports:trader_export", kwargs={"pk": pk, "slug": slug})
        else:
            url = reverse("reports:export", kwargs={"slug": slug})
        pages.append((url, report, admin))
    return pages


@pytest.fixture
def clients(world):
    made = {}
    for user in {world.a.user, world.users[FINANCE], world.users[ADMINS]}:
        client = client_with_second_factor()
        client.force_login(user)
        made[user.pk] = client
    return made


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def test_finding_10_the_reported_filters_answer_without_a_500(world, clients):
    login = world.a.funded.login
    trader, admin = clients[world.a.user.pk], clients[world.users[ADMINS].pk]

    assert trader.get(f"/trading/{login}/journal/?date_to=9999-12-31").status_code == 200
    assert trader.get(f"/trading/{login}/journal.csv?date_to=9999-12-31").status_code == 400
    risk = admin.get("/staff/risk/?start=9999-12-31")
    assert risk.status_code == 200
    assert b"Choose a date from 2000-01-01 to 2100-12-31" in risk.content
    assert admin.get("/staff/funnel/?start=9999-12-31").status_code == 200
    assert admin.get("/staff/funnel/?end=0001-01-01").status_code == 200


@pytest.mark.parametrize("index", range(PAGES))
@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_finding_10_no_get_filter_of_any_page_answers_500(world, clients, index, data):
    pages = _pages(world)
    url, names, user = pages[index]
    query = data.draw(_queries(names), label="query")

    response = clients[user.pk].get(url, query)
    _body(response)  # a streamed CSV fails while it is read

    assert response.status_code in (200, 400), (url, query, response.status_code)


def test_finding_10_every_page_with_filters_is_fuzzed(world):
    assert len(_pages(world)) == PAGES, "set PAGES to the number of pages, to fuzz each"
