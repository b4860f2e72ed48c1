"""`python manage.py create_bridge NAME`: a platform bridge's API user, token and Bridge row.

A bridge is a non-staff user in the `bridges` group, which may add trades and equity
snapshots, with a `Bridge` row that lets it fetch and acknowledge its platform commands
(docs/bridges.md). Running it again for the same name prints the same token (`--rotate`
replaces it). `--accounts LOGIN…` and `--program SLUG` make the bridge run those accounts and
the program's new accounts. The token is the only thing printed on stdout (scripts read it).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.text import slugify
from rest_framework.authtoken.models import Token

from evaluations.services.bridges import BridgeError, attach, ensure_bridge

BRIDGES = "bridges"
BRIDGE_PERMISSIONS = ("add_trade", "add_equitysnapshot")
PLATFORMS = ("mt4", "mt5", "ctrader", "tradovate", "ninjatrader", "dxtrade", "matchtrader")


def bridge_group() -> Group:
    group, _ = Group.objects.get_or_create(name=BRIDGES)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="evaluations", codename__in=BRIDGE_PERMISSIONS
        )
    )
    return group


class Command(BaseCommand):
    help = "Create (or show) the API user, token and Bridge row of a platform bridge."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="the bridge's name, e.g. mt5-live")
        parser.add_argument("--rotate", action="store_true", help="issue a new token")
        parser.add_argument("--platform", choices=PLATFORMS, help="the platform it bridges")
        parser.add_argument(
            "--accounts", nargs="+", default=[], metavar="LOGIN", help="accounts it runs"
        )
        parser.add_argument(
            "--program",
            action="append",
            default=[],
            metavar="SLUG",
            help="a program whose new accounts it creates (repeatable)",
        )

    def handle(self, *args, **options) -> None:
        slug = slugify(options["name"])
        if not slug:
            raise CommandError("the bridge needs a name of letters, digits or dashes")
        with transaction.atomic():
            user_model = get_user_model()
            user, created = user_model.objects.get_or_create(
                email=f"bridge-{slug}@bridges.propdesk.invalid",
                defaults={"first_name": options["name"][:150], "is_staff": False},
            )
            if created:
                user.set_unusable_password()
                user.save(update_fields=["password"])
            user.groups.add(bridge_group())
            try:
                bridge = ensure_bridge(user, name=slug, platform=options["platform"] or "")
                accounts, programs = attach(
                    bridge, logins=options["accounts"], program_slugs=options["program"]
                )
            except BridgeError as error:
                raise CommandError(str(error)) from error
            if options["rotate"]:
                Token.objects.filter(user=user).delete()
            token, _ = Token.objects.get_or_create(user=user)
        if accounts or programs:
            names = [a.login for a in accounts] + [f"program {p.slug}" for p in programs]
            self.stderr.write(f"{bridge} runs {', '.join(names)}")
        self.stdout.write(token.key)
