from django import forms
from django.conf import settings
from django.core.validators import URLValidator

from dateline.core import formstamp
from dateline.core.forms import EmailAddressField

from .markup import clean_text
from .models import CommentReport


class BodyField(forms.CharField):
    def __init__(self, **kwargs):
        super().__init__(
            widget=forms.Textarea(attrs={"rows": 5, "maxlength": settings.COMMENTS_MAX_LENGTH}),
            error_messages={"required": "Write something before posting."},
            strip=False,
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        cleaned = clean_text(value)
        if not cleaned:
            raise forms.ValidationError("Write something before posting.")
        if len(cleaned) > settings.COMMENTS_MAX_LENGTH:
            raise forms.ValidationError(
                f"Your comment is {len(cleaned):,} characters long; "
                f"the limit is {settings.COMMENTS_MAX_LENGTH:,}. Please shorten it."
            )
        return cleaned


class CommentForm(forms.Form):
    article = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        max_value=2**62,
        error_messages=dict.fromkeys(
            ("required", "invalid", "min_value", "max_value"),
            "This article does not exist or is not published.",
        ),
    )
    parent = forms.IntegerField(
        widget=forms.HiddenInput,
        required=False,
        min_value=1,
        max_value=2**62,
        error_messages=dict.fromkeys(
            ("invalid", "min_value", "max_value"),
            "The comment you are replying to is not on this article.",
        ),
    )
    name = forms.CharField(
        max_length=80,
        required=False,
        error_messages={"max_length": "Your name can be %(limit_value)d characters at most."},
        widget=forms.TextInput(attrs={"autocomplete": "name", "maxlength": 80}),
    )
    email = EmailAddressField(required=False, help_text="Never shown.")
    url = forms.URLField(
        label="Website",
        required=False,
        max_length=200,
        assume_scheme="https",
        validators=[URLValidator(schemes=["http", "https"])],
        error_messages={"invalid": "Enter a web address starting with http:// or https://."},
    )
    body = BodyField(label="Comment")
    notify = forms.BooleanField(label="Email me when someone replies", required=False)
    # Hidden from people by CSS; bots that fill every field fill this one.
    phone = forms.CharField(required=False, label="Leave this empty")
    issued = forms.CharField(widget=forms.HiddenInput, required=False)
    post_key = forms.RegexField(
        regex=r"^[A-Za-z0-9-]{8,64}$", required=False, widget=forms.HiddenInput
    )

    def __init__(self, *args, signed_in: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.signed_in = signed_in
        for name in ("name", "email", "url", "notify", "body", "phone"):
            self.fields[name].widget.attrs.setdefault("id", f"comment-{name}")

    def general_errors(self) -> list[str]:
        """Errors the reader cannot fix in a visible field: shown at the top of the form."""
        hidden = [str(error) for field in self.hidden_fields() for error in field.errors]
        return [*self.non_field_errors(), *hidden]

    def clean(self):
        data = super().clean()
        if data.get("phone"):
            raise forms.ValidationError("Your comment could not be accepted.", code="honeypot")
        self._check_fill_time(data.get("issued") or "")
        if not self.signed_in:
            if not (data.get("name") or "").strip() and "name" not in self.errors:
                self.add_error("name", "Tell us your name (it is shown with your comment).")
            if not data.get("email") and "email" not in self.errors:
                self.add_error("email", "Enter your email address; it is never shown.")
        return data

    def _check_fill_time(self, stamp: str) -> None:
        message = formstamp.problem(stamp, min_seconds=settings.COMMENTS_MIN_FILL_SECONDS)
        if message:
            raise forms.ValidationError(message, code="stamp")


class EditForm(forms.Form):
    body = BodyField(label="Comment")


class ReportForm(forms.Form):
    reason = forms.ChoiceField(
        choices=CommentReport.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose why you are reporting this comment."},
    )
    note = forms.CharField(
        required=False,
        max_length=500,
        label="Anything moderators should know (optional)",
        widget=forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
    )


class EraseRequestForm(forms.Form):
    email = EmailAddressField(error_messages={"required": "Enter your email address."})


class EraseConfirmForm(forms.Form):
    remove_text = forms.BooleanField(
        required=False, label="Also remove the text of my comments (they will show as deleted)"
    )
