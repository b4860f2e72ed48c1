"""`python manage.py import_trades PATH [--account LOGIN] [--format …] [--tz ZONE] [--partial]
[--date-order dmy|mdy] [--skip-other-accounts] [--balance-rows]`."""

from django.core.management.base import BaseCommand, CommandError

from evaluations.account_names import account_named
from evaluations.models import ImportSource, ImportStatus
from imports.csvlocale import DATE_ORDERS
from imports.detect import FORMATS
from imports.service import account_lines, import_file, report_text


class Command(BaseCommand):
    help = (
        "Import closed trades (or equity snapshots) from a platform export or a PropDesk "
        "canonical CSV. Re-importing the same file changes nothing."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("path", help="the file to import")
        parser.add_argument(
            "--account",
            metavar="LOGIN",
            help="platform login of the account (optional for canonical files with an "
            "account column, and for MT4/MT5 reports that name their account)",
        )
        parser.add_argument("--format", default="auto", choices=["auto", *FORMATS])
        parser.add_argument(
            "--tz",
            default="",
            help="broker time zone of the file's times (IANA name); default: the account's "
            "server zone, else UTC with a warning",
        )
        parser.add_argument(
            "--balance-rows",
            action="store_true",
            help="import the statement's deposit/withdrawal/credit rows as balance operations "
            "(pending approval)",
        )
        parser.add_argument(
            "--partial",
            action="store_true",
            help="commit the good rows even if some rows are bad (they are reported)",
        )
        parser.add_argument(
            "--date-order",
            default="auto",
            choices=DATE_ORDERS,
            help="how the file's dates read when no day above 12 tells: dmy (day first, "
            "European Windows) or mdy (month first, US)",
        )
        parser.add_argument(
            "--skip-other-accounts",
            action="store_true",
            help="with --account: skip (and count) rows of other accounts instead of refusing",
        )

    def handle(self, *args, **options) -> None:
        account = None
        if options["account"]:
            account = account_named(options["account"])
            if account is None:
                raise CommandError(f"unknown account {options['account']!r}")
        batch = import_file(
            options["path"],
            fmt=options["format"],
            account=account,
            broker_tz=options["tz"],
            partial=options["partial"],
            source=ImportSource.CLI,
            date_order=options["date_order"],
            skip_other_accounts=options["skip_other_accounts"],
            balance_rows=options["balance_rows"],
        )
        self.stdout.write(f"Import #{batch.pk} ({batch.format}, {batch.duration_ms} ms)")
        for error in batch.errors:
            where = f"line {error['line']}" if error.get("line") is not None else "file"
            column = f", column {error['column']}" if error.get("column") else ""
            self.stdout.write(f"  {where}{column}: {error['reason']}")
        for line in account_lines(batch):
            self.stdout.write(f"  {line}")
        message = report_text(batch)
        if batch.status == ImportStatus.REJECTED:
            raise CommandError(message)
        self.stdout.write(self.style.SUCCESS(message))
