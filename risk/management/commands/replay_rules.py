"""`manage.py replay_rules --program NAME --ruleset FILE.yaml [--since DATE] [--json]`:
how a candidate rule set would have changed outcomes over a program's stored history.
Writes nothing (see risk/services/replay.py for the file format)."""

import datetime as dt
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluations.models import Program
from risk.services.replay import CandidateError, parse_candidate, replay_rules


class Command(BaseCommand):
    help = "Replay a candidate rule set over a program's history and show differing outcomes."

    def add_arguments(self, parser):
        parser.add_argument("--program", required=True, help="Program name (or slug)")
        parser.add_argument("--ruleset", required=True, type=Path, help="Candidate rules YAML")
        parser.add_argument(
            "--since",
            type=dt.date.fromisoformat,
            help="Only accounts started on or after this date (YYYY-MM-DD)",
        )
        parser.add_argument("--json", action="store_true", help="Print JSON")

    def handle(self, *args, **options):
        name = options["program"]
        program = (
            Program.objects.filter(name=name).first() or Program.objects.filter(slug=name).first()
        )
        if program is None:
            raise CommandError(f"no program named {name!r}")
        path: Path = options["ruleset"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        phase_names = list(program.phases.order_by("order").values_list("name", flat=True))
        try:
            candidate = parse_candidate(path.read_text(encoding="utf-8"), phase_names)
        except CandidateError as exc:
            raise CommandError(f"{path}: {exc}") from exc
        report = replay_rules(program, candidate, since=options["since"]).as_dict()
        if options["json"]:
            self.stdout.write(json.dumps(report, indent=2))
            return
        lines = [f"{program.name}: {report['accounts']} account(s) replayed, nothing written", ""]
        if report["would_fail"]:
            lines.append("Would fail (not failed now), by rule:")
            for code, logins in report["would_fail"].items():
                lines.append(f"  {code:<20} {len(logins):>5}  {' '.join(logins)}")
        for key, title in (
            ("would_not_fail", "Would not fail (failed now)"),
            ("would_pass", "Would pass (not passed now)"),
            ("would_not_pass", "Would not pass (passed now)"),
        ):
            if report[key]:
                lines.append(f"{title}: {len(report[key])}  {' '.join(report[key])}")
        lines.append(f"Unchanged: {report['unchanged']}")
        self.stdout.write("\n".join(lines))
