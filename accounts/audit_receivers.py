"""Signal receivers that write the audit log (connected in AccountsConfig.ready).

Logins come from django.contrib.auth's signals (wrong authenticator codes from allauth.mfa's);
rule sets, rules and imports from post_save; account and payout status changes from django-fsm's
post_transition. A transition is kept on
the instance and written when the instance is saved, so a transition that is never saved (or
rolled back with its transaction) leaves no event, and the object always has its id.

Who acted: the signal's user when it has one (`by=` of a payout transition, `created_by`), else
the user the service stamped for simple-history (`_history_user`), else the request user that
simple-history's HistoryRequestMiddleware keeps for this request; with none, the system.
"""

from __future__ import annotations

from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save
from django_fsm.signals import post_transition
from simple_history.models import HistoricalRecords

from accounts.audit import SYSTEM, record
from accounts.models import AuditAction

PENDING = "_audit_pending_transitions"
RECORDED = "_audit_recorded"
# Keys a login form may name the typed address with (allauth: email; Django admin: username).
LOGIN_KEYS = ("email", "username", "login")


def connect() -> None:
    from evaluations.models import ImportBatch, Rule, RuleSet, TradingAccount
    from payouts.models import PayoutRequest

    user_logged_in.connect(login_succeeded, dispatch_uid="audit_login_succeeded")
    user_login_failed.connect(login_failed, dispatch_uid="audit_login_failed")
    mfa_signals.authentication_failed.connect(
        second_factor_failed, dispatch_uid="audit_second_factor_failed"
    )
    post_save.connect(rule_set_saved, sender=RuleSet, dispatch_uid="audit_ruleset")
    post_save.connect(rule_saved, sender=Rule, dispatch_uid="audit_rule")
    post_save.connect(import_saved, sender=ImportBatch, dispatch_uid="audit_import")
    for model in (TradingAccount, PayoutRequest):
        uid = f"audit_{model._meta.model_name}"
        post_transition.connect(transition_made, sender=model, dispatch_uid=f"{uid}_transition")
        post_save.connect(transitions_saved, sender=model, dispatch_uid=f"{uid}_saved")


def _context_request():
    return getattr(HistoricalRecords.context, "request", None)


def _acting_user(instance=None, user=None):
    """The user behind a change that has no user of its own (see the module docstring)."""
    for candidate in (user, getattr(instance, "_history_user", None)):
        if candidate is not None and candidate.is_authenticated:
            return candidate
    request = _context_request()
    candidate = getattr(request, "user", None) if request is not None else None
    return candidate if candidate is not None and candidate.is_authenticated else None


def _by(actor) -> str:
    return actor.email if actor is not None else SYSTEM


# --- logins


def login_succeeded(sender, request, user, **kwargs) -> None:
    record(
        AuditAction.LOGIN_SUCCEEDED,
        actor=user,
        obj=user,
        summary=f"{user.email} logged in",
        request=request,
    )


def login_failed(sender, credentials, request=None, **kwargs) -> None:
    # Only the typed address is kept: never the password or any other credential.
    typed = next((credentials[key] for key in LOGIN_KEYS if credentials.get(key)), "")
    typed = str(typed).strip()[:254]
    record(
        AuditAction.LOGIN_FAILED,
        actor_email=typed,
        summary=f"Failed login for {typed or 'an empty address'}",
        data={"email": typed},
        request=request,
    )


def second_factor_failed(sender, request, user, authenticator, **kwargs) -> None:
    """A wrong authenticator code, at sign-in (the password was right) or reauthentication."""
    step = "reauthentication" if kwargs.get("reauthentication") else "sign-in"
    record(
        AuditAction.LOGIN_FAILED,
        actor=user,
        summary=f"Wrong authenticator code for {user.email} at {step}",
        data={"email": user.email, "second_factor": authenticator.type, "step": step},
        request=request,
    )


# --- rules


