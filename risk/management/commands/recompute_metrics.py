"""`manage.py recompute_metrics [--account LOGIN ...] [--all] [--async]`: re-evaluate accounts
with the risk engine (metrics, violations, pass/fail)."""

import os
import time

from django.core.management.base import BaseCommand, CommandError

from evaluations.models import TradingAccount
from risk.services.parallel import evaluate_accounts_in_processes
from risk.tasks import recompute_accounts, recompute_all


class Command(BaseCommand):
    help = "Re-evaluate accounts: metrics, violations and status."

    def add_arguments(self, parser):
        parser.add_argument(
            "--account", action="append", default=[], metavar="LOGIN", help="repeatable"
        )
        parser.add_argument("--all", action="store_true", help="every account")
        parser.add_argument(
            "--async", action="store_true", dest="run_async", help="queue a Celery task instead"
        )
        parser.add_argument(
            "--processes",
            type=int,
            default=os.cpu_count() or 1,
            help="worker processes for a large recompute (default: CPU count)",
        )

    def handle(self, *args, **options):
        logins, everything = options["account"], options["all"]
        if bool(logins) == everything:
            raise CommandError("give --account LOGIN (one or more) or --all")
        ids = None
        if logins:
            found = dict(TradingAccount.objects.filter(login__in=logins).values_list("login", "pk"))
            missing = sorted(set(logins) - set(found))
            if missing:
                raise CommandError(f"no trading account with login {', '.join(missing)}")
            ids = sorted(found.values())
        if options["run_async"]:
            result = recompute_all.delay() if ids is None else recompute_accounts.delay(ids)
            self.stdout.write(f"queued task {result.id}")
            return
        started = time.perf_counter()
        if ids is None:
            ids = list(TradingAccount.objects.order_by("pk").values_list("pk", flat=True))
        report = evaluate_accounts_in_processes(ids, processes=options["processes"])
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"evaluated {report.accounts} account(s) in {elapsed:.2f} s: "
            f"{len(report.new_violations)} new violation(s), {len(report.failed)} failed, "
            f"{len(report.passed)} passed, {len(report.opened)} next-phase account(s) opened"
        )
        if report.errored:
            self.stderr.write(
                f"{len(report.errored)} account(s) could not be evaluated (see admin, "
                "Risk › Evaluation failures): "
                + ", ".join(
                    TradingAccount.objects.filter(pk__in=report.errored)
                    .order_by("login")
                    .values_list("login", flat=True)
                )
            )
