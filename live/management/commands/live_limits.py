"""`python manage.py live_limits [--account ID …]`: compute the live limits from the risk engine.

Limits refresh by themselves after every evaluation; run this once after deploying live risk,
after a Redis restart without persistence, or after attaching accounts to a bridge in bulk.
"""

from django.core.management.base import BaseCommand

from live.services.limits import warm


class Command(BaseCommand):
    help = "Publish the live limits of bridge accounts (all by default)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--account", type=int, action="append", help="account id")

    def handle(self, *args, **options) -> None:
        written = warm(options["account"])
        self.stdout.write(f"live limits published for {written} account(s)")
