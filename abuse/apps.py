from django.apps import AppConfig


class AbuseConfig(AppConfig):
    name = "abuse"
    verbose_name = "Abuse detection"

    def ready(self) -> None:
        # Imports tell us about new trades through this one hook (evaluations.hooks).
        from abuse.tasks import scan_new_trades
        from evaluations import hooks

        hooks.register_trades_arrived(scan_new_trades)
