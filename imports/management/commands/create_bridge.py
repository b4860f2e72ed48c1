"""`python manage.py create_bridge NAME`: a platform bridge's API user and token.

A bridge is a non-staff user in the `bridges` group, which may add trades and equity
snapshots. Running it again for the same name prints the same token (`--rotate` replaces it).
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.utils.text import slugify
from rest_framework.authtoken.models import Token

BRIDGES = "bridges"
BRIDGE_PERMISSIONS = ("add_trade", "add_equitysnapshot")


def bridge_group() -> Group:
    group, _ = Group.objects.get_or_create(name=BRIDGES)
    group.permissions.add(
        *Permission.objects.filter(
            content_type__app_label="evaluations", codename__in=BRIDGE_PERMISSIONS
        )
    )
    return group


class Command(BaseCommand):
    help = "Create (or show) the API user and token of a platform bridge."

    def add_arguments(self, parser) -> None:
        parser.add_argument("name", help="the bridge's name, e.g. mt5-live")
        parser.add_argument("--rotate", action="store_true", help="issue a new token")

    def handle(self, *args, **options) -> None:
        slug = slugify(options["name"])
        if not slug:
            raise CommandError("the bridge needs a name of letters, digits or dashes")
        user_model = get_user_model()
        user, created = user_model.objects.get_or_create(
            email=f"bridge-{slug}@bridges.propdesk.invalid",
            defaults={"first_name": options["name"][:150], "is_staff": False},
        )
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        user.groups.add(bridge_group())
        if options["rotate"]:
            Token.objects.filter(user=user).delete()
        token, _ = Token.objects.get_or_create(user=user)
        self.stdout.write(token.key)
