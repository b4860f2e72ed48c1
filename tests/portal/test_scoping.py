"""Every portal page and download belongs to one trader: anyone else gets a 404."""

import pytest
from django.urls import URLPattern, reverse

from evaluations.models import Certificate
from portal import urls as portal_urls
from risk.models import Violation

pytestmark = pytest.mark.django_db

# Pages of the signed-in user's own things, whoever they are (no object in the URL).
OWN_PAGES = ("portal:home", "portal:certificates", "portal:live_stream")
# Background requests (the live banner's stream) answer 401 when signed out, not a redirect.
BACKGROUND = ("portal:live_stream",)
# Public by design: a certificate's verification page and PDF, found by its unguessable id.
PUBLIC_PAGES = ("portal:certificate", "portal:certificate_pdf")


def _portal_urls(accounts) -> list[str]:
    """Every named portal route, filled with the first trader's objects (from the URLconf)."""
    violation = Violation.objects.filter(account=accounts["failed"]).first()
    certificate = Certificate.objects.get(account=accounts["passed"])
    values = {
        "login": accounts["failed"].login,
        "pk": violation.pk,
        "public_id": certificate.public_id,
    }
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


def _private(accounts) -> list[str]:
    skipped = {reverse(name) for name in OWN_PAGES}
    public = _public(accounts)
    return [url for url in _portal_urls(accounts) if url not in skipped and url not in public]


def _public(accounts) -> list[str]:
    public_id = Certificate.objects.get(account=accounts["passed"]).public_id
    return [reverse(name, args=[public_id]) for name in PUBLIC_PAGES]


def test_another_trader_gets_404_on_every_portal_url_of_someone_elses_account(
    client, accounts, other_trader
):
    client.force_login(other_trader)
    for url in _private(accounts):
        assert client.get(url).status_code == 404, url
    theirs = client.get(reverse("portal:certificates")).content.decode()
    assert Certificate.objects.get(account=accounts["passed"]).public_id not in theirs


def test_staff_see_only_their_own_accounts_in_the_portal(client, accounts):
    from tests.factories import staff_user

    client.force_login(staff_user("support"))
    for url in _private(accounts):
        assert client.get(url).status_code == 404, url


def test_anonymous_visitors_are_asked_to_log_in_everywhere_but_certificates(client, accounts):
    public = _public(accounts)
    background = [reverse(name) for name in BACKGROUND]
    for url in _portal_urls(accounts):
        response = client.get(url)
        if url in public:
            assert response.status_code == 200, url
        elif url in background:
            assert response.status_code == 401, url
        else:
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
