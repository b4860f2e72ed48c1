"""`manage.py account_summary LOGIN [--json]`: an account's status, metrics, objectives and
violations as the risk engine last saved them (docs/account-summary.md)."""

import json

from django.core.management.base import BaseCommand, CommandError

from evaluations.models import TradingAccount
from risk.selectors import account_summary


class Command(BaseCommand):
    help = "Show an account's status, metrics, objectives and violations."

    def add_arguments(self, parser):
        parser.add_argument("login", help="Platform login of the trading account")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table")

    def handle(self, *args, **options):
        account = TradingAccount.objects.filter(login=options["login"]).first()
        if account is None:
            raise CommandError(f"no trading account with login {options['login']!r}")
        summary = account_summary(account)
        if options["json"]:
            self.stdout.write(json.dumps(summary, indent=2))
            return
        self.stdout.write(render_table(summary))


def render_table(s: dict) -> str:
    """The summary as aligned plain text for a terminal."""
    cur = s["currency"]
    lines = [
        f"Account {s['login']}  status: {s['status']}  (computed {s['computed_at'] or 'never'})",
        "",
        f"  {'balance':<14}{s['balance']:>16} {cur}",
        f"  {'equity':<14}{s['equity']:>16} {cur}",
        f"  {'net profit':<14}{s['net_profit']:>16} {cur}",
        f"  {'max drawdown':<14}{s['max_drawdown']:>16} {cur}",
        f"  {'trades':<14}{s['trades']:>16}",
        f"  {'trading days':<14}{s['trading_days']:>16}",
        "",
        "Objectives:",
    ]
    if not s["objectives"]:
        lines.append("  (none)")
    for code, o in s["objectives"].items():
        mark = "met" if o["met"] else "not met"
        lines.append(
            f"  {code:<18}{o['current']:>14} / {o['target']:<14} {o['unit']:<8} {mark}"
            + (f"  {o['detail']}" if o["detail"] else "")
        )
    lines += ["", "Violations:"]
    if not s["violations"]:
        lines.append("  (none)")
    for v in s["violations"]:
        lines.append(
            f"  {v['time']}  {v['rule']:<18} {v['severity']:<5} threshold {v['threshold']}"
            f" observed {v['observed']} {v['unit']}  [{v['status']}]"
        )
        lines.append(f"      {v['message']}")
    return "\n".join(lines) + "\n"
