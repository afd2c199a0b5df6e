import calendar
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel, PageChooserPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.models import Orderable

from dateline.core.site_settings import CachedSiteSetting

# The signup forms on an article (under it, and the popup over it) speak of the article.
ARTICLE_SOURCES = frozenset({"article", "popup"})


@register_setting(icon="mail")
class MailingListSettings(CachedSiteSetting, BaseSiteSetting):
    """The signup copy readers see, and the list's own rules."""

    popup_title = models.CharField(max_length=120, default="Hi - We Would Love To Keep In Touch")
    popup_body = models.TextField(
        "copy on articles",
        default="If you liked this article then please consider joining our mailing list to "
        "receive the latest news, updates and opportunities from our team.",
        help_text="Under an article and in the popup over it.",
    )
    page_body = models.TextField(
        "copy on other pages",
        default="Join our mailing list to receive the latest news, updates and opportunities "
        "from our team by email.",
        help_text="The front page, sections and every other page, and the list's own page.",
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
            [
                FieldPanel("popup_title"),
                FieldPanel("popup_body"),
                FieldPanel("page_body"),
                FieldPanel("after_submit"),
            ],
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

    def copy_for(self, source: str) -> str:
        """The words beside the form a signup came from (forms.SOURCES)."""
        return self.popup_body if source in ARTICLE_SOURCES else self.page_body

    def blocked(self) -> set[str]:
        return {line.strip().lower() for line in self.blocked_domains.splitlines() if line.strip()}


WEEKDAYS = list(enumerate(calendar.day_name))


class Frequency(models.TextChoices):
    DAILY = "daily", "Daily"
    WEEKLY = "weekly", "Weekly"


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
    frequency = models.CharField(
        "digest frequency",
        max_length=6,
        choices=Frequency.choices,
        default=Frequency.DAILY,
        help_text="For digests: how often the new articles go out.",
    )
    send_time = models.TimeField(
        "digest time",
        default=time(7, 0),
        help_text="For digests: the local time (the site's time zone) they go out.",
    )
    send_weekday = models.PositiveSmallIntegerField(
        "weekly digest day", choices=WEEKDAYS, default=0
    )

    panels = [
        FieldPanel("name"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("kind"),
        FieldPanel("section"),
        FieldPanel("is_active"),
        FieldPanel("selected_by_default"),
        FieldPanel("position"),
        MultiFieldPanel(
            [FieldPanel("frequency"), FieldPanel("send_time"), FieldPanel("send_weekday")],
            heading="Digest timetable",
        ),
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
    # For digests: the sections the reader chose; none chosen means every section.
    sections = models.ManyToManyField("newsroom.SectionPage", blank=True, related_name="+")

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


class Campaign(ClusterableModel):
    """One send of a newsletter: an issue an editor composed, a digest, or a breaking alert."""

    class Kind(models.TextChoices):
        ISSUE = "issue", "Issue"
        DIGEST = "digest", "Digest"
        ALERT = "alert", "Breaking news alert"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SCHEDULED = "scheduled", "Scheduled"
        SENDING = "sending", "Sending"
        PAUSED = "paused", "Paused"
        CANCELLED = "cancelled", "Cancelled"
        SENT = "sent", "Sent"
        NOTHING_NEW = "nothing", "Nothing new to send"

    newsletter = models.ForeignKey(Newsletter, on_delete=models.PROTECT, related_name="campaigns")
    kind = models.CharField(max_length=6, choices=Kind.choices, default=Kind.ISSUE)
    subject = models.CharField(max_length=200)
    intro = models.TextField(
        blank=True, help_text="A few paragraphs above the articles; blank lines separate them."
    )
    status = models.CharField(max_length=9, choices=Status.choices, default=Status.DRAFT)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    # Digests and alerts: the one send per newsletter and period, or per article.
    key = models.CharField(max_length=100, unique=True, null=True, blank=True, editable=False)
    period_start = models.DateTimeField(null=True, blank=True, editable=False)
    period_end = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True, editable=False)
    finished_at = models.DateTimeField(null=True, blank=True, editable=False)
    recipients_total = models.PositiveIntegerField(default=0, editable=False)
    # The last trouble a worker met (a server refusing connections, say), for the admin.
    last_error = models.CharField(max_length=500, blank=True, editable=False)

    panels = [
        FieldPanel("newsletter"),
        FieldPanel("subject"),
        FieldPanel("intro"),
        InlinePanel("items", heading="Articles", label="Article", min_num=1),
    ]

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "newsletter issue"

    def __str__(self) -> str:
        return self.subject

    def get_absolute_url(self) -> str:
        """The "view in browser" page: the issue as sent, without anyone's links."""
        return reverse("newsletter:issue", args=[self.pk])

    def clean(self) -> None:
        super().clean()
        if self.pk and not self.editable:
            raise ValidationError("This send has started: what went out cannot be changed.")

    @property
    def editable(self) -> bool:
        return self.status in {self.Status.DRAFT, self.Status.SCHEDULED}

    @property
    def started(self) -> bool:
        return self.started_at is not None

    @property
    def status_label(self) -> str:
        """The status as the admin says it: "Draft", "Scheduled for 2026-12-02 09:00 EET"."""
        when = None
        if self.status == self.Status.SCHEDULED:
            when = self.scheduled_at
        elif self.status in {self.Status.SENT, self.Status.CANCELLED}:
            when = self.finished_at
        elif self.status == self.Status.SENDING:
            when = self.started_at
        label = self.get_status_display()
        if when is None:
            return label
        preposition = {"scheduled": "for", "sending": "since"}.get(self.status, "on")
        stamp = date_format(timezone.localtime(when), "Y-m-d H:i T")
        return f"{label} {preposition} {stamp}"


class CampaignArticle(Orderable):
    campaign = ParentalKey(Campaign, on_delete=models.CASCADE, related_name="items")
    article = models.ForeignKey(
        "newsroom.ArticlePage", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # What the editor picked, kept so that a deleted article can still be named.
    headline = models.CharField(max_length=255, blank=True, editable=False)

    panels = [PageChooserPanel("article", "newsroom.ArticlePage")]

    def __str__(self) -> str:
        return self.headline or str(self.article)

    def save(self, *args, **kwargs):
        if self.article is not None:
            self.headline = self.article.title[:255]
        super().save(*args, **kwargs)


class CampaignVariant(models.Model):
    """The message as rendered once for everyone who gets the same articles.

    Personal links are placeholders, filled in per recipient at sending time.
    """

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="variants")
    key = models.CharField(max_length=200)
    subject = models.CharField(max_length=200)
    html = models.TextField()
    text = models.TextField()
    article_count = models.PositiveSmallIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "key"], name="variant_once_per_campaign")
        ]

    def __str__(self) -> str:
        return f"{self.campaign} ({self.key})"


