from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "dateline.newsletter"
    label = "newsletter"
    verbose_name = "Mailing list"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import notifications, signals  # noqa: F401 (kinds of email, receivers)
