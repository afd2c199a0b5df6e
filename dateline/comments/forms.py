import ipaddress
from datetime import datetime, timedelta

from django import forms
from django.conf import settings
from django.core.validators import URLValidator
from django.utils import timezone

from dateline.core import formstamp
from dateline.core.forms import EmailAddressField, IdChoiceField, IdField
from dateline.newsroom.models import SectionPage

from .markup import clean_text
from .models import Comment, CommentReport
from .networks import BadNetwork, ban_network, neighbourhood


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


# The moderation desk's forms.

QUEUES = [
    ("pending", "Pending"),
    ("reported", "Reported"),
    ("approved", "Approved"),
    ("rejected", "Rejected"),
    ("spam", "Spam"),
    ("deleted", "Deleted"),
    ("all", "All"),
]


class QueueFilters(forms.Form):
    """The queue's filters, all optional: a filter with bad input is shown with its error
    and left out; the others still apply."""

    status = forms.ChoiceField(choices=QUEUES, required=False, widget=forms.HiddenInput)
    q = forms.CharField(
        label="Search",
        required=False,
        max_length=200,
        widget=forms.SearchInput(attrs={"placeholder": "Text, name, email or headline"}),
    )
    article = IdField(required=False, widget=forms.HiddenInput)
    article_title = forms.CharField(
        label="Article",
        required=False,
        max_length=255,
        widget=forms.TextInput(
            attrs={"list": "comment-article-titles", "placeholder": "Part of a headline"}
        ),
    )
    section = IdChoiceField(SectionPage.objects.all(), required=False, empty_label="Any section")
    email = forms.CharField(required=False, max_length=254)
    ip = forms.GenericIPAddressField(
        label="IP address",
        required=False,
        error_messages={"invalid": "Enter an IP address such as 192.0.2.7 or 2001:db8::7."},
    )

    def __init__(self, data, **kwargs):
        super().__init__(data, **kwargs)
        self.is_valid()  # every field that is valid applies, whatever the others hold

    def queue(self) -> str:
        """The tab: as asked; else everything for a search, the pending comments otherwise."""
        data = self.cleaned_data
        return data.get("status") or ("all" if data.get("q") else "pending")

    def filtered(self):
        data = self.cleaned_data
        comments = Comment.objects.in_queue(self.queue())
        if data.get("q"):
            comments = comments.matching(data["q"])
        if data.get("article"):
            comments = comments.filter(article_id=data["article"])
        if data.get("article_title", "").strip():
            comments = comments.filter(article__title__icontains=data["article_title"].strip())
        if data.get("section"):
            comments = comments.filter(article__path__startswith=data["section"].path)
        if data.get("email", "").strip():
            comments = comments.filter(author_email__iexact=data["email"].strip())
        if data.get("ip"):
            comments = comments.filter(ip_address=data["ip"])
        return comments.select_related("article").order_by("-created_at", "-pk")


BAN_DURATIONS = [
    ("1", "1 day"),
    ("7", "7 days"),
    ("30", "30 days"),
    ("365", "1 year"),
    ("forever", "For good"),
]
BAN_TARGETS = [
    ("email", "Their email address"),
    ("ip", "Their IP address (an IPv6 address: its /64)"),
    ("network", "A network"),
]


class BanForm(forms.Form):
    """What to ban (the moderator's choice: an address, an IP or a network), for how long
    and why. Pre-filled from a comment, it bans the email address unless told otherwise:
    readers behind the same IP are not banned with a spammer by default."""

    target = forms.ChoiceField(
        label="Ban",
        choices=BAN_TARGETS,
        initial="email",
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what to ban."},
    )
    email = EmailAddressField(label="Email address", required=False)
    ip = forms.CharField(
        label="IP address",
        required=False,
        max_length=45,
        help_text="An IPv6 address bans its /64, the block one customer's devices share.",
    )
    network = forms.CharField(
        label="Network",
        required=False,
        max_length=49,
        help_text="A prefix such as 203.0.113.0/24 (/16 at most) or 2001:db8:7::/48 (/32 at most).",
    )
    duration = forms.ChoiceField(
        choices=BAN_DURATIONS,
        initial="7",
        error_messages={"required": "Choose how long the ban lasts."},
    )
    reason = forms.CharField(
        max_length=300,
        help_text="For moderators; the commenter is not told.",
        error_messages={"required": "Give a reason for the ban."},
    )

    def __init__(self, data=None, *args, **kwargs):
        if data is not None and not data.get("target"):
            data = self.with_target_inferred(data)
        super().__init__(data, *args, **kwargs)

    @staticmethod
    def with_target_inferred(data):
        """A ban posted without a choice (a script, the form before there was one) bans
        the one thing it names: a prefix (under Network, or under IP as it used to be), an IP
        or an address. None or several leave the choice missing, and the form says so."""
        data = data.copy()
        ip = (data.get("ip") or "").strip()
        if not data.get("network") and "/" in ip:
            data["network"], data["ip"] = ip, ""
        named = [t for t in ("network", "ip", "email") if (data.get(t) or "").strip()]
        if len(named) == 1:
            data["target"] = named[0]
        return data

    @classmethod
    def for_comment(cls, comment: Comment, data=None) -> "BanForm":
        return cls(
            data,
            initial={
                "target": "email" if comment.author_email else "ip",
                "email": comment.author_email,
                "ip": comment.ip_address or "",
                "network": comment.ip_block or neighbourhood(comment.ip_address),
            },
        )

    def clean_ip(self) -> str:
        text = self.cleaned_data["ip"].strip()
        if text and "/" in text:
            raise forms.ValidationError("Enter one address here; a prefix goes under Network.")
        if text:
            try:
                ipaddress.ip_address(text)
            except ValueError:
                raise forms.ValidationError(
                    "Enter an IP address such as 192.0.2.7 or 2001:db8::7."
                ) from None
        return text

    def clean_network(self) -> str:
        text = self.cleaned_data["network"].strip()
        if text:
            try:
                ban_network(text)
            except BadNetwork as bad:
                raise forms.ValidationError(str(bad)) from None
        return text

    def clean(self):
        data = super().clean()
        target = data.get("target")
        missing = {
            "email": "Enter the email address to ban.",
            "ip": "Enter the IP address to ban.",
            "network": "Enter the network to ban, such as 203.0.113.0/24.",
        }
        if target in missing and not data.get(target) and target not in self.errors:
            self.add_error(target, missing[target])
        return data

    def banned(self) -> tuple[str, str]:
        """The email address and the IP or prefix to ban: what the moderator chose only."""
        target = self.cleaned_data["target"]
        if target == "email":
            return self.cleaned_data["email"], ""
        return "", self.cleaned_data[target]

    def until(self) -> datetime | None:
        days = self.cleaned_data["duration"]
        return None if days == "forever" else timezone.now() + timedelta(days=int(days))
