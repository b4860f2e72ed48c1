from celery import shared_task
from django.utils import timezone

from . import notifications
from .models import PayoutAction, PayoutTransition

# The steps someone is emailed about (see payouts.notifications).
NOTIFIED_ACTIONS = frozenset(
    {PayoutAction.REQUESTED, PayoutAction.APPROVED, PayoutAction.REJECTED, PayoutAction.PAID}
)


@shared_task(acks_late=True)
def send_payout_email(transition_id: int) -> bool:
    """Email about one payout step, once: the transition is claimed by setting `notified_at`
    atomically, so a retried or duplicated task sends nothing. A failed send releases the claim
    and re-raises so the task can be retried."""
    claimed = PayoutTransition.objects.filter(pk=transition_id, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return False
    transition = PayoutTransition.objects.select_related(
        "payout", "payout__account", "payout__account__trader", "by"
    ).get(pk=transition_id)
    try:
        notifications.send_transition_email(transition)
    except Exception:
        PayoutTransition.objects.filter(pk=transition_id).update(notified_at=None)
        raise
    return True


@shared_task(acks_late=True)
def send_payee_email(change_id: int, step: str) -> int:
    """Tell the trader about a step of a payout destination change (payouts.payee); the
    confirmation link is signed here, so no token travels through the broker."""
    from .models import PayeeChange

    change = PayeeChange.objects.select_related("trader", "requested_by").get(pk=change_id)
    return notifications.send_payee_email(change, step)
