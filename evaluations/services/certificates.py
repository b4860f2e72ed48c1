"""Write path of certificates: one per event, issued by the service that records the event.

`pass_account` issues the phase-passed certificate in its transaction; `payouts.services.
mark_payout_paid` issues the payout certificate (payouts stands above evaluations, so it calls
down; no hook is needed). Both are idempotent: the event key is unique, a second call returns
the certificate already issued. Issuing is part of the audited pass or payment, not an audit
event of its own.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from evaluations.models import Certificate, CertificateKind, TradingAccount

FALLBACK_NAME = "A PropDesk trader"


def public_trader_name(user) -> str:
    """The name a certificate shows publicly: first name and the initial of the last name
    ("Jane D."), the first name alone, or FALLBACK_NAME. Never the email or the full surname."""
    first = (user.first_name or "").strip()
    last = (user.last_name or "").strip()
    if first and last:
        return f"{first} {last[0].upper()}."
    return first or FALLBACK_NAME


def _issue(
    account: TradingAccount,
    *,
    kind: str,
    event_key: str,
    at: dt.datetime,
    amount: Decimal | None = None,
    currency: str | None = None,
) -> Certificate:
    certificate, _ = Certificate.objects.get_or_create(
        event_key=event_key,
        defaults={
            "kind": kind,
            "account": account,
            "trader_name": public_trader_name(account.trader),
            "program_name": account.program.name,
            "phase_name": account.phase.name,
            "amount": amount,
            "currency": currency or account.currency,
            "issued_on": at.astimezone(dt.UTC).date(),
        },
    )
    return certificate


def issue_pass_certificate(account: TradingAccount, *, at: dt.datetime) -> Certificate:
    """The certificate of `account` passing its phase at `at` (once per account)."""
    return _issue(account, kind=CertificateKind.PHASE_PASSED, event_key=f"pass:{account.pk}", at=at)


def issue_payout_certificate(
    account: TradingAccount, *, payout_id: int, amount: Decimal, currency: str, at: dt.datetime
) -> Certificate:
    """The certificate of payout `payout_id` paid at `at`: `amount` is what the trader received."""
    return _issue(
        account,
        kind=CertificateKind.PAYOUT,
        event_key=f"payout:{payout_id}",
        at=at,
        amount=amount,
        currency=currency,
    )
