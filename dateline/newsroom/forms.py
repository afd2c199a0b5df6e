"""Admin forms of the newsroom."""

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from taggit.forms import TagField
from taggit.utils import parse_tags

from .slugs import PageSlugForm
from .widgets import TopicsWidget

if TYPE_CHECKING:
    from .models import Topic

# Topic.name's max_length: models.py imports this module for ArticlePage's form.
TOPIC_NAME_LENGTH = 100


class TopicsField(TagField):
    """Topics by name, as tags are typed: a known name or alias is its topic, a new name
    becomes a new topic as soon as the form is checked (as WordPress adds a typed tag)."""

    widget = TopicsWidget
    # Off for an editor who may not add topics: only known names and aliases are taken.
    can_create = True

    def clean(self, value) -> list["Topic"]:
        from . import actions, selectors

        names = super().clean(value)
        too_long = [name for name in names if len(name) > TOPIC_NAME_LENGTH]
        if too_long:
            raise ValidationError(
                f"A topic's name has at most {TOPIC_NAME_LENGTH} characters: {', '.join(too_long)}."
            )
        known = selectors.topics_named(names)
        topics: list[Topic] = []
        errors: list[str] = []
        for name in names:
            topic = known.get(name.lower())
            if topic is None and not self.can_create:
                errors.append(f"“{name}” is not a topic, and adding topics is not yours to do.")
                continue
            if topic is None:
                try:
                    topic = actions.topic_create(name=name)
                except ValidationError as error:
                    errors.extend(error.message_dict.get("name", error.messages))
                    continue
            if topic not in topics:
                topics.append(topic)
        if errors:
            raise ValidationError(errors)
        return topics

    def has_changed(self, initial, data) -> bool:
        try:
            typed = {name.lower() for name in parse_tags(data or "")}
        except ValueError:
            return True
        return typed != {topic.name.lower() for topic in initial or []}


class ArticlePageForm(PageSlugForm):
    topics = TopicsField(label="Topics", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["topics"]
        field.can_create = self.for_user is None or self.for_user.has_perm("newsroom.add_topic")
        field.widget.free_tagging = field.can_create
