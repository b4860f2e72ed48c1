"""Authenticator-app (TOTP, RFC 6238) helpers for seeding and operating staff second factors.

Sign-in itself is allauth's (accounts/staff_mfa.py says who must pass it). This module gives an
authenticator to a user whose secret the firm already holds (the demo's staff, or a migration
from another system) and computes the code an app would show, for the demo and for tests.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import struct
import time

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import decrypt, encrypt


def give_totp_authenticator(user, secret: str) -> Authenticator:
    """The user's TOTP authenticator, holding `secret` (base32); replaces an older one."""
    base64.b32decode(secret, casefold=True)  # refuse a secret no authenticator app can read
    authenticator, _ = Authenticator.objects.update_or_create(
        user=user,
        type=Authenticator.Type.TOTP,
        defaults={"data": {"secret": encrypt(secret)}},
    )
    return authenticator


def totp_secret(user) -> str | None:
    authenticator = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    return decrypt(authenticator.data["secret"]) if authenticator else None


def current_code(secret: str, at: float | None = None) -> str:
    """The code an authenticator app shows at `at` (Unix seconds, default now):
    HOTP(secret, floor(t / period)) truncated to the configured number of digits."""
    counter = int((time.time() if at is None else at) // app_settings.TOTP_PERIOD)
    digest = hmac.new(
        base64.b32decode(secret, casefold=True), struct.pack(">Q", counter), hashlib.sha1
    ).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**app_settings.TOTP_DIGITS:0{app_settings.TOTP_DIGITS}d}"
