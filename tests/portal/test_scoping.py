"""Every portal page and download belongs to one trader: anyone else gets a 404."""

import pytest
from django.urls import URLPattern, reverse

from portal import urls as portal_urls
from risk.models import Violation

pytestmark = pytest.mark.django_db


def _portal_urls(accounts) -> list[str]:
    """Every named portal route, filled with the first trader's objects (from the URLconf)."""
    violation = Violation.objects.filter(account=accounts["failed"]).first()
    values = {"login": accounts["failed"].login, "pk": violation.pk}
    urls = []
    for pattern in portal_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        converters = pattern.pattern.converters
        urls.append(
            reverse(
                f"{portal_urls.app_name}:{pattern.name}", kwargs={k: values[k] for k in converters}
            )
        )
    return urls


def test_the_walk_covers_every_portal_route(accounts):
    assert len(_portal_urls(accounts)) == len(portal_urls.urlpatterns) >= 6


def test_owner_can_open_every_portal_url(trader_client, accounts):
    for url in _portal_urls(accounts):
        assert trader_client.get(url).status_code == 200, url


def test_another_trader_gets_404_on_every_portal_url_of_someone_elses_account(
    client, accounts, other_trader
):
    client.force_login(other_trader)
    for url in _portal_urls(accounts):
        if url == reverse("portal:home"):
            continue  # their own (empty) home page
        assert client.get(url).status_code == 404, url


def test_staff_see_only_their_own_accounts_in_the_portal(client, accounts):
    from tests.factories import staff_user

    client.force_login(staff_user("support"))
    for url in _portal_urls(accounts):
        if url != reverse("portal:home"):
            assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_asked_to_log_in_everywhere(client, accounts):
    for url in _portal_urls(accounts):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
