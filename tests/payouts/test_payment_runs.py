"""Payment runs: approved payouts → a batch for the bank (CSV, SEPA pain.001) → paid in one step
with the bank's reference; the approver-may-pay setting; crypto addresses by checksum."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from accounts.models import AuditEvent, TraderProfile
from payouts import payment_runs, services
from payouts.addresses import BTC, ERC20, TRC20, masked, network_of
from payouts.models import PaymentRunStatus, PayoutStatus
from payouts.sepa import NAMESPACE
from tests import builders

from .conftest import PROFIT_2500

pytestmark = pytest.mark.django_db
NS = {"p": NAMESPACE}
IBANS = ("DE89370400440532013000", "FR1420041010050500013M02606")


def _approved(finance, *, currency="EUR", iban=IBANS[0], holder="Ana Trader"):
    account = builders.funded_account(daily_profits=PROFIT_2500, currency=currency)
    TraderProfile.objects.filter(user=account.trader).update(
        payout_method="bank", payout_details=f"IBAN {iban}, {holder}"
    )
    payout = services.request_payout(account, by=account.trader)
    return services.approve_payout(payout, by=finance)


@pytest.fixture
def debtor(settings):
    settings.PAYMENT_RUN_DEBTOR_NAME = "PropDesk Trading Ltd"
    settings.PAYMENT_RUN_DEBTOR_IBAN = "DE02120300000000202051"
    settings.PAYMENT_RUN_DEBTOR_BIC = "BYLADEM1001"


@pytest.mark.usefixtures("after_cycle", "recompute_calls", "debtor")
def test_run_exports_pain001_and_is_paid_in_one_step_with_the_bank_reference(finance, finance_2):
    first = _approved(finance, iban=IBANS[0], holder="Ana Trader")
    second = _approved(finance, iban=IBANS[1], holder="Émile Zoë")
    run = payment_runs.create_payment_run([first.pk, second.pk], by=finance_2)
    assert (run.payout_count, run.total, run.currency) == (2, Decimal("4000.00"), "EUR")

    root = ET.fromstring(payment_runs.export_run_pain001(run, by=finance_2))

    header = root.find("p:CstmrCdtTrfInitn/p:GrpHdr", NS)
    assert header.findtext("p:MsgId", namespaces=NS) == run.message_id
    assert header.findtext("p:NbOfTxs", namespaces=NS) == "2"
    assert header.findtext("p:CtrlSum", namespaces=NS) == "4000.00"
    info = root.find("p:CstmrCdtTrfInitn/p:PmtInf", NS)
    assert info.findtext("p:DbtrAcct/p:Id/p:IBAN", namespaces=NS) == "DE02120300000000202051"
    transfers = info.findall("p:CdtTrfTxInf", NS)
    assert [t.findtext("p:CdtrAcct/p:Id/p:IBAN", namespaces=NS) for t in transfers] == list(IBANS)
    assert [t.find("p:Amt/p:InstdAmt", NS).text for t in transfers] == ["2000.00", "2000.00"]
    assert {t.find("p:Amt/p:InstdAmt", NS).get("Ccy") for t in transfers} == {"EUR"}
    assert transfers[1].findtext("p:Cdtr/p:Nm", namespaces=NS) == "mile Zo"  # SEPA charset
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.EXPORTED

    payment_runs.mark_run_paid(run, by=finance_2, bank_reference="BANK-BATCH-77")

    run.refresh_from_db()
    first.refresh_from_db()
    second.refresh_from_db()
    assert run.status == PaymentRunStatus.PAID and run.bank_reference == "BANK-BATCH-77"
    assert {first.status, second.status} == {PayoutStatus.PAID}
    assert first.payment_reference == f"BANK-BATCH-77 PROPDESK-PAYOUT-{first.pk}"
    assert first.withdrawal.amount == Decimal("-2500.00")
    steps = [e.data["step"] for e in AuditEvent.objects.filter(action="payment_run").order_by("pk")]
    assert steps == ["created", "exported (pain.001)", "paid"]


@pytest.mark.usefixtures("after_cycle", "recompute_calls", "debtor")
def test_two_runs_have_unique_message_ids_and_the_csv_carries_the_destination(finance, finance_2):
    one = payment_runs.create_payment_run([_approved(finance).pk], by=finance_2)
    two = payment_runs.create_payment_run([_approved(finance).pk], by=finance_2)
    assert one.message_id != two.message_id

    rows = list(csv.reader(io.StringIO(payment_runs.export_run_csv(one, by=finance_2))))

    assert rows[0][:3] == ["end_to_end_id", "payout_id", "trader_name"]
    assert rows[1][8] == f"IBAN {IBANS[0]}, Ana Trader"
    assert (rows[1][5], rows[1][9], rows[1][10]) == ("2000.00", IBANS[0], "Ana Trader")


@pytest.mark.usefixtures("after_cycle", "recompute_calls")
def test_run_refuses_payouts_in_another_open_run_unapproved_mixed_or_without_destination(
    finance, finance_2
):
    euro = _approved(finance)
    run = payment_runs.create_payment_run([euro.pk], by=finance_2)
    with pytest.raises(services.PayoutError, match="already in payment run"):
        payment_runs.create_payment_run([euro.pk], by=finance_2)
    usd = _approved(finance, currency="USD")
    other = _approved(finance)
    with pytest.raises(services.PayoutError, match="one currency per run"):
        payment_runs.create_payment_run([usd.pk, other.pk], by=finance_2)
    account = builders.funded_account(daily_profits=PROFIT_2500)
    TraderProfile.objects.filter(user=account.trader).update(payout_method="", payout_details="")
    bare = services.approve_payout(services.request_payout(account, by=account.trader), by=finance)
    with pytest.raises(services.PayoutError, match="has no destination"):
        payment_runs.create_payment_run([bare.pk], by=finance_2)
    requested = builders.funded_account(daily_profits=PROFIT_2500)
    waiting = services.request_payout(requested, by=requested.trader)
    with pytest.raises(services.PayoutError, match="is requested"):
        payment_runs.create_payment_run([waiting.pk], by=finance_2)
    # cancelling the run frees its payout for another
    payment_runs.cancel_payment_run(run, by=finance_2)
    assert payment_runs.create_payment_run([euro.pk], by=finance_2).payout_count == 1


@pytest.mark.usefixtures("after_cycle", "recompute_calls")
def test_no_sepa_file_for_usd_or_a_wallet_and_support_cannot_create_runs(
    finance, finance_2, support
):
    usd = payment_runs.create_payment_run([_approved(finance, currency="USD").pk], by=finance_2)
    with pytest.raises(services.PayoutError, match="in EUR"):
        payment_runs.export_run_pain001(usd, by=finance_2)
    with pytest.raises(PermissionDenied):
        payment_runs.create_payment_run([_approved(finance).pk], by=support)


@pytest.mark.usefixtures("after_cycle", "recompute_calls")
def test_a_run_is_paid_whole_or_not_at_all_and_the_approver_cannot_pay_it(finance, finance_2):
    first, second = _approved(finance), _approved(finance_2)
    run = payment_runs.create_payment_run([first.pk, second.pk], by=finance)

    with pytest.raises(services.PayoutError, match="another person mark it paid"):
        payment_runs.mark_run_paid(run, by=finance, bank_reference="B-1")

    first.refresh_from_db()
    assert first.status == PayoutStatus.APPROVED  # rolled back with the second's refusal
    run.refresh_from_db()
    assert run.status == PaymentRunStatus.DRAFT


@pytest.mark.usefixtures("after_cycle", "recompute_calls")
def test_approver_may_pay_only_when_the_firm_says_so(finance, settings):
    payout = _approved(finance)
    with pytest.raises(services.PayoutError, match="another person"):
        services.mark_payout_paid(payout, by=finance, reference="W-1")

    settings.PAYOUT_APPROVER_MAY_PAY = True
    paid = services.mark_payout_paid(payout, by=finance, reference="W-1")

    assert (paid.status, paid.approved_by, paid.paid_by) == ("paid", finance, finance)


@pytest.mark.parametrize(
    ("address", "network"),
    [
        ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t", TRC20),
        ("TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6u", None),  # checksum
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", ERC20),  # EIP-55 example
        ("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD", None),  # one capital wrong
        ("0x5aaeb6053f3e94c9b9a09f33669435e7ef1beaed", ERC20),  # no checksum claimed
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", BTC),
        ("1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", None),
        ("bc1qw508d6qejxtdg4c5r3zap9xxlnz8g3q9y6a2y6", None),
        ("BC1QW508D6QEJXTDG4C5R3ZAP9XXLNZ8G4Q9Y6", None),
        ("bc1qw508d6qejxtdg4c5r3zap9xxlnz8g4q9y6", None),
        ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", BTC),  # segwit v0, bech32
        ("BC1QAR0SRRR7XFKVY5L643LYDNW9RE59GTZZWF5MDQ", BTC),  # one case is fine
        ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdr", None),  # checksum
        ("bc1qar0srrr7xfkvy5l643lydnw9re59gtzzWF5MDQ", None),  # mixed case
        ("bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", BTC),  # BIP 350
        ("T" + "A" * 33, None),
    ],
)
def test_crypto_addresses_are_checked_by_their_checksum(address, network):
    assert network_of(address) == network


def test_masked_details_keep_the_ends_of_an_iban_or_address():
    assert masked("IBAN DE89 3704 0044 0532 0130 00, Ana") == "IBAN DE89 •••• 0 00, Ana"
    assert masked("USDT TRC-20 TR7NHqjeKQxGTCi8q8ZY4pL8otSzgjLj6t") == "USDT TRC-20 TR7N •••• Lj6t"
