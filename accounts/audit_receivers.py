"""The login receivers of the audit log (connected in AccountsConfig.ready).

Logins come from django.contrib.auth's signals, wrong authenticator codes from allauth.mfa's:
the user (or the typed address) is in the signal. Every other audit event is written by the
service that made the change, with the actor it was given (accounts/audit.py).
"""

from __future__ import annotations

from allauth.mfa import signals as mfa_signals
from django.contrib.auth.signals import user_logged_in, user_login_failed

from accounts.audit import client_ip, record
from accounts.device import device_id
from accounts.models import AuditAction, LoginRecord

# Keys a login form may name the typed address with (allauth: email; Django admin: username).
LOGIN_KEYS = ("email", "username", "login")


def connect() -> None:
    user_logged_in.connect(login_succeeded, dispatch_uid="audit_login_succeeded")
    user_login_failed.connect(login_failed, dispatch_uid="audit_login_failed")
    mfa_signals.authentication_failed.connect(
        second_factor_failed, dispatch_uid="audit_second_factor_failed"
    )


# --- logins


def login_succeeded(sender, request, user, **kwargs) -> None:
    if getattr(request, "propdesk_viewing_as", False):
        return  # staff viewing as a trader: audited as view_as_started/ended (view_as.py)
    record(
        AuditAction.LOGIN_SUCCEEDED,
        actor=user,
        obj=user,
        summary=f"{user.email} logged in",
        request=request,
    )
    if request is not None:  # where from, for the abuse detectors (shared IPs and devices)
        LoginRecord.objects.create(
            user=user,
            ip=client_ip(request),
            user_agent=request.META.get("HTTP_USER_AGENT", "")[:300],
            device_id=device_id(request),
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
