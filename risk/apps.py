from django.apps import AppConfig


class RiskConfig(AppConfig):
    name = "risk"

    def ready(self) -> None:
        # Imports and the account services below us recompute accounts through this one hook.
        from evaluations import hooks
        from risk.tasks import recompute_accounts

        hooks.register_recompute(recompute_accounts)
