"""Writing bridges and what they run: the Bridge row of a bridge's API user, and attaching
accounts and programs to it (audited). Called by `manage.py create_bridge` and the admin."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from accounts.audit import by_whom, record
from accounts.models import AuditAction
from evaluations.models import Bridge, Program, TradingAccount


class BridgeError(Exception):
    """A bridge request that cannot be carried out (shown as is)."""


def ensure_bridge(user, *, name: str, platform: str = "") -> Bridge:
    """The user's Bridge, created if missing; `platform`, when given, is stored."""
    bridge = Bridge.objects.filter(user=user).first()
    if bridge is None:
        if Bridge.objects.filter(name=name).exists():
            raise BridgeError(f"another user's bridge is already named {name!r}")
        return Bridge.objects.create(user=user, name=name, platform=platform)
    if platform and bridge.platform != platform:
        bridge.platform = platform
        bridge.save(update_fields=["platform"])
    return bridge


@transaction.atomic
def attach(
    bridge: Bridge,
    *,
    logins: Iterable[str] = (),
    program_slugs: Iterable[str] = (),
    by=None,
) -> tuple[list[TradingAccount], list[Program]]:
    """Make `bridge` run these accounts and create these programs' new accounts; all or
    nothing (an unknown login or slug changes nothing). Audited per account and program."""
    logins, slugs = list(dict.fromkeys(logins)), list(dict.fromkeys(program_slugs))
    accounts = list(TradingAccount.objects.select_for_update().filter(login__in=logins))
    programs = list(Program.objects.select_for_update().filter(slug__in=slugs))
    missing = sorted(set(logins) - {a.login for a in accounts}) + sorted(
        set(slugs) - {p.slug for p in programs}
    )
    if missing:
        raise BridgeError(f"no account or program named {', '.join(missing)}")
    for account in accounts:
        _move(account, bridge, AuditAction.ACCOUNT_CHANGED, f"Account {account.login}", by)
    for program in programs:
        _move(program, bridge, AuditAction.PROGRAM_CHANGED, f"Program {program.slug}", by)
    return accounts, programs


def _move(obj, bridge: Bridge, action: str, label: str, by) -> None:
    before = obj.bridge_id
    if before == bridge.pk:
        return
    obj.bridge = bridge
    obj._history_user, obj._change_reason = by, "Bridge attached"
    obj.save(update_fields=["bridge"])
    record(
        action,
        actor=by,
        obj=obj,
        summary=f"{label} is run by bridge {bridge} now, set by {by_whom(by)}",
        before={"bridge": before},
        after={"bridge": bridge.pk},
    )
