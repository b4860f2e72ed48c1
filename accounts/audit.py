"""The audit log's one write path: `record` stores who did what to which object, once.

Every service that changes money, rules, an account's status or a trader's payout details calls
`record` itself, inside its own transaction, with the acting user passed explicitly (`actor=by`;
None means the system: the risk engine, a Celery task, a command). Nothing here guesses the
actor. The only signal receivers are the login ones (accounts/audit_receivers.py), where the
user is in the signal.

Each event answers "who changed this and when": the actor, the object, a summary a person reads,
and `data` with `before` and `after` (the fields the action changed) plus action details.
django-simple-history stays where its versions serve people (a rule set's or account's history
page); the audit log is the one place that records the actor of every change.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import models
from django.http import HttpRequest

from accounts.models import AuditAction, AuditEvent

SYSTEM = "system"


def record(
    action: AuditAction | str,
    *,
    actor=None,
    obj: models.Model | None = None,
    summary: str,
    before: dict | None = None,
    after: dict | None = None,
    data: dict | None = None,
    request: HttpRequest | None = None,
    actor_email: str = "",
) -> AuditEvent:
    """Append one audit event and return it.

    actor: the user who acted, passed by the caller; None is the system. actor_email keeps the
    actor's address after the user is deleted (pass it explicitly only when there is no user,
    e.g. the address a failed login typed). obj: the object acted on, stored as its model label
    and primary key. before/after: the object's changed fields before and after the action,
    stored in `data` beside the action's details. request: only for the client's
    address (`client_ip`).
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    payload = dict(data or {})
    if before is not None:
        payload["before"] = before
    if after is not None:
        payload["after"] = after
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_email=(actor.email if actor is not None else actor_email)[:254],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        summary=summary,
        data=payload,
        ip=client_ip(request),
    )


def by_whom(actor) -> str:
    """How a summary names the actor: their email, or "system"."""
    return (
        actor.email if actor is not None and getattr(actor, "is_authenticated", False) else SYSTEM
    )


def fields_of(obj: models.Model, names: Iterable[str]) -> dict[str, Any]:
    """The values of these fields as stored (a foreign key by its id), for before/after."""
    values = {}
    for name in names:
        field = obj._meta.get_field(name)
        values[name] = getattr(obj, field.attname)
    return values


def changed(before: dict, after: dict) -> tuple[dict, dict]:
    """Only the fields whose value differs, as (before, after)."""
    names = [name for name in after if before.get(name) != after[name]]
    return {name: before.get(name) for name in names}, {name: after[name] for name in names}


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: behind `TRUSTED_PROXY_COUNT` proxies, the one they forwarded
    (X-Forwarded-For, counted from the right), else REMOTE_ADDR; None when it is no IP address
    (test and fake requests). The same address the login rate limits count by."""
    if request is None:
        return None
    address = request.META.get("REMOTE_ADDR") or ""
    proxies = int(getattr(settings, "ALLAUTH_TRUSTED_PROXY_COUNT", 0))
    forwarded = request.headers.get("X-Forwarded-For", "")
    if proxies > 0 and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",")]
        # Each trusted proxy appended the address it received from: the client's is the
        # proxies-th from the right. Anything further left was written by the client.
        if len(hops) >= proxies:
            address = hops[-proxies]
    try:
        return str(ipaddress.ip_address(address))
    except ValueError:
        return None
