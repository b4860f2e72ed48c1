"""Platform commands: the write paths of the durable outbox to the bridges (docs/bridges.md).

A command is written in the transaction of the decision that needs it (an account opened,
failed, paused, reinstated), so a decision never lacks its command and a rolled-back decision
never leaves one. Bridges fetch commands by long poll (`claim_for_bridge`), carry them out and
acknowledge them (`acknowledge`); a command not acknowledged within its lease is handed out
again. `key` makes issuing idempotent: one command per decision, however often it is decided.

Who runs an account on the platform is its bridge (`account.bridge`, else its program's
bridge); an account without one is not enforced on any platform, and nothing is issued.
After commit, each issue and status change is published on `live:events` and wakes the
bridge's long polls (evaluations.events, best effort).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import F, Max, Q
from django.utils import timezone

from accounts.audit import by_whom, record
from accounts.models import AuditAction
from evaluations import events
from evaluations.models import (
    AccountAlias,
    Bridge,
    CommandKind,
    CommandStatus,
    Enforcement,
    PlatformCommand,
    TradingAccount,
)
from evaluations.models.accounts import LOGIN_MAX_LENGTH, OPEN_STATUSES
from evaluations.services.aliases import save_alias

DEFAULT_LEASE_SECONDS = 30
PAUSE_LOOKBACK = dt.timedelta(days=7)  # pauses older than this are never released by beat
ALIAS_PLATFORM = "propdesk"  # an old login kept as an alias when the bridge chose another
ENFORCED: dict[str, str] = {
    Enforcement.DISABLE: CommandKind.DISABLE,
    Enforcement.CLOSE_AND_DISABLE: CommandKind.CLOSE_AND_DISABLE,
    Enforcement.PAUSE_UNTIL_RESET: CommandKind.PAUSE,
}
STOPPING = (CommandKind.DISABLE, CommandKind.CLOSE_AND_DISABLE)
FINISHED = (CommandStatus.DONE, CommandStatus.FAILED)


class CommandNotFound(Exception):
    """No such command for this bridge (another bridge's command is not found either)."""


class CommandConflict(Exception):
    """The acknowledgement contradicts the command's state (shown to the bridge as is)."""


def lease_seconds() -> int:
    return int(getattr(settings, "COMMAND_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))


def iso_utc(moment: dt.datetime) -> str:
    """`2026-03-03T23:00:00Z`: the one format of times in payloads (sorts as it reads)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bridge_of(account: TradingAccount) -> Bridge | None:
    """The bridge that runs the account: its own, else its program's; None when neither."""
    if account.bridge_id is not None:
        return account.bridge
    if account.program.bridge_id is not None:
        return account.program.bridge
    return None


def _event(command: PlatformCommand, login: str) -> dict:
    return {
        "type": "command",
        "account_id": command.account_id,
        "login": login,
        "command_id": command.pk,
        "kind": command.kind,
        "status": command.status,
    }


def _announce(commands: Iterable[PlatformCommand], *, wake: bool) -> None:
    """After commit: publish each command's status; wake its bridge's long polls if asked."""
    items = [(_event(c, c.account.login), c.bridge_id) for c in commands]
    if not items:
        return

    def send() -> None:
        for event, _ in items:
            events.publish(event)
        if wake:
            for bridge_id in sorted({b for _, b in items}):
                events.wake_bridge(bridge_id)

    transaction.on_commit(send)


def issue(
    account: TradingAccount,
    kind: str,
    *,
    key: str,
    reason: str = "",
    payload: dict | None = None,
    violation_id: int | None = None,
    breach_ts: dt.datetime | None = None,
    by=None,
) -> PlatformCommand | None:
    """Issue `kind` for `account` to its bridge, once per `key`; None when no bridge runs it.

    A second call with the same key returns the first command and writes nothing. Call inside
    the transaction of the decision; the command is audited there, and published (and the
    bridge woken) when that transaction commits.
    """
    bridge = bridge_of(account)
    if bridge is None:
        return None
    with transaction.atomic():
        command, created = PlatformCommand.objects.get_or_create(
            key=key,
            defaults={
                "bridge": bridge,
                "account": account,
                "kind": kind,
                "reason": reason[:255],
                "payload": payload or {},
                "violation_id": violation_id,
                "breach_ts": breach_ts,
            },
        )
        if not created:
            return command
        record(
            AuditAction.PLATFORM_COMMAND,
            actor=by,
            obj=account,
            summary=f"{command.get_kind_display()} issued to {bridge} for account "
            f"{account.login} by {by_whom(by)}" + (f" ({reason})" if reason else ""),
            data={"command_id": command.pk, "kind": kind, "key": key, "bridge": bridge.name},
        )
        _announce([command], wake=True)
    return command


def enforce(
    account: TradingAccount,
    *,
    enforcement: str,
    violation_key: str,
    violation_id: int | None,
    reason: str,
    breach_ts: dt.datetime | None,
    until: dt.datetime | None = None,
) -> PlatformCommand | None:
    """The command a rule's enforcement policy asks for after a breach, issued once per
    (kind, account, violation_key): flag and notify issue nothing; disable → `disable`;
    close_and_disable → `close_and_disable`; pause_until_reset → `pause` with
    payload {"until": the next reset}, which the caller knows from the account's day calendar
    (`until` is required for a pause)."""
    kind = ENFORCED.get(enforcement)
    if kind is None:
        return None
    payload = {}
    if kind == CommandKind.PAUSE:
        if until is None:
            raise ValueError("a pause needs `until`, the account's next daily reset")
        payload = {"until": iso_utc(until)}
    return issue(
        account,
        kind,
        key=f"{kind}:{account.pk}:{violation_key}",
        reason=reason,
        payload=payload,
        violation_id=violation_id,
        breach_ts=breach_ts,
    )


def claim_for_bridge(bridge: Bridge, *, limit: int = 100) -> list[PlatformCommand]:
    """Hand the bridge up to `limit` commands: issued ones, and delivered ones whose lease ran
    out (delivered again), oldest first.

    Per account, commands go out in issue order: a command is handed out only with (or after)
    every earlier unfinished command of its account, so a bridge never sees `enable` before the
    `pause` it undoes. Rows are taken `FOR UPDATE SKIP LOCKED`, so two API processes polling
    for one bridge never hand out the same command at once. Each handed command is marked
    delivered with a lease of COMMAND_LEASE_SECONDS and one more attempt.
    """
    now = timezone.now()
    with transaction.atomic():
        candidates = list(
            PlatformCommand.objects.filter(bridge=bridge)
            .filter(
                Q(status=CommandStatus.ISSUED)
                | Q(status=CommandStatus.DELIVERED, lease_until__lte=now)
            )
            .select_related("account")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("id")[:limit]
        )
        if not candidates:
            return []
        taken = {c.pk for c in candidates}
        pending = PlatformCommand.objects.filter(
            account_id__in={c.account_id for c in candidates},
            status__in=(CommandStatus.ISSUED, CommandStatus.DELIVERED),
        ).order_by("id")
        handed, blocked = set(), set()
        for account_id, command_id in pending.values_list("account_id", "id"):
            if account_id in blocked:
                continue
            if command_id in taken:
                handed.add(command_id)
            else:  # an earlier command is out with the bridge, or being claimed elsewhere
                blocked.add(account_id)
        claimed = [c for c in candidates if c.pk in handed]
        lease_until = now + dt.timedelta(seconds=lease_seconds())
        PlatformCommand.objects.filter(pk__in=handed).update(
            status=CommandStatus.DELIVERED,
            delivered_at=now,
            lease_until=lease_until,
            attempts=F("attempts") + 1,
        )
        for command in claimed:
            command.status, command.delivered_at = CommandStatus.DELIVERED, now
            command.lease_until, command.attempts = lease_until, command.attempts + 1
        _announce(claimed, wake=False)
    return claimed


def acknowledge(bridge: Bridge, command_id: int, *, ok: bool, result: dict) -> PlatformCommand:
    """Record the bridge's outcome of a command it was handed: done (`ok`) or failed.

    Idempotent: acknowledging a finished command again with the same outcome changes nothing;
    the other outcome, or a command never handed out, is a `CommandConflict`. Another bridge's
    command is `CommandNotFound`. A `create_account` done with `result["login"]` gives the
    account the platform's login (`adopt_login`).
    """
    outcome = CommandStatus.DONE if ok else CommandStatus.FAILED
    with transaction.atomic():
        command = (
            PlatformCommand.objects.select_for_update(of=("self",))
            .select_related("account")
            .filter(pk=command_id, bridge=bridge)
            .first()
        )
        if command is None:
            raise CommandNotFound(f"no command {command_id} for this bridge")
        if command.status in FINISHED:
            if command.status == outcome:
                return command
            raise CommandConflict(
                f"command {command_id} was already acknowledged as {command.status}"
            )
        if command.status == CommandStatus.ISSUED:
            raise CommandConflict(f"command {command_id} was not handed out yet")
        command.status, command.done_at, command.result = outcome, timezone.now(), result
        command.save(update_fields=["status", "done_at", "result"])
        account = command.account
        record(
            AuditAction.PLATFORM_COMMAND,
            actor=bridge.user,
            obj=account,
            summary=f"{command.get_kind_display()} for account {account.login} "
            f"{outcome} on {bridge} (attempt {command.attempts})",
            data={"command_id": command.pk, "kind": command.kind, "status": outcome},
        )
        if ok and command.kind == CommandKind.CREATE_ACCOUNT and result.get("login"):
            adopt_login(account, str(result["login"]), by=bridge.user)
        _announce([command], wake=False)
    return command


def adopt_login(account: TradingAccount, login: str, *, by) -> bool:
    """Give the account the login its platform created it with; the old login stays an alias
    (`AccountAlias`), so files naming it still reach the account. A login that already names
    another account is not taken: the account is flagged for review instead. True if adopted.
    """
    login = login.strip()[:LOGIN_MAX_LENGTH]
    locked = TradingAccount.objects.select_for_update().get(pk=account.pk)
    old = locked.login
    if not login or login == old:
        return False
    taken = (
        TradingAccount.objects.filter(login=login).exclude(pk=locked.pk).exists()
        or AccountAlias.objects.filter(name=login).exclude(account=locked).exists()
    )
    if taken:
        locked.needs_review = True
        locked.save(update_fields=["needs_review"])
        record(
            AuditAction.ACCOUNT_CHANGED,
            actor=by,
            obj=locked,
            summary=f"Account {old}: the platform created it as {login}, which names another "
            "account; login kept, flagged for review",
            data={"platform_login": login},
        )
        return False
    AccountAlias.objects.filter(account=locked, name=login).delete()  # it is the login now
    locked.login = login
    locked._history_user, locked._change_reason = by, "Login from the platform"
    locked.save(update_fields=["login"])
    save_alias(AccountAlias(account=locked, name=old, platform=ALIAS_PLATFORM), by=by)
    record(
        AuditAction.ACCOUNT_CHANGED,
        actor=by,
        obj=locked,
        summary=f"Account {old} is {login} on the platform: login changed, {old} kept as alias",
        before={"login": old},
        after={"login": login},
    )
    account.login = login
    return True


def release_pauses(now: dt.datetime | None = None) -> list[PlatformCommand]:
    """Issue `enable` for open accounts whose latest pause ended (its `until` passed), once
    per pause (key `enable:<account>:after:<pause id>`); not when a disable came after it."""
    now = now or timezone.now()
    latest = (
        PlatformCommand.objects.filter(kind=CommandKind.PAUSE, issued_at__gte=now - PAUSE_LOOKBACK)
        .order_by("account_id", "-issued_at", "-id")
        .distinct("account_id")
        .select_related("account__program", "account__bridge")
    )
    due = [p for p in latest if p.payload.get("until", "~") <= iso_utc(now)]
    if not due:
        return []
    keys = {p.pk: f"enable:{p.account_id}:after:{p.pk}" for p in due}
    done = set(PlatformCommand.objects.filter(key__in=keys.values()).values_list("key", flat=True))
    last_stop = dict(
        PlatformCommand.objects.filter(
            kind__in=STOPPING, account_id__in={p.account_id for p in due}
        )
        .values("account_id")
        .annotate(last=Max("id"))
        .values_list("account_id", "last")
    )
    issued = []
    for pause in due:
        account = pause.account
        later_stop = last_stop.get(pause.account_id, 0) > pause.pk
        if keys[pause.pk] in done or later_stop or account.status not in OPEN_STATUSES:
            continue
        with transaction.atomic():
            command = issue(
                account,
                CommandKind.ENABLE,
                key=keys[pause.pk],
                reason=f"Daily reset reached: the pause of {pause.payload.get('until')} ended",
            )
        if command is not None:
            issued.append(command)
    return issued


def issue_again(command: PlatformCommand, *, by) -> PlatformCommand | None:
    """A failed command issued once more, as a new command (new key, same kind and payload)."""
    if command.status != CommandStatus.FAILED:
        raise CommandConflict(f"command {command.pk} is {command.status}, not failed")
    with transaction.atomic():
        return issue(
            command.account,
            command.kind,
            key=f"again:{command.pk}:{command.kind}:{command.account_id}",
            reason=f"Issued again after command {command.pk} failed",
            payload=command.payload,
            violation_id=command.violation_id,
            breach_ts=command.breach_ts,
            by=by,
        )
