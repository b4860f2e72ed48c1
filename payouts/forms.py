"""Input of the payout pages: parsed here, decided in `payouts.services`."""

import re
from decimal import Decimal

from django import forms
from django.core.validators import validate_email
from schwifty import IBAN

from accounts.models import PayoutMethod
from config.forms import FilterDateField

from .addresses import network_of
from .eligibility import to_cents_down


class PayoutAmountForm(forms.Form):
    """How much of the eligible profit to withdraw (default all), quantized down to the cent."""

    amount = forms.DecimalField(
        label="Amount of profit to withdraw",
        min_value=Decimal("0.01"),
        max_digits=20,
        widget=forms.NumberInput(attrs={"step": "0.01", "inputmode": "decimal"}),
    )

    def __init__(self, *args, eligible_amount: Decimal, **kwargs):
        super().__init__(*args, **kwargs)
        self.eligible_amount = eligible_amount
        self.fields["amount"].widget.attrs["max"] = str(eligible_amount)

    def clean_amount(self) -> Decimal:
        amount = to_cents_down(self.cleaned_data["amount"])
        if amount <= 0:
            raise forms.ValidationError("The amount must be at least 0.01.")
        if amount > self.eligible_amount:
            raise forms.ValidationError(f"At most {self.eligible_amount} can be withdrawn.")
        return amount


class RejectForm(forms.Form):
    reason = forms.CharField(
        label="Reason (shown to the trader)",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class PayForm(forms.Form):
    reference = forms.CharField(label="Payment reference", max_length=128)


class ExportForm(forms.Form):
    paid_from = FilterDateField(label="Paid from (UTC date)")
    paid_to = FilterDateField(label="Paid before (UTC date)")


class PayeeDestinationForm(forms.Form):
    """Where the trader wants to be paid, checked by format before anything is sent:
    bank → an IBAN (checksum and country format, `schwifty`) and the account holder;
    crypto → a USDT address on TRC-20 or ERC-20, or a Bitcoin address, each with its checksum
    verified (`payouts.addresses`); Wise → the Wise account's email address.
    `cleaned_data["details"]` is the text the payment run reads."""

    method = forms.ChoiceField(label="Payout method", choices=PayoutMethod.choices)
    account_holder = forms.CharField(
        label="Account holder (bank transfers)", max_length=140, required=False
    )
    destination = forms.CharField(
        label="IBAN, USDT address or Wise email",
        max_length=200,
        help_text="Bank: your IBAN. Crypto: a USDT address (TRC-20 or ERC-20) or a Bitcoin "
        "address. Wise: your "
        "Wise account's email address.",
    )

    def clean(self):
        data = super().clean()
        method, value = data.get("method"), (data.get("destination") or "").strip()
        if not method or not value:
            return data
        if method == PayoutMethod.BANK:
            holder = " ".join((data.get("account_holder") or "").split())
            if not holder:
                self.add_error("account_holder", "A bank transfer needs the account holder.")
                return data
            if not re.fullmatch(r"[^\W\d_][\w .,'&-]*", holder):
                self.add_error("account_holder", "Use the holder's name as the bank has it.")
                return data
            try:
                iban = IBAN(value)
            except ValueError as exc:
                self.add_error("destination", f"Not a valid IBAN: {exc}.")
                return data
            data["details"] = f"IBAN {iban.formatted}, {holder}"
        elif method == PayoutMethod.CRYPTO:
            network = network_of(value)
            if network is None:
                self.add_error(
                    "destination",
                    "Not a valid address (its checksum or format is wrong): USDT TRC-20 "
                    "(T…, 34 characters), USDT ERC-20 (0x and 40 hexadecimal digits, EIP-55 "
                    "capitals if mixed case) or Bitcoin (1…, 3… or bc1…).",
                )
                return data
            data["details"] = f"{network} {value}"
        else:
            try:
                validate_email(value)
            except forms.ValidationError:
                self.add_error("destination", "Wise payouts need your Wise account's email.")
                return data
            data["details"] = f"Wise {value.lower()}"
        return data
