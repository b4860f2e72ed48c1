from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and roles"

    def ready(self) -> None:
        from accounts import audit_receivers, staff_mfa

        audit_receivers.connect()
        staff_mfa.connect()
