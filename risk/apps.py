from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "risk"

    def ready(self) -> None:
        # Imports commit trades below us; they recompute the accounts through this one hook.
        from imports import hooks
        from risk.tasks import recompute_accounts

        hooks.register_recompute(recompute_accounts)
