"""Input of the payout pages: parsed here, decided in `payouts.services`."""

from decimal import Decimal

from django import forms

from config.forms import FilterDateField

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
