"""Who may open what: every URL of the portal, payouts, staff area, REST API and admin, for
every kind of visitor, against the intended policy below.

The URLs come from the URLconf (and the admin registry), so a new route is checked as soon as it
exists: if it fits no policy table, or needs a URL argument the world cannot fill, the test
says so. Each role's whole row is checked in one test and every mismatched cell is listed.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.authtoken.models import Token

from abuse.models import VIEW_CASE
from accounts.roles import ADMINS, FINANCE, RISK, ROLE_PERMISSIONS, SUPPORT
from imports.management.commands.create_bridge import BRIDGE_PERMISSIONS
from live import events
from reports.models import VIEW_FUNNEL, VIEW_LEADERBOARD, VIEW_MONEY, VIEW_RISK_MONITOR
from reports.tables import TABLES
from tests.conftest import client_with_second_factor

from .conftest import ANONYMOUS, BRIDGE, ROLES, SUPERUSER, TRADER_A, TRADER_B, World

OK, LOGIN, ADMIN_LOGIN = "200", "302 to login", "302 to admin login"
REAUTHENTICATE = "302 to re-authenticate"
UNAUTHORIZED, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = "401", "403", "404", "405"
UNAVAILABLE = "503"
STAFF = (SUPPORT, RISK, FINANCE, ADMINS)
NOT_STAFF = (TRADER_A, TRADER_B, BRIDGE)

# --- who holds which permission: accounts/roles.py for staff, create_bridge for bridges


def granted(role: str, permission: str) -> bool:
    """Whether `role` holds "app_label.codename" as declared (superusers hold everything)."""
    if role == SUPERUSER:
        return True
    if role == BRIDGE:
        return permission in {f"evaluations.{c}" for c in BRIDGE_PERMISSIONS}
    app_label = permission.split(".", 1)[0]
    specs = ROLE_PERMISSIONS.get(role, ())
    return permission in specs or f"{app_label}.*" in specs


# --- the intended policy, one small table per group of URLs

# Portal (namespace `portal`): a trader's own accounts only. Everyone else, staff included,
# gets 404 for another trader's object; the home page lists the visitor's own (maybe none).
# Payouts (namespace `payouts`):
PAYOUT_VIEW, PAYOUT_EXPORT = "payouts.view_payoutrequest", "payouts.export_payoutrequest"
PAYOUT_POST_ONLY = {"payouts:cancel", "payouts:approve", "payouts:reject", "payouts:pay"}
RUN_POST_ONLY = {"payouts:run_pay", "payouts:run_cancel"}  # finance's payment runs
PAYOUTS: dict[str, Callable[[str], str]] = {
    "payouts:index": lambda role: OK,  # the visitor's own funded accounts and requests
    "payouts:account": lambda role: OK if role == TRADER_A else NOT_FOUND,
    "payouts:detail": lambda role: (
        OK if role == TRADER_A or granted(role, PAYOUT_VIEW) else NOT_FOUND
    ),
    "payouts:queue": lambda role: OK if granted(role, PAYOUT_VIEW) else FORBIDDEN,
    "payouts:export": lambda role: OK if granted(role, PAYOUT_EXPORT) else FORBIDDEN,
    # Where a trader is paid: traders only (others have no destination), after re-auth.
    "payouts:destination": lambda role: (
        REAUTHENTICATE if role in (TRADER_A, TRADER_B) else NOT_FOUND
    ),
    "payouts:destination_confirm": lambda role: OK if role in (TRADER_A, TRADER_B) else NOT_FOUND,
    **dict.fromkeys(PAYOUT_POST_ONLY | RUN_POST_ONLY, lambda role: NOT_ALLOWED),
    # Payment runs: whoever may export payouts sees them; only members of the finance group
    # download the bank's files (payouts.payment_runs: the superuser flag alone does not count).
    **dict.fromkeys(
        ("payouts:runs", "payouts:run"),
        lambda role: OK if granted(role, PAYOUT_EXPORT) else FORBIDDEN,
    ),
    **dict.fromkeys(
        ("payouts:run_csv", "payouts:run_pain001"),
        lambda role: OK if role == FINANCE else FORBIDDEN,
    ),
}
# View as trader (namespace `hijack`, accounts/view_as.py): POST only. A GET of the start page
# lacks the trader to view (400, for anyone); stopping without viewing is refused (403, for
# anyone). Who may start, and what is refused while viewing: tests/accounts/test_view_as.py.
HIJACK_BAD_REQUEST = "400"
HIJACK: dict[str, Callable[[str], str]] = {
    "hijack:acquire": lambda role: HIJACK_BAD_REQUEST,
    "hijack:release": lambda role: FORBIDDEN,
}
# Staff area (namespace `reports`), as docs/staff-dashboards.md "Who sees what" says:
DASHBOARD_ROLES = {
    VIEW_RISK_MONITOR: {ADMINS, RISK},
    VIEW_FUNNEL: {ADMINS, RISK, FINANCE},
    VIEW_MONEY: {ADMINS, FINANCE},
    VIEW_LEADERBOARD: {ADMINS, RISK, FINANCE, SUPPORT},
    VIEW_CASE: {ADMINS, RISK},  # abuse cases: risk decides them, admins see them
}
# Abuse case actions (docs/abuse-detection.md): POST only; who may post: tests/abuse/.
ABUSE_POST_ONLY = {"reports:abuse_assign", "reports:abuse_comment", "reports:abuse_decide"}
ANY_DASHBOARD = set().union(*DASHBOARD_ROLES.values())
REPORT_PAGES: dict[str, set[str] | None] = {
    "reports:index": ANY_DASHBOARD,
    "reports:risk": DASHBOARD_ROLES[VIEW_RISK_MONITOR],
    "reports:risk_panel": DASHBOARD_ROLES[VIEW_RISK_MONITOR],
    "reports:live": DASHBOARD_ROLES[VIEW_RISK_MONITOR],
    "reports:live_stream": DASHBOARD_ROLES[VIEW_RISK_MONITOR],
    "reports:funnel": DASHBOARD_ROLES[VIEW_FUNNEL],
    "reports:money": DASHBOARD_ROLES[VIEW_MONEY],
    "reports:leaderboard": DASHBOARD_ROLES[VIEW_LEADERBOARD],
    "reports:trader": DASHBOARD_ROLES[VIEW_LEADERBOARD],
    "reports:trader_export": DASHBOARD_ROLES[VIEW_LEADERBOARD],
    "reports:export": None,  # the exported table's own permission
    "reports:abuse_cases": DASHBOARD_ROLES[VIEW_CASE],
    "reports:abuse_case": DASHBOARD_ROLES[VIEW_CASE],
    **dict.fromkeys(ABUSE_POST_ONLY, None),
}
# REST API (/api/…): bridge pushes are POST-only; GET gets 405 once DRF has let the caller in.
BRIDGE_ROW = "an active evaluations.Bridge"  # not a permission: the token's user has the row
TOKEN_ONLY = ("bridge:", "live_api:")  # bridge endpoints: a bridge token, never a session
BRIDGE_POST_ONLY = {"live_api:command_ack", "live_api:ticks", "live_api:positions"}
API_PERMISSION: dict[str, str | None] = {
    "bridge:trades": "evaluations.add_trade",
    "bridge:snapshots": "evaluations.add_equitysnapshot",
    # Platform commands (docs/bridges.md): the caller must be an active Bridge; the ack is
    # POST-only. Another bridge's command is a 404 (tests/live/test_commands_api.py).
    "live_api:commands": BRIDGE_ROW,
    "live_api:command_ack": BRIDGE_ROW,
    # The live feed (docs/live-risk.md): an active Bridge, POST-only.
    "live_api:ticks": BRIDGE_ROW,
    "live_api:positions": BRIDGE_ROW,
    "api-schema": None,  # public documentation (docs/api.md)
    "api-docs": None,
}
# Admin: anyone not staff goes to the admin login; staff open a changelist or change page with
# the model's view (or change) permission, else 403; the add page needs the add permission and
# an admin that offers adding at all (rows that are imported, derived or audited are never typed).
ADMIN_WITHOUT_ADD = {
    "accounts.auditevent",
    "accounts.rolegrantrequest",  # made by the user admin (accounts.services.change_privileges)
    "accounts.loginrecord",  # recorded at each sign-in
    "evaluations.importbatch",
    "evaluations.trade",  # trades and snapshots enter through the import service
    "evaluations.equitysnapshot",
    "evaluations.accountalias",  # edited on its account's page (the alias service audits it)
    "evaluations.bridge",  # made with its API user and token by `manage.py create_bridge`
    "evaluations.platformcommand",  # issued by the lifecycle and the risk engine
    "evaluations.certificate",  # issued by the pass and payment services
    "risk.violation",
    "risk.accountmetrics",
    "risk.dailymetrics",
    "risk.evaluationfailure",  # recorded by the engine when an account cannot be evaluated
    "payouts.payoutrequest",
    "payouts.payouttransition",
    "reports.dailyreport",
}

# Admin pages a ModelAdmin adds itself (its get_urls beyond the standard pages), by route name:
# the permission that opens them (staff without it get 403, everyone else the admin login).
ADMIN_PAGES: dict[str, str] = {
    "admin:evaluations_importbatch_upload": "evaluations.add_trade",
    "admin:evaluations_importbatch_progress": "evaluations.add_trade",  # as the upload page
}
STANDARD_ADMIN_PAGES = (
    *("changelist", "add", "change", "delete", "history", "autocomplete"),
    "simple_history",  # django-simple-history's page of one past version
)

# Background requests: they answer 401 when signed out (the page's script follows the session).
BACKGROUND_POLLS = {"reports:risk_panel", "reports:live_stream", "portal:live_stream"}
# Server-sent event streams need the live Redis: without it they answer 503 to whoever may open
# them (tests/reports/test_live_monitor.py); the streams' content is tested there and in
# tests/portal/test_live_banner.py.
LIVE_STREAMS = {"reports:live_stream", "portal:live_stream"}
# Public pages: anyone, signed in or not, opens a certificate by its unguessable id.
PUBLIC_PORTAL = {"portal:certificate", "portal:certificate_pdf"}


@dataclass(frozen=True)
class Case:
    name: str  # the route's name, e.g. "portal:account" or "admin:risk_violation_change"
    url: str
    group: str  # portal, payouts, reports, hijack, api, admin
    names_a_object: bool  # its URL arguments name an object of trader A
    model: str = ""  # admin: the model's label, e.g. "risk.violation"
    page: str = ""  # admin: changelist, add, change, or custom (ADMIN_PAGES)
    permission: str = ""  # reports:export: the table's permission


def expected(case: Case, role: str) -> str:
    if case.group == "api":
        permission = API_PERMISSION[case.name]
        if permission is None:
            return OK
        if role == ANONYMOUS or (case.name.startswith(TOKEN_ONLY) and role != BRIDGE):
            return UNAUTHORIZED  # bridge endpoints take bridge tokens only, never a session
        if permission == BRIDGE_ROW:
            return NOT_ALLOWED if case.name in BRIDGE_POST_ONLY else OK
        return NOT_ALLOWED if granted(role, permission) else FORBIDDEN
    if case.group == "admin":
        if role == ANONYMOUS or role in NOT_STAFF:
            return ADMIN_LOGIN
        if case.page == "custom":
            return OK if granted(role, ADMIN_PAGES[case.name]) else FORBIDDEN
        app_label, model = case.model.split(".")
        if case.page == "add":
            allowed = case.model not in ADMIN_WITHOUT_ADD and granted(
                role, f"{app_label}.add_{model}"
            )
        else:
            allowed = granted(role, f"{app_label}.view_{model}") or granted(
                role, f"{app_label}.change_{model}"
            )
        return OK if allowed else FORBIDDEN
    if case.name in PAYOUT_POST_ONLY | RUN_POST_ONLY | ABUSE_POST_ONLY:
        return NOT_ALLOWED
    if case.group == "hijack":
        return HIJACK[case.name](role)
    if case.name in PUBLIC_PORTAL:
        return OK
    if role == ANONYMOUS:
        # A background poll answers 401 (htmx follows its HX-Redirect to sign in).
        return UNAUTHORIZED if case.name in BACKGROUND_POLLS else LOGIN
    if case.name in LIVE_STREAMS:
        allowed = case.group == "portal" or role == SUPERUSER or role in REPORT_PAGES[case.name]
        return (OK if events.available() else UNAVAILABLE) if allowed else FORBIDDEN
    if case.group == "portal":
        return NOT_FOUND if case.names_a_object and role != TRADER_A else OK
    if case.group == "payouts":
        return PAYOUTS[case.name](role)
    # reports
    roles = REPORT_PAGES[case.name]
    if roles is None:
        roles = DASHBOARD_ROLES[case.permission]
    return OK if role == SUPERUSER or role in roles else FORBIDDEN


# --- the URLs, from the URLconf


@dataclass(frozen=True)
class Route:
    namespace: str
    name: str
    route: str
    arguments: tuple[str, ...]


def walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = ":".join(filter(None, (namespace, pattern.namespace)))
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            arguments = tuple(pattern.pattern.regex.groupindex)
            yield Route(namespace, pattern.name, prefix + str(pattern.pattern), arguments)


def routes() -> list[Route]:
    """Every named route of the portal, payouts, staff area and REST API."""
    return [
        route
        for route in walk(get_resolver().url_patterns)
        if route.namespace in ("portal", "payouts", "reports", "hijack")
        or route.route.startswith("api/")
    ]


def _arguments(route: Route, world: World, owners: tuple | None = None) -> dict[str, object]:
    """The route's URL arguments naming trader A's objects (or, per argument, the trader in
    `owners`)."""
    owners = owners or (world.a,) * len(route.arguments)
    return {
        arg: _values(route, arg, owner) for arg, owner in zip(route.arguments, owners, strict=True)
    }


def _values(route: Route, arg: str, a) -> object:
    values = {
        ("portal", "login"): a.evaluation.login,  # failed, so its failure page exists
        ("portal", "pk"): a.violation.pk,
        ("portal", "public_id"): a.certificate.public_id,
        ("payouts", "login"): a.funded.login,
        ("payouts", "pk"): a.payout.pk,
        ("payouts", "run_id"): a.payment_run.pk,
        ("reports", "pk"): a.user.pk,
        ("reports", "slug"): "",  # one URL per table: see all_cases
        ("reports", "case_id"): a.abuse_case.pk,
        ("live_api", "command_id"): a.command.pk,
    }
    if (route.namespace, arg) not in values:
        pytest.fail(f"no value for {arg!r} of {route.namespace}:{route.name}: add one here")
    return values[route.namespace, arg]


def _group(route: Route) -> str:
    if route.namespace in ("portal", "payouts", "reports", "hijack"):
        return route.namespace
    return "api"


def _full_name(route: Route) -> str:
    return f"{route.namespace}:{route.name}" if route.namespace else route.name


def _owner(obj) -> object | None:
    for path in ("trader", "user", "account.trader", "payout.account.trader"):
        target = obj
        for attribute in path.split("."):
            target = getattr(target, attribute, None)
        if target is not None:
            return target
    return None


def admin_cases(world: World) -> list[Case]:
    cases = []
    for model in admin.site._registry:
        meta = model._meta
        label = meta.label_lower
        obj = world.admin_objects.get(label) or world.admin_objects.get(
            meta.concrete_model._meta.label_lower
        )
        assert obj is not None, f"the world has no {label} for its admin change page: add one"
        obj = model._default_manager.get(pk=obj.pk)  # a proxy may name its rows otherwise
        prefix = f"admin:{meta.app_label}_{meta.model_name}"
        owned = obj == world.a.user or _owner(obj) == world.a.user
        for page, args, names_a in (
            ("changelist", (), False),
            ("add", (), False),
            ("change", (obj.pk,), owned),
        ):
            name = f"{prefix}_{page}"
            cases.append(Case(name, reverse(name, args=args), "admin", names_a, label, page))
        cases.extend(custom_admin_cases(model, label, obj, owned))
    return cases


def custom_admin_cases(model, label: str, obj, owned: bool) -> list[Case]:
    """The pages a ModelAdmin adds in `get_urls`; an argument names the admin's world object."""
    prefix = f"{model._meta.app_label}_{model._meta.model_name}_"
    cases = []
    for pattern in admin.site._registry[model].get_urls():
        name = getattr(pattern, "name", None) or ""
        if not name.startswith(prefix) or name.removeprefix(prefix) in STANDARD_ADMIN_PAGES:
            continue
        arguments = list(pattern.pattern.regex.groupindex)
        url = reverse(f"admin:{name}", kwargs=dict.fromkeys(arguments, obj.pk))
        names_a = owned and bool(arguments)
        cases.append(Case(f"admin:{name}", url, "admin", names_a, label, "custom"))
    return cases


