from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting


@register_setting(icon="mail")
class MailingListSettings(BaseSiteSetting):
    """The signup copy readers see, and the list's own rules."""

    popup_title = models.CharField(max_length=120, default="Hi - We Would Love To Keep In Touch")
    popup_body = models.TextField(
        default="If you liked this article then please consider joining our mailing list to "
        "receive the latest news, updates and opportunities from our team."
    )
    after_submit = models.TextField(
        default="We don't want an impostor using your email address so please look for an "
        "email from us and click the link to confirm your email address."
    )
    popup_enabled = models.BooleanField("show the popup", default=True)
    popup_on = models.CharField(
        "show the popup on",
        max_length=10,
        choices=[("articles", "Articles"), ("all", "Every page")],
        default="articles",
    )
    popup_delay_seconds = models.PositiveSmallIntegerField(
        default=20, help_text="Seconds on the page before the popup may appear."
    )
    popup_read_percent = models.PositiveSmallIntegerField(
        default=50,
        validators=[MinValueValidator(10), MaxValueValidator(100)],
        help_text="How far through the article (or page) the reader must have read (10-100).",
    )
    welcome_email = models.BooleanField(
        "send a welcome email", default=False, help_text="After an address is confirmed."
    )
    blocked_domains = models.TextField(
        blank=True,
        help_text="One domain per line: signups from these get the usual answer and no email.",
    )

    panels = [
        MultiFieldPanel(
            [FieldPanel("popup_title"), FieldPanel("popup_body"), FieldPanel("after_submit")],
            heading="Signup copy",
        ),
        MultiFieldPanel(
            [
                FieldPanel("popup_enabled"),
                FieldPanel("popup_on"),
                FieldPanel("popup_delay_seconds"),
                FieldPanel("popup_read_percent"),
            ],
            heading="Popup",
        ),
        FieldPanel("welcome_email"),
        FieldPanel("blocked_domains"),
    ]

    class Meta:
        verbose_name = "mailing list settings"

    def blocked(self) -> set[str]:
        return {line.strip().lower() for line in self.blocked_domains.splitlines() if line.strip()}


class Newsletter(models.Model):
    class Kind(models.TextChoices):
        DIGEST = "digest", "Daily digest"
        BREAKING = "breaking", "Breaking news"
        SECTION = "section", "A section's news"
        OTHER = "other", "Other"

    name = models.CharField(max_length=100)
    slug = models.SlugField(unique=True)
    description = models.CharField(max_length=300, blank=True)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.OTHER)
    section = models.ForeignKey(
        "newsroom.SectionPage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    is_active = models.BooleanField(default=True)
    selected_by_default = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("kind"),
        FieldPanel("section"),
        FieldPanel("is_active"),
        FieldPanel("selected_by_default"),
        FieldPanel("position"),
    ]

    class Meta:
        ordering = ["position", "name"]

    def __str__(self) -> str:
        return self.name


class Subscriber(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for confirmation"
        CONFIRMED = "confirmed", "Confirmed"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    # Normalised by email-validator: the domain lower-cased and IDNA-checked, the local part
    # as the reader typed it (its case can matter to the receiving server).
    email = models.EmailField(max_length=254)
    # Python's lower-casing of `email`, the one key for lookups and uniqueness: databases
    # lower-case non-ASCII letters differently (SQLite not at all).
    email_key = models.CharField(max_length=254, unique=True, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)
    # Confirmation emails sent on `confirmations_day`: at most three a day per address.
    confirmations_day = models.DateField(null=True, blank=True)
    confirmations_sent = models.PositiveSmallIntegerField(default=0)
    newsletters = models.ManyToManyField(Newsletter, through="Subscription", related_name="+")

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
                name="subscriber_confirmed_has_date",
            ),
        ]

    def __str__(self) -> str:
        return self.email


class Subscription(models.Model):
    subscriber = models.ForeignKey(
        Subscriber, on_delete=models.CASCADE, related_name="subscriptions"
    )
    newsletter = models.ForeignKey(Newsletter, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["subscriber", "newsletter"], name="subscription_once_per_newsletter"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subscriber} → {self.newsletter}"


class ConsentRecord(models.Model):
    """What a reader agreed to, when, where and to which words: the list's proof of consent."""

    class Action(models.TextChoices):
        REQUESTED = "requested", "Asked to subscribe"
        CONFIRMED = "confirmed", "Confirmed the address"
        CHANGED = "changed", "Changed newsletters"
        UNSUBSCRIBED = "unsubscribed", "Unsubscribed"

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="consents")
    action = models.CharField(max_length=12, choices=Action.choices)
    at = models.DateTimeField()
    source = models.CharField(max_length=40, help_text="Which form: popup, footer, article, page.")
    copy = models.TextField(blank=True, help_text="The words the reader was shown.")
    newsletters = models.CharField(max_length=500, blank=True)
    # A keyed hash: proves a match with a known address, reveals nothing by itself.
    ip_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} ({self.source})"


class SuppressedAddress(models.Model):
    """An address the list must never email: it bounced, complained, or asked by other means."""

    class Reason(models.TextChoices):
        MANUAL = "manual", "Added by an operator"
        BOUNCE = "bounce", "Hard bounce"
        COMPLAINT = "complaint", "Spam complaint"

    email = models.EmailField(max_length=254)
    email_key = models.CharField(max_length=254, unique=True, editable=False)
    reason = models.CharField(max_length=10, choices=Reason.choices, default=Reason.MANUAL)
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.email
