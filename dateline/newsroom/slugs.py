"""Slugs made from a headline or a name, for the admin's forms.

The editor sees the slug follow the headline as it is typed (Wagtail's TitleFieldPanel and
SlugInput); these forms make the same slug on the server when the slug is left blank, so a
first save never fails for want of one, and they repeat a slug's error under the headline
or name, on the tab where the editor is.
"""

from collections.abc import Callable

from django.conf import settings
from django.utils.text import slugify
from wagtail.admin.forms import WagtailAdminModelForm, WagtailAdminPageForm
from wagtail.admin.panels import TitleFieldPanel
from wagtail.models import Page

NO_SLUG = "Type a slug: there are no letters or digits here to make one from."


def slug_from(text: str, *, max_length: int, taken: Callable[[str], bool]) -> str:
    """`text` as a slug of at most `max_length` characters that is not `taken`: "a-headline",
    else "a-headline-2", "a-headline-3"...; empty when `text` has nothing to make it from."""
    allow_unicode = getattr(settings, "WAGTAIL_ALLOW_UNICODE_SLUGS", True)
    base = slugify(text, allow_unicode=allow_unicode)[:max_length].strip("-")
    candidate, number = base, 1
    while base and taken(candidate):
        number += 1
        suffix = f"-{number}"
        candidate = base[: max_length - len(suffix)].rstrip("-") + suffix
    return candidate


class SlugFromNameMixin:
    """A form whose blank slug is made from its `slug_source` field.

    The slug field stays editable; its errors are repeated under the source field, whose tab
    is the one the editor writes on.
    """

    slug_source = "name"
    slug_pointer = "Its address (the slug) needs changing: {error}"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            field = self.fields["slug"]
            field.required = False
            field.help_text = field.help_text or "Made from the name when left blank."

    def slug_taken(self, slug: str) -> bool:
        """Whether another row has this slug: the model says (Author, Topic.slug_taken)."""
        return self.instance.slug_taken(slug)

    def clean(self):
        cleaned_data = super().clean()
        source = cleaned_data.get(self.slug_source)
        if "slug" in cleaned_data and not cleaned_data["slug"] and source:
            max_length = self.instance._meta.get_field("slug").max_length
            slug = slug_from(source, max_length=max_length, taken=self.slug_taken)
            if slug:
                cleaned_data["slug"] = slug
            else:
                self.add_error("slug", NO_SLUG)
        return cleaned_data

    def _post_clean(self):
        # The model's own checks (a reserved or duplicate slug) run here, after clean().
        super()._post_clean()
        source = self.slug_source
        if "slug" in self.errors and source in self.fields and source not in self.errors:
            error = " ".join(self.errors["slug"])
            self.add_error(source, self.slug_pointer.format(error=error))


class PageSlugForm(SlugFromNameMixin, WagtailAdminPageForm):
    """A page form whose blank slug is made from the title, unique among its siblings."""

    slug_source = "title"
    slug_pointer = "Its address (the slug, on the Promote tab) needs changing: {error}"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "slug" in self.fields:
            self.fields[
                "slug"
            ].help_text = (
                "The last part of the page's address. Made from the headline when left blank."
            )

    def slug_taken(self, slug: str) -> bool:
        if self.parent_page is None:
            return False
        return not Page._slug_is_available(slug, self.parent_page, self.instance)


class UniqueSlugForm(SlugFromNameMixin, WagtailAdminModelForm):
    """A snippet form (an author, a topic) whose blank slug is made from the name; the
    model's `slug_taken(slug)` says which slugs are in use by others."""


class NameFieldPanel(TitleFieldPanel):
    """A name whose slug follows it as it is typed, until the slug is edited by hand; only
    while the thing is new, so that renaming it later keeps its published address."""

    def __init__(self, *args, placeholder=False, classname="", **kwargs):
        super().__init__(*args, placeholder=placeholder, classname=classname, **kwargs)

    class BoundPanel(TitleFieldPanel.BoundPanel):
        def get_should_apply(self):
            return self.instance is None or self.instance.pk is None
