"""`manage.py seed_demo [--seed N]`: (re)create the demo firm and print the demo logins."""

import datetime as dt

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.seed import DemoSeedError, other_users, seed_demo
from risk.services.evaluation import evaluate_accounts

OVERRIDE = "--i-know-this-deletes-demo-users"


class Command(BaseCommand):
    help = (
        "Create the demo firm: the shipped programs, staff users per role, ~50 traders whose "
        "last 30 days of trades and snapshots are imported and judged by the risk engine, and "
        "payout requests worked through the payout services. Running it again replaces the "
        "demo data it made before (users at propdesk.local). Demo users share a published "
        "password: it runs only with DEBUG on, and refuses a database holding other users "
        f"unless given {OVERRIDE}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument("--traders", type=int, default=50, help="number of traders")
        parser.add_argument(
            "--as-of",
            type=dt.datetime.fromisoformat,
            default=None,
            help="the demo's 'now' (ISO date or time, UTC if naive; default: now). The same "
            "seed and --as-of always give the same data",
        )
        parser.add_argument(
            OVERRIDE,
            dest="other_users_ok",
            action="store_true",
            help="seed although the database holds users that are not demo users (it deletes "
            "and recreates every user at propdesk.local, with a published password)",
        )

    def handle(self, *args, seed, traders, as_of, other_users_ok, **options):
        if not settings.DEBUG:
            raise CommandError(
                "seed_demo runs only with DEBUG on: it creates a superuser and staff with a "
                "published password and authenticator secret (DEBUG=true for a demo database)"
            )
        others = other_users().count()
        if others and not other_users_ok:
            raise CommandError(
                f"this database holds {others} user(s) that are not demo users (not at "
                "propdesk.local): it does not look like a demo database. seed_demo deletes the "
                "demo users and creates a superuser with a published password; run it on a demo "
                f"database, or pass {OVERRIDE} if you mean it"
            )
        if traders < 1:
            raise CommandError("--traders must be at least 1")
        if as_of is not None and as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=dt.UTC)
        try:
            summary = seed_demo(seed, traders=traders, now=as_of)
        except DemoSeedError as exc:
            raise CommandError(str(exc)) from exc
        # Every account as of the demo's now (inactivity, the day's reset), as the workers'
        # periodic checks would; no emails for demo data.
        report = evaluate_accounts(as_of=as_of, notify=False)
        self.stdout.write(
            f"Risk metrics computed for {report.accounts} accounts "
            f"({len(report.new_violations)} violations recorded)."
        )
        for line in summary.lines():
            self.stdout.write(line)