def all_cases(world: World) -> list[Case]:
    cases = []
    for route in routes():
        name, group = _full_name(route), _group(route)
        kwargs = _arguments(route, world)
        names_a = bool(kwargs) and not (group == "reports" and list(kwargs) == ["slug"])
        names_a = names_a and name not in PUBLIC_PORTAL
        if route.namespace == "reports" and "slug" in route.arguments:
            per_trader = "pk" in route.arguments
            for slug, table in TABLES.items():
                if table.per_trader == per_trader:
                    url = reverse(name, kwargs={**kwargs, "slug": slug})
                    cases.append(Case(name, url, group, names_a, permission=table.permission))
            continue
        cases.append(Case(name, reverse(name, kwargs=kwargs), group, names_a))
    return cases + admin_cases(world)


def mixed_owner_cases(world: World) -> list[Case]:
    """Routes naming several objects, with some of them trader B's own and the rest trader
    A's (B's account login with A's violation id, …)."""
    cases = []
    for route in routes():
        if len(route.arguments) < 2 or "slug" in route.arguments:
            continue
        for owners in itertools.product((world.a, world.b), repeat=len(route.arguments)):
            if world.a in owners and world.b in owners:
                name = _full_name(route)
                url = reverse(name, kwargs=_arguments(route, world, owners))
                cases.append(Case(name, url, _group(route), True))
    return cases


