"""`manage.py load_program FILE.yaml [FILE.yaml …]`: create or update programs from specs."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from evaluations.program_spec import SpecError, read_program_spec
from evaluations.services.programs import load_program


class Command(BaseCommand):
    help = (
        "Create or update a program, its phases and rule sets from a YAML spec "
        "(docs/programs.md). Changed rules make a new rule set version; nothing is written "
        "if the spec has an error."
    )

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", metavar="FILE.yaml")

    def handle(self, *args, files, **options):
        for file in files:
            try:
                spec = read_program_spec(file)
                outcome = load_program(spec, source=Path(file).name)
            except SpecError as exc:
                raise CommandError(f"{file}: invalid program spec\n{exc}") from exc
            for line in outcome.lines():
                self.stdout.write(line)
