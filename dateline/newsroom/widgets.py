"""Admin widgets of the newsroom."""

from django.urls import reverse
from wagtail.admin.widgets import AdminTagWidget


class TopicsWidget(AdminTagWidget):
    """Wagtail's tag field (type-ahead, Enter or comma to add) over the newsroom's topics."""

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["attrs"]["data-w-tag-url-value"] = reverse("newsroom_topic_suggestions")
        context["widget"]["help_text"] = "Type to find a topic (or one of its other names)" + (
            "; a new name, followed by Enter or a comma, is added as a new topic."
            if self.free_tagging is not False
            else ". New topics are added under Newsroom → Topics."
        )
        return context