def outcome(response) -> str:
    if response.status_code in (301, 302):
        location = response["Location"]
        if location.startswith(reverse("account_login")):
            return LOGIN
        if location.startswith(reverse("admin:login")):
            return ADMIN_LOGIN
        if location.startswith(reverse("account_reauthenticate")):
            return REAUTHENTICATE
        return f"{response.status_code} to {location}"
    return str(response.status_code)


def client_for(world: World, role: str) -> Client:
    """Signed in as `role`, staff having also passed the second factor (the test client of
    tests/conftest.py); test_staff_without_a_second_factor_* below covers the session without."""
    client = client_with_second_factor()
    if world.users[role] is not None:
        client.force_login(world.users[role])
    if role == BRIDGE:  # the bridge API takes its token, never the session
        token, _ = Token.objects.get_or_create(user=world.users[role])
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {token.key}"
    return client


# --- the tests


def test_every_generated_url_has_a_policy(world):
    cases = all_cases(world)
    unknown = [
        c.name
        for c in cases
        if (c.group == "payouts" and c.name not in PAYOUTS)
        or (c.group == "reports" and c.name not in REPORT_PAGES)
        or (c.group == "api" and c.name not in API_PERMISSION)
        or (c.group == "hijack" and c.name not in HIJACK)
        or (c.group == "admin" and c.page == "custom" and c.name not in ADMIN_PAGES)
    ]
    assert not unknown, f"routes without an access policy in this test: {unknown}"
    groups = {
        group: sum(c.group == group for c in cases) for group in ("portal", "payouts", "hijack")
    }
    assert groups == {"portal": 11, "payouts": 17, "hijack": 2}
    assert {"reports:export", "reports:trader_export", "bridge:trades"} <= {c.name for c in cases}
    standard = [c for c in cases if c.group == "admin" and c.page != "custom"]
    assert len(standard) == 3 * len(admin.site._registry)
    assert {c.name for c in cases if c.page == "custom"} == set(ADMIN_PAGES)


