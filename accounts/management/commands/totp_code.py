"""`python manage.py totp_code EMAIL`: the authenticator code a staff member's app shows now.

For the embedded demo (its staff share a published secret) and local development only: it
refuses to run unless DEBUG is on, since whoever runs it skips the second factor.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from accounts.totp import current_code, totp_secret


class Command(BaseCommand):
    help = "Print the current TOTP code of a user's authenticator (DEBUG only: demo, development)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("email")

    def handle(self, *args, **options) -> None:
        if not settings.DEBUG:
            raise CommandError("totp_code runs only with DEBUG on (the demo, development)")
        user = get_user_model().objects.filter(email__iexact=options["email"]).first()
        if user is None:
            raise CommandError(f"no user with the email {options['email']}")
        secret = totp_secret(user)
        if secret is None:
            raise CommandError(f"{user.email} has no authenticator app set up")
        self.stdout.write(current_code(secret))
