from django.apps import AppConfig


def _refresh_limits(items: list[tuple]) -> None:
    from live.services.limits import after_evaluation

    after_evaluation(items)


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = "Live risk"

    def ready(self) -> None:
        # Every evaluation refreshes the live limits of the accounts it evaluated (risk.hooks).
        from risk import hooks

        hooks.register_evaluated(_refresh_limits)