@pytest.mark.parametrize("role", ROLES)
def test_every_url_answers_each_role_as_the_policy_says(world, role):
    client = client_for(world, role)
    mismatches = []
    for case in all_cases(world):
        want, got = expected(case, role), outcome(client.get(case.url))
        if want != got:
            mismatches.append(f"{case.url} ({case.name}): expected {want}, got {got}")
    assert not mismatches, f"{role}: {len(mismatches)} cells differ:\n" + "\n".join(mismatches)


@pytest.mark.parametrize("role", (*STAFF, SUPERUSER))
def test_staff_without_a_second_factor_reach_no_url_but_the_two_factor_set_up(world, role):
    client = Client()  # signed in with the password only
    client.force_login(world.users[role])
    setup = reverse("mfa_activate_totp")
    reached = []
    for case in all_cases(world):
        response = client.get(case.url)
        if response.status_code != 302 or not response["Location"].startswith(setup):
            reached.append(f"{case.url} ({case.name}): {outcome(response)}")
    assert not reached, f"{role} without a second factor reached:\n" + "\n".join(reached)


def test_trader_b_reaches_no_object_of_trader_a_through_any_url(world):
    client = client_for(world, TRADER_B)
    a = world.a
    secrets = (a.evaluation.login, a.funded.login, a.user.email)
    cases = [c for c in all_cases(world) if c.names_a_object] + mixed_owner_cases(world)
    assert len(cases) >= 20
    leaks = []
    for case in cases:
        responses = [("GET", client.get(case.url))]
        if case.name in PAYOUT_POST_ONLY:
            form = {"reason": "mine now", "reference": "PAY-B"}
            responses.append(("POST", client.post(case.url, form)))
        for method, response in responses:
            body = b"" if response.streaming else response.content
            shown = [s for s in secrets if s.encode() in body]
            if response.status_code < 300 or shown:
                leaks.append(f"{method} {case.url}: {response.status_code}, shows {shown}")
            elif method == "POST" and response.status_code != 404:
                leaks.append(f"POST {case.url}: {response.status_code}, expected 404")
    a.payout.refresh_from_db()
    assert a.payout.status == "requested"
    assert not leaks, "trader B reaches trader A's objects:\n" + "\n".join(leaks)
