from celery import shared_task

from evaluations import notifications
from evaluations.models import TradingAccount
from evaluations.services import commands


@shared_task(acks_late=True)
def send_account_opened_email(account_id: int) -> bool:
    """Email the trader the login of a newly opened account. Missing account: nothing to do."""
    account = (
        TradingAccount.objects.select_related("trader", "program", "phase")
        .filter(pk=account_id)
        .first()
    )
    if account is None:
        return False
    notifications.send_account_opened(account)
    return True


@shared_task(acks_late=True)
def release_pauses() -> int:
    """Every minute (beat): enable accounts whose pause ended at their daily reset."""
    return len(commands.release_pauses())
