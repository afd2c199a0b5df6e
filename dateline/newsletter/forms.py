from django import forms
from django.conf import settings

from dateline.core import formstamp
from dateline.newsroom.models import SectionPage

from .models import Newsletter, Subscription

# Where a signup form sits: "popup" is over an article, "page-popup" over any other page.
SOURCES = ["page", "footer", "article", "popup", "page-popup"]


class SignupForm(forms.Form):
    email = forms.CharField(
        max_length=254,
        error_messages={
            "required": "Enter your email address.",
            "max_length": "That email address is too long.",
        },
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    newsletters = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    source = forms.ChoiceField(choices=[(s, s) for s in SOURCES], widget=forms.HiddenInput)
    leave_empty = forms.CharField(required=False, label="Leave this empty")
    # Set by forms that show the newsletters: then none ticked means none, not "the defaults".
    choices_shown = forms.BooleanField(required=False, widget=forms.HiddenInput)
    issued = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        active = Newsletter.objects.filter(is_active=True)
        self.fields["newsletters"].choices = [(n.slug, n.name) for n in active]
        self.fields["newsletters"].initial = [n.slug for n in active if n.selected_by_default]

    def clean(self):
        data = super().clean()
        if data.get("leave_empty"):
            raise forms.ValidationError("Your signup could not be accepted.", code="honeypot")
        message = formstamp.problem(
            data.get("issued") or "", min_seconds=settings.NEWSLETTER_MIN_FILL_SECONDS
        )
        if message:
            raise forms.ValidationError(message, code="stamp")
        if (
            data.get("choices_shown")
            and not data.get("newsletters")
            and "newsletters" not in self.errors
        ):
            self.add_error("newsletters", "Choose at least one newsletter.")
        return data


class PreferencesForm(forms.Form):
    newsletters = forms.MultipleChoiceField(
        required=False, widget=forms.CheckboxSelectMultiple, choices=()
    )
    sections = forms.TypedMultipleChoiceField(
        required=False,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        choices=(),
        label="Sections in my digests",
        help_text="None ticked: every section.",
    )
    new_email = forms.CharField(
        required=False,
        max_length=254,
        label="New email address",
        error_messages={"max_length": "That email address is too long."},
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )

    def __init__(self, *args, subscriber, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["newsletters"].choices = [
            (n.slug, n.name) for n in Newsletter.objects.filter(is_active=True)
        ]
        if subscriber.status != subscriber.Status.UNSUBSCRIBED:
            self.fields["newsletters"].initial = list(
                subscriber.subscriptions.values_list("newsletter__slug", flat=True)
            )
        self.fields["sections"].choices = list(
            SectionPage.objects.live().order_by("path").values_list("pk", "title")
        )
        self.fields["sections"].initial = list(
            Subscription.sections.through.objects.filter(
                subscription__subscriber=subscriber,
                subscription__newsletter__kind=Newsletter.Kind.DIGEST,
            ).values_list("sectionpage_id", flat=True)
        )
