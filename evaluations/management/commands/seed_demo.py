"""`manage.py seed_demo [--seed N]`: (re)create the demo firm and print the demo logins."""

from django.core.management.base import BaseCommand, CommandError

from evaluations.services.demo import DemoSeedError, seed_demo
from risk.services.evaluation import evaluate_accounts


class Command(BaseCommand):
    help = (
        "Create the demo firm: the shipped programs, staff users per role, ~50 traders with "
        "accounts in every status, trades, equity snapshots and balance operations. Running it "
        "again replaces the demo data it made before (users ending in propdesk.local)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
        parser.add_argument("--traders", type=int, default=50, help="number of traders")

    def handle(self, *args, seed, traders, **options):
        if traders < 1:
            raise CommandError("--traders must be at least 1")
        try:
            summary = seed_demo(seed, traders=traders)
        except DemoSeedError as exc:
            raise CommandError(str(exc)) from exc
        # Metrics, objectives and violations for every account, as the workers would after
        # imports; no emails for demo data.
        report = evaluate_accounts(notify=False)
        self.stdout.write(
            f"Risk metrics computed for {report.accounts} accounts "
            f"({len(report.new_violations)} violations recorded)."
        )
        for line in summary.lines():
            self.stdout.write(line)
