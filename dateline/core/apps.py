from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "dateline.core"
    label = "core"
    verbose_name = "Dateline core"

    def ready(self) -> None:
        from django.urls import converters, register_converter

        from .ids import IdConverter

        # `<id:pk>` in every app's URLs: ids too large for a key are a 404, not a crash.
        if "id" not in converters.get_converters():
            register_converter(IdConverter, "id")
        # checks, kinds of email and @receiver functions register themselves on import.
        from . import checks, notifications, signals  # noqa: F401
