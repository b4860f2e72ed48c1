"""Who sees which staff dashboard.

risk: risk monitor, funnel, traders. finance: money, funnel, traders. support: traders only
(the leaderboard and a trader's detail, read-only, to answer traders' questions). admins: all.
A trader (not staff) gets 403; an anonymous visitor is sent to the login page.
"""

import pytest
from django.urls import reverse

from accounts.roles import ADMINS, FINANCE, RISK, SUPPORT

PAGES = {
    "index": ("reports:index", {}),
    "risk": ("reports:risk", {}),
    "risk_panel": ("reports:risk_panel", {}),
    "funnel": ("reports:funnel", {}),
    "money": ("reports:money", {}),
    "leaderboard": ("reports:leaderboard", {}),
    "risk_csv": ("reports:export", {"slug": "closest-to-limits"}),
    "funnel_csv": ("reports:export", {"slug": "funnel"}),
    "money_csv": ("reports:export", {"slug": "liability"}),
    "leaderboard_csv": ("reports:export", {"slug": "leaderboard"}),
}
ALLOWED = {
    ADMINS: set(PAGES),
    RISK: {
        "index",
        "risk",
        "risk_panel",
        "funnel",
        "leaderboard",
        "risk_csv",
        "funnel_csv",
        "leaderboard_csv",
    },  # fmt: skip
    FINANCE: {
        "index",
        "funnel",
        "money",
        "leaderboard",
        "funnel_csv",
        "money_csv",
        "leaderboard_csv",
    },  # fmt: skip
    SUPPORT: {"index", "leaderboard", "leaderboard_csv"},
    "trader": set(),
}


@pytest.mark.parametrize("role", list(ALLOWED))
@pytest.mark.parametrize("page", list(PAGES))
def test_each_role_sees_exactly_its_dashboards(client, role_users, role, page):
    name, kwargs = PAGES[page]
    client.force_login(role_users[role])

    response = client.get(reverse(name, kwargs=kwargs))

    assert response.status_code == (200 if page in ALLOWED[role] else 403)


@pytest.mark.parametrize("page", list(PAGES))
def test_anonymous_visitors_are_sent_to_the_login_page(client, db, page):
    name, kwargs = PAGES[page]
    url = reverse(name, kwargs=kwargs)

    response = client.get(url)

    if page == "risk_panel":  # the monitor's background poll: htmx follows HX-Redirect
        assert response.status_code == 401
        assert response["HX-Redirect"].startswith(reverse("account_login"))
        return
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
    assert "next=" in response["Location"]


def test_trader_detail_is_for_leaderboard_viewers_only(client, role_users, firm):
    url = reverse("reports:trader", args=[firm.traders["b"].pk])
    for role, expected in ((SUPPORT, 200), (RISK, 200), (FINANCE, 200), ("trader", 403)):
        client.force_login(role_users[role])
        assert client.get(url).status_code == expected, role


def test_staff_without_the_role_permission_is_refused(client, db):
    from tests.factories import UserFactory

    user = UserFactory(email="bare.staff@firm.example")
    user.is_staff = True
    user.save()
    client.force_login(user)
    assert client.get(reverse("reports:index")).status_code == 403


def test_index_links_only_the_dashboards_the_user_may_open(client, role_users):
    client.force_login(role_users[SUPPORT])
    html = client.get(reverse("reports:index")).content.decode()
    assert reverse("reports:leaderboard") in html
    assert reverse("reports:money") not in html
    assert reverse("reports:risk") not in html


def test_admin_index_links_the_staff_dashboards(client, role_users):
    client.force_login(role_users[FINANCE])
    html = client.get(reverse("admin:index")).content.decode()
    assert 'id="staff-dashboards"' in html
    assert reverse("reports:money") in html
    assert reverse("reports:risk") not in html
