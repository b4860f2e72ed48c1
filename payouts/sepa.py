"""SEPA credit transfer initiation (ISO 20022 `pain.001.001.09`) for a payment run: pure, no
ORM. `credit_transfer_xml(batch)` returns the XML bytes the bank's upload takes.

One group header (message id, creation time, number of transactions, control sum), one payment
information block debiting the firm's account, one credit transfer per payout: its end-to-end id
names the payout, the creditor is the trader's IBAN (validated by schwifty) and name, amounts are
in EUR with two decimals.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from decimal import Decimal

from schwifty import BIC, IBAN

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"
# The SEPA character set (EPC guidelines): other characters are replaced before export.
SEPA_TEXT = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
BANK_DETAILS = re.compile(r"^IBAN (?P<iban>[A-Z0-9 ]+), (?P<holder>.+)$")


class SepaError(ValueError):
    """A payout or the debtor cannot go into a SEPA file; the message says which and why."""


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str  # ≤ 35 characters
    amount: Decimal
    creditor_name: str
    creditor_iban: str
    remittance: str


@dataclass(frozen=True)
class Batch:
    message_id: str
    created_at: dt.datetime
    execution_date: dt.date
    debtor_name: str
    debtor_iban: str
    debtor_bic: str
    transfers: tuple[Transfer, ...]

    @property
    def control_sum(self) -> Decimal:
        return sum((t.amount for t in self.transfers), Decimal("0.00"))


def bank_destination(details: str) -> tuple[str, str] | None:
    """(IBAN, holder) from a payout's bank details as the payee form writes them
    ("IBAN DE89 3704 0044 0532 0130 00, Ana Trader"), or None when they are not of that form or
    the IBAN does not validate."""
    match = BANK_DETAILS.match(details.strip())
    if match is None:
        return None
    try:
        iban = IBAN(match["iban"])
    except ValueError:
        return None
    return iban.compact, match["holder"].strip()


def sepa_text(value: str, limit: int) -> str:
    return SEPA_TEXT.sub(" ", value).strip()[:limit] or "-"


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _account(parent: ET.Element, tag: str, iban: str) -> None:
    _sub(_sub(_sub(parent, tag), "Id"), "IBAN", iban)


def _agent(parent: ET.Element, tag: str, bic: str) -> None:
    institution = _sub(_sub(parent, tag), "FinInstnId")
    if bic:
        _sub(institution, "BICFI", bic)
    else:  # IBAN-only: no BIC needed inside SEPA
        _sub(_sub(institution, "Othr"), "Id", "NOTPROVIDED")


def credit_transfer_xml(batch: Batch) -> bytes:
    """The pain.001.001.09 document of `batch` (UTF-8, with the XML declaration)."""
    if not batch.transfers:
        raise SepaError("A SEPA file needs at least one transfer.")
    try:
        debtor_iban = IBAN(batch.debtor_iban).compact
        debtor_bic = str(BIC(batch.debtor_bic)) if batch.debtor_bic else ""
    except ValueError as exc:
        raise SepaError(f"The firm's debtor account is not valid: {exc}") from exc
    count, total = str(len(batch.transfers)), f"{batch.control_sum:.2f}"
    root = ET.Element("Document", xmlns=NAMESPACE)
    initiation = _sub(root, "CstmrCdtTrfInitn")
    header = _sub(initiation, "GrpHdr")
    _sub(header, "MsgId", batch.message_id)
    _sub(header, "CreDtTm", batch.created_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S"))
    _sub(header, "NbOfTxs", count)
    _sub(header, "CtrlSum", total)
    _sub(_sub(header, "InitgPty"), "Nm", sepa_text(batch.debtor_name, 70))

    info = _sub(initiation, "PmtInf")
    _sub(info, "PmtInfId", batch.message_id)
    _sub(info, "PmtMtd", "TRF")
    _sub(info, "BtchBookg", "true")
    _sub(info, "NbOfTxs", count)
    _sub(info, "CtrlSum", total)
    _sub(_sub(_sub(info, "PmtTpInf"), "SvcLvl"), "Cd", "SEPA")
    _sub(_sub(info, "ReqdExctnDt"), "Dt", batch.execution_date.isoformat())
    _sub(_sub(info, "Dbtr"), "Nm", sepa_text(batch.debtor_name, 70))
    _account(info, "DbtrAcct", debtor_iban)
    _agent(info, "DbtrAgt", debtor_bic)
    _sub(info, "ChrgBr", "SLEV")
    for transfer in batch.transfers:
        item = _sub(info, "CdtTrfTxInf")
        _sub(_sub(item, "PmtId"), "EndToEndId", transfer.end_to_end_id)
        _sub(_sub(item, "Amt"), "InstdAmt", f"{transfer.amount:.2f}", Ccy="EUR")
        _sub(_sub(item, "Cdtr"), "Nm", sepa_text(transfer.creditor_name, 70))
        _account(item, "CdtrAcct", transfer.creditor_iban)
        _sub(_sub(item, "RmtInf"), "Ustrd", sepa_text(transfer.remittance, 140))
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True)
