"""Near-limit warnings: once per account, trading day, limit and level, by email and live event.

The `LimitAlert` row is inserted once (its unique key); only the insert that created it stores
the tick, queues the trader's email (claimed once by `live.notifications`) and publishes the
`alert` event for the portal banner and the staff monitor.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection, transaction

from evaluations.events import publish
from live.models import LimitAlert, TickReason
from live.services import bars
from risk.services.money import from_cents, from_ts


def record_alert(account_id: int, meta: dict, alert, balance: int, received_ms: int) -> int | None:
    """Record one `NearLimit` of the live evaluator; the new alert's id or None if known."""
    day = dt.date.fromisoformat(alert.day)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {LimitAlert._meta.db_table}
                    (account_id, day, "limit", level, time, equity, floor, used_bp, created_at)
                VALUES (%s, %s, %s, %s, %s, %s, %s, %s, now())
                ON CONFLICT (account_id, day, "limit", level) DO NOTHING
                RETURNING id""",  # noqa: S608
            [
                account_id,
                day,
                alert.limit,
                alert.level,
                from_ts(alert.ts),
                from_cents(alert.equity),
                from_cents(alert.floor),
                max(0, alert.used_bp),
            ],
        )
        row = cursor.fetchone()
        if row is None:
            return None
        alert_id = row[0]
        bars.keep_ticks(
            TickReason.ALERT,
            [
                (account_id, alert.ts, balance, alert.equity, received_ms,
                 {"limit": alert.limit, "level": alert.level})
            ],
        )  # fmt: skip
        event = {
            "type": "alert",
            "account_id": account_id,
            "login": meta.get("login", ""),
            "trader_id": meta.get("trader_id"),
            "limit": alert.limit,
            "level": alert.level,
            "ts": alert.ts,
            "equity": str(from_cents(alert.equity)),
            "floor": str(from_cents(alert.floor)),
            "used_bp": alert.used_bp,
            "alert_id": alert_id,
        }

        def after() -> None:
            from config.celery import enqueue
            from live.tasks import send_limit_alert  # the task module imports this one

            enqueue(send_limit_alert, alert_id)
            publish(event)

        transaction.on_commit(after)
    return alert_id