class Delivery(models.Model):
    """One recipient of one send, frozen when the send starts; the record of what happened."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        CLAIMED = "claimed", "Claimed by a worker"
        # Handed to the mail server, acceptance not yet recorded: after a crash, in doubt.
        ATTEMPTING = "attempting", "Being sent"
        SENT = "sent", "Sent"
        DEFERRED = "deferred", "Deferred (will retry)"
        FAILED = "failed", "Failed"
        SKIPPED = "skipped", "Skipped (left the list)"
        IN_DOUBT = "in_doubt", "In doubt"
        CANCELLED = "cancelled", "Cancelled"

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="deliveries")
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="+")
    variant = models.ForeignKey(CampaignVariant, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claim = models.CharField(max_length=80, blank=True)
    claim_expires_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=300, blank=True)
    # The email service's id for the message, when it gives one: how its webhooks find it.
    provider_message_id = models.CharField(max_length=200, blank=True, db_index=True)
    bounced_at = models.DateTimeField(null=True, blank=True)
    complained_at = models.DateTimeField(null=True, blank=True)
    unsubscribed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "subscriber"], name="delivery_once_per_subscriber"
            ),
        ]
        indexes = [
            models.Index(fields=["campaign", "status", "next_attempt_at"], name="delivery_due"),
        ]
        verbose_name_plural = "deliveries"

    def __str__(self) -> str:
        return f"{self.campaign_id} → {self.subscriber_id}: {self.status}"


class MailEvent(models.Model):
    """A bounce or complaint, from an email service's webhook or a returned DSN."""

    class Kind(models.TextChoices):
        HARD_BOUNCE = "hard_bounce", "Hard bounce"
        SOFT_BOUNCE = "soft_bounce", "Soft bounce"
        COMPLAINT = "complaint", "Complaint"

    kind = models.CharField(max_length=11, choices=Kind.choices)
    email = models.CharField(max_length=254)
    email_key = models.CharField(max_length=254, db_index=True)
    at = models.DateTimeField()
    source = models.CharField(max_length=40)
    delivery = models.ForeignKey(
        Delivery, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.email}"
