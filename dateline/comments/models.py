from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting

from dateline.core.site_settings import CachedSiteSetting

from .querysets import CommenterBanQuerySet, CommentQuerySet


class Moderation(models.TextChoices):
    IMMEDIATE = "immediate", "Publish immediately"
    EVERYONE = "everyone", "Pre-moderate everyone"
    UNTIL_TRUSTED = "until_trusted", "Pre-moderate until a commenter is trusted"


@register_setting(icon="comment")
class CommentSettings(CachedSiteSetting, BaseSiteSetting):
    """The site's comment policy; a section can override parts of it."""

    enabled = models.BooleanField("comments enabled", default=True)
    moderation = models.CharField(
        max_length=20, choices=Moderation.choices, default=Moderation.UNTIL_TRUSTED
    )
    trusted_after = models.PositiveSmallIntegerField(
        default=2, help_text="Approved comments after which a commenter's comments publish at once."
    )
    hold_links = models.BooleanField("always hold comments with links", default=True)
    max_links = models.PositiveSmallIntegerField(
        default=3, help_text="Comments with more links than this are refused."
    )
    close_after_days = models.PositiveSmallIntegerField(
        default=14, help_text="Days after publication when comments close; 0 keeps them open."
    )
    max_depth = models.PositiveSmallIntegerField(
        default=3, help_text="Levels of replies, counting the top-level comment as 1."
    )
    per_page = models.PositiveSmallIntegerField(
        default=50, help_text="Top-level comments per page of a thread."
    )
    banned_words = models.TextField(
        blank=True, help_text="One word or phrase per line; comments using them are refused."
    )
    suspect_words = models.TextField(
        blank=True, help_text="One word or phrase per line; comments using them wait for review."
    )
    moderator_emails = models.TextField(
        blank=True,
        help_text="One address per line for digests of held and reported comments. "
        "Empty: every active superuser with an address.",
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("enabled"),
                FieldPanel("moderation"),
                FieldPanel("trusted_after"),
                FieldPanel("hold_links"),
                FieldPanel("max_links"),
            ],
            heading="Moderation",
        ),
        MultiFieldPanel(
            [FieldPanel("close_after_days"), FieldPanel("max_depth"), FieldPanel("per_page")],
            heading="Threads",
        ),
        FieldPanel("banned_words"),
        FieldPanel("suspect_words"),
        FieldPanel("moderator_emails"),
    ]

    class Meta:
        verbose_name = "comment settings"


class SectionCommentPolicy(models.Model):
    """A section's exceptions to the site's comment policy; empty fields inherit."""

    section = models.OneToOneField(
        "newsroom.SectionPage", on_delete=models.CASCADE, related_name="comment_policy"
    )
    moderation = models.CharField(
        max_length=20, choices=Moderation.choices, blank=True, help_text="Empty: as the site."
    )
    trusted_after = models.PositiveSmallIntegerField(null=True, blank=True)
    hold_links = models.BooleanField(null=True, blank=True)
    close_after_days = models.PositiveSmallIntegerField(null=True, blank=True)

    panels = [
        FieldPanel("section"),
        FieldPanel("moderation"),
        FieldPanel("trusted_after"),
        FieldPanel("hold_links"),
        FieldPanel("close_after_days"),
    ]

    class Meta:
        verbose_name = "section comment policy"
        verbose_name_plural = "section comment policies"

    def __str__(self) -> str:
        return f"Comment policy of {self.section}"


class CommentThread(models.Model):
    """Per-article comment state: the editor's switch and the count listings show."""

    class State(models.TextChoices):
        AUTO = "auto", "Open until the section's closing time"
        OPEN = "open", "Open"
        CLOSED = "closed", "Closed"

    article = models.OneToOneField(
        "newsroom.ArticlePage",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="comment_thread",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.AUTO)
    approved_count = models.PositiveIntegerField(default=0)
    last_comment_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Comments on {self.article_id}"


