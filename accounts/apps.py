from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "People and roles"

    def ready(self) -> None:
        from accounts import audit_receivers, session_lifetime, staff_mfa, view_as

        audit_receivers.connect()
        session_lifetime.connect()
        staff_mfa.connect()
        view_as.connect()