def rule_set_saved(sender, instance, created, **kwargs) -> None:
    if not created:
        return
    actor = _acting_user(instance, instance.created_by)
    record(
        AuditAction.RULESET_CREATED,
        actor=actor,
        obj=instance,
        summary=f"Rule set v{instance.version} created for phase #{instance.phase_id} "
        f"by {_by(actor)}" + (f": {instance.note}" if instance.note else ""),
        data={"phase_id": instance.phase_id, "version": instance.version, "note": instance.note},
        request=_context_request(),
    )


def rule_saved(sender, instance, created, **kwargs) -> None:
    actor = _acting_user(instance)
    verb = "added to" if created else "changed in"
    record(
        AuditAction.RULE_CHANGED,
        actor=actor,
        obj=instance,
        summary=f"Rule {instance.code} ({instance.severity}) {verb} rule set "
        f"#{instance.rule_set_id} by {_by(actor)}: {instance.params}",
        data={
            "rule_set_id": instance.rule_set_id,
            "code": instance.code,
            "severity": instance.severity,
            "params": instance.params,
            "created": created,
        },
        request=_context_request(),
    )


# --- account and payout transitions


def transition_made(sender, instance, name, source, target, **kwargs) -> None:
    if kwargs.get("exception") is not None:
        return
    method_kwargs = kwargs.get("method_kwargs") or {}
    pending = instance.__dict__.setdefault(PENDING, [])
    pending.append(
        {
            "transition": name,
            "from": str(source),
            "to": str(target),
            "reason": getattr(instance, "status_reason", "") or method_kwargs.get("reason", ""),
            "by": method_kwargs.get("by"),
        }
    )


def transitions_saved(sender, instance, **kwargs) -> None:
    for change in instance.__dict__.pop(PENDING, []):
        actor = _acting_user(instance, change.pop("by"))
        if sender._meta.model_name == "tradingaccount":
            action = AuditAction.ACCOUNT_STATUS_CHANGED
            what = f"Account {instance.login}"
        else:
            action = AuditAction.PAYOUT_TRANSITION
            what = f"Payout #{instance.pk}"
        reason = f" ({change['reason']})" if change["reason"] else ""
        record(
            action,
            actor=actor,
            obj=instance,
            summary=f"{what}: {change['from']} → {change['to']}{reason} by {_by(actor)}",
            data=change,
            request=_context_request(),
        )


# --- imports


def import_saved(sender, instance, created, **kwargs) -> None:
    from evaluations.models import ImportStatus

    rejected = instance.status == ImportStatus.REJECTED
    # The import service first saves the batch as "rejected" with no errors, as a placeholder
    # for its rows, then saves it again with its outcome: only the outcome is recorded, once.
    if (rejected and not instance.errors) or getattr(instance, RECORDED, False):
        return
    setattr(instance, RECORDED, True)
    counts = {
        field: getattr(instance, field)
        for field in ("rows_total", "rows_new", "rows_updated", "rows_unchanged", "rows_rejected")
    }
    actor = _acting_user(instance, instance.created_by)
    source = instance.filename or instance.get_source_display()
    outcome = (
        f"rejected: {instance.errors[0].get('reason', '')}"
        if rejected
        else f"{instance.get_status_display().lower()}, {counts['rows_new']} new, "
        f"{counts['rows_updated']} updated, {counts['rows_unchanged']} unchanged, "
        f"{counts['rows_rejected']} rejected of {counts['rows_total']}"
    )
    record(
        AuditAction.IMPORT_REJECTED if rejected else AuditAction.IMPORT_COMMITTED,
        actor=actor,
        obj=instance,
        summary=f"Import #{instance.pk} of {source} ({instance.format}) {outcome} by {_by(actor)}",
        data={
            "status": instance.status,
            "format": instance.format,
            "source": instance.source,
            "filename": instance.filename,
            "sha256": instance.sha256,
            **counts,
            "errors": instance.errors[:5],
        },
        request=_context_request(),
    )
