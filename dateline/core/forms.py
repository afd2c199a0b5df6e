"""Form fields every app's forms share: typed email addresses and ids."""

from django import forms
from django.core.exceptions import ValidationError

from .addresses import MAX_LENGTH, BadAddress, email_normalise
from .ids import MAX_ID, parse_id


class EmailAddressField(forms.CharField):
    """An address checked and normalised by dateline.core.addresses, with why it is refused."""

    widget = forms.EmailInput
    default_error_messages = {"invalid": "Enter an email address like name@example.com."}

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", MAX_LENGTH)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("autocomplete", "email")

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return ""
        try:
            return email_normalise(value)
        except BadAddress as bad:
            raise ValidationError(
                f"{self.error_messages['invalid']} {bad.message}", code="invalid"
            ) from None


class IdField(forms.IntegerField):
    """An id typed into a form or a query string: a positive number a key can hold."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class IdChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose out-of-range ids are an invalid choice, not a crash."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if not isinstance(value, self.queryset.model) and parse_id(value) is None:
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return super().to_python(value)
