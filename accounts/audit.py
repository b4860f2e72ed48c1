"""The audit log's one write path: `record` stores who did what to which object, once.

Signal receivers (accounts/audit_receivers.py) call it for logins, rule changes, account and
payout transitions and imports; services may call it directly for anything else.
"""

from __future__ import annotations

import ipaddress

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
    data: dict | None = None,
    request: HttpRequest | None = None,
    actor_email: str = "",
) -> AuditEvent:
    """Append one audit event and return it.

    actor: the user who acted; when None, the authenticated user of `request` (if any), else
    the event is the system's. actor_email keeps the actor's address after the user is deleted
    (pass it explicitly only when there is no user, e.g. the address a failed login typed).
    obj: the object acted on, stored as its model label and primary key. ip: the client's
    address (`client_ip`).
    """
    if actor is None and request is not None:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            actor = user
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        actor_email=(actor.email if actor is not None else actor_email)[:254],
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        summary=summary,
        data=data or {},
        ip=client_ip(request),
    )


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
