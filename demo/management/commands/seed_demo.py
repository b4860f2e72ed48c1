"""`manage.py seed_demo [--seed N]`: (re)create the demo firm and print the demo logins."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from demo.seed import DemoSeedError, seed_demo
from risk.services.evaluation import evaluate_accounts


class Command(BaseCommand):
    help = (
        "Create the demo firm: the shipped programs, staff users per role, ~50 traders with "
        "accounts in every status, trades, equity snapshots, balance operations and payout "
        "requests. Running it again replaces the demo data it made before (users ending in "
        "propdesk.local)."
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

    def handle(self, *args, seed, traders, as_of, **options):
        if traders < 1:
            raise CommandError("--traders must be at least 1")
        if as_of is not None and as_of.tzinfo is None:
            as_of = as_of.replace(tzinfo=dt.UTC)
        try:
            summary = seed_demo(seed, traders=traders, now=as_of)
        except DemoSeedError as exc:
            raise CommandError(str(exc)) from exc
        # Metrics, objectives and violations for every account, as the workers would after
        # imports; no emails for demo data.
        report = evaluate_accounts(as_of=as_of, notify=False)
        self.stdout.write(
            f"Risk metrics computed for {report.accounts} accounts "
            f"({len(report.new_violations)} violations recorded)."
        )
        for line in summary.lines():
            self.stdout.write(line)