class Comment(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Spam"
        DELETED = "deleted", "Deleted by its author"

    article = models.ForeignKey(
        "newsroom.ArticlePage", on_delete=models.CASCADE, related_name="comments"
    )
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="replies"
    )
    # The top-level comment of the conversation: a page of a thread loads in two queries.
    root = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    depth = models.PositiveSmallIntegerField(default=0)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="comments",
    )
    author_name = models.CharField(max_length=80)
    author_email = models.EmailField(blank=True, db_index=True)
    author_url = models.URLField(max_length=200, blank=True)
    body = models.TextField(help_text="As written, in the Markdown subset.")
    body_html = models.TextField(help_text="Rendered and sanitised.")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    hold_reasons = models.CharField(max_length=300, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True, db_index=True)
    # The address's /24 (IPv4) or /64 (IPv6), set with it: a commenter's history "from the
    # same network" is an exact, indexed match on either database (see networks).
    ip_block = models.CharField(max_length=43, blank=True, db_index=True)
    user_agent = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(db_index=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    edit_token_hash = models.CharField(max_length=64, blank=True)
    # The hash of a secret kept in the writer's browser (one per browser, not per comment):
    # what makes a commenter trusted, since anyone can type anyone's name and address.
    commenter_key_hash = models.CharField(max_length=64, blank=True)
    # A browser-made key per submission: a retried post finds its comment instead of a twin.
    post_key = models.CharField(max_length=64, null=True, blank=True, unique=True)
    body_digest = models.CharField(max_length=64, db_index=True)
    notify_replies = models.BooleanField(default=False)
    # When the parent's author was told of this reply: once, whatever moderation does after.
    reply_notified_at = models.DateTimeField(null=True, blank=True)
    report_count = models.PositiveIntegerField(default=0)
    erased_at = models.DateTimeField(null=True, blank=True)
    imported_from = models.CharField(max_length=120, blank=True)

    objects = CommentQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(
                fields=["article", "status", "depth", "created_at"], name="comment_thread_page"
            ),
            models.Index(fields=["root", "created_at"], name="comment_root"),
            models.Index(fields=["status", "created_at"], name="comment_queue"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(depth=0, parent__isnull=True, root__isnull=True))
                | Q(depth__gt=0, parent__isnull=False, root__isnull=False),
                name="comment_reply_has_parent_and_root",
            ),
            models.UniqueConstraint(
                fields=["imported_from"],
                condition=~Q(imported_from=""),
                name="comment_imported_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.author_name}: {self.body[:60]}"

    def get_absolute_url(self) -> str:
        return reverse("comments:detail", args=[self.pk])

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.APPROVED


class CommentReport(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", "Spam"
        ABUSE = "abuse", "Abuse or harassment"
        OFF_TOPIC = "off_topic", "Off-topic"
        OTHER = "other", "Something else"

    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="reports")
    reason = models.CharField(max_length=10, choices=Reason.choices)
    note = models.CharField(max_length=500, blank=True)
    # A keyed hash of the reporter's address: one report per reader per comment, no raw IP.
    reporter_key = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["comment", "reporter_key"], name="comment_report_once_per_reader"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} report on comment {self.comment_id}"


class CommenterBan(models.Model):
    email = models.EmailField(blank=True, db_index=True)
    # The address the moderator named (a prefix's first address); `ip_network` is what the
    # ban covers: the address itself for IPv4, its /64 for IPv6, or the prefix named.
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    ip_network = models.CharField("IP network", max_length=49, blank=True, db_index=True)
    reason = models.CharField(max_length=300)
    until = models.DateTimeField(null=True, blank=True, help_text="Empty: for good.")
    created_at = models.DateTimeField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)

    objects = CommenterBanQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(email="") | Q(ip_address__isnull=False), name="ban_names_someone"
            )
        ]

    def __str__(self) -> str:
        return f"Ban of {self.email or self.ip_network or self.ip_address}"


class ModerationEvent(models.Model):
    """Who did what to which comment, and when: the moderation log."""

    class Action(models.TextChoices):
        POSTED = "posted", "Posted"
        HELD = "held", "Held for review"
        APPROVED = "approved", "Approved"
        REJECTED = "rejected", "Rejected"
        SPAM = "spam", "Marked as spam"
        EDITED = "edited", "Edited by its author"
        DELETED = "deleted", "Deleted by its author"
        REPORTED = "reported", "Reported"
        REPORTS_DISMISSED = "reports_dismissed", "Reports dismissed"
        ERASED = "erased", "Personal data erased"
        BANNED = "banned", "Commenter banned"
        UNBANNED = "unbanned", "Ban lifted"
        THREAD_STATE = "thread_state", "Thread opened or closed"
        IMPORTED = "imported", "Imported"

    action = models.CharField(max_length=20, choices=Action.choices)
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    article = models.ForeignKey(
        "newsroom.ArticlePage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ban = models.ForeignKey(
        CommenterBan, null=True, blank=True, on_delete=models.SET_NULL, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # "system", "reader" or the moderator's name as it was at the time.
    actor_label = models.CharField(max_length=150)
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(db_index=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self) -> str:
        return f"{self.get_action_display()} by {self.actor_label}"


class ModeratorAlert(models.Model):
    """A held or reported comment waiting to go out in the next moderators' digest."""

    class Kind(models.TextChoices):
        HELD = "held", "Held for review"
        REPORTED = "reported", "Reported"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: comment {self.comment_id}"


class ReplyNotificationAddress(models.Model):
    """An address's consent to reply notifications: confirmed by its owner, or not at all."""

    email = models.EmailField(unique=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    opted_out_at = models.DateTimeField(null=True, blank=True)
    last_confirmation_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.email

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.opted_out_at is None
