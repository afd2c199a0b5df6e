"""Admin views of the newsroom: "New article" (which asks for the section) and the topic
type-ahead's suggestions."""

from django import forms
from django.http import JsonResponse
from wagtail.admin.views.pages.choose_parent import ChooseParentView

from . import selectors
from .models import ArticlePage, SectionPage


def section_label(section: SectionPage) -> str:
    """A section's title, a subsection's indented under its parent's (top sections sit at
    depth 3, below the root and the home page)."""
    return "— " * (section.depth - 3) + section.title


class SectionChoiceForm(forms.Form):
    section = forms.ModelChoiceField(
        queryset=SectionPage.objects.none(),
        empty_label=None,
        help_text="The article is filed under this section; it can be moved later.",
    )

    def __init__(self, *args, sections, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["section"]
        field.queryset = sections
        field.label_from_instance = section_label


class NewArticleView(ChooseParentView):
    """Which section the new article goes in, then Wagtail's add form for it there; with
    only one section the editor may add to, straight to the form."""

    template_name = "newsroom/admin/new_article.html"
    model = ArticlePage
    page_title = "New article"
    index_url_name = "articles:index"

    def get_form(self):
        parents = self.get_valid_parent_pages(self.request.user)
        sections = SectionPage.objects.filter(pk__in=parents.values("pk")).order_by("path")
        data = self.request.GET if "section" in self.request.GET else None
        return SectionChoiceForm(data, sections=sections)

    def get(self, request, *args, **kwargs):
        if "section" not in request.GET:
            return super().get(request, *args, **kwargs)
        form = self.get_form()
        if form.is_valid():
            form.cleaned_data["parent_page"] = form.cleaned_data["section"]
            return self.form_valid(form)
        return self.form_invalid(form)

    def post(self, request, *args, **kwargs):
        return self.http_method_not_allowed(request, *args, **kwargs)

    def get_page_subtitle(self):
        return "Choose its section"


def topic_suggestions(request):
    """Names of topics matching `?term=`, as Wagtail's tag field asks for them."""
    return JsonResponse(selectors.topic_suggestions(request.GET.get("term", "")), safe=False)
