"""Topics typed as tags in the article editor: known names and aliases are found, new names
become topics (through `actions.topic_create`), and what cannot be one is said where typed."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from dateline.newsroom.forms import TopicsField
from dateline.newsroom.models import ArticlePage, Topic

from .factories import TopicAliasFactory, TopicFactory, make_article, make_section

pytestmark = pytest.mark.django_db


def test_typed_names_are_the_topics_of_those_names_or_aliases_whatever_the_case():
    iraq = TopicFactory(name="Iraq", slug="iraq")
    isis = TopicFactory(name="Islamic State", slug="islamic-state")
    TopicAliasFactory(topic=isis, name="ISIL", slug="isil")

    topics = TopicsField().clean('iraq, "islamic state", ISIL')

    assert topics == [isis, iraq] or topics == [iraq, isis]
    assert Topic.objects.count() == 2


def test_a_new_name_becomes_a_topic_with_a_slug_from_the_name():
    iraq = TopicFactory(name="Iraq", slug="iraq")

    topics = TopicsField().clean('Iraq, "Kurdish  Regional Government"')

    made = Topic.objects.get(slug="kurdish-regional-government")
    assert made.name == "Kurdish Regional Government"
    assert sorted(topics, key=lambda t: t.name) == [iraq, made]


def test_a_name_whose_address_is_taken_is_refused_with_the_topic_to_choose():
    TopicFactory(name="U.S.", slug="us")
    TopicAliasFactory(topic=TopicFactory(name="Islamic State"), name="Daesh", slug="daesh")

    with pytest.raises(ValidationError) as refused:
        TopicsField().clean('US, "Da\'esh", "!!"')

    messages = " ".join(refused.value.messages)
    assert "“US” is the topic “U.S.” already" in messages
    assert "“Da'esh” is an alias of the topic “Islamic State” already" in messages
    assert "“!!” needs a letter or a digit" in messages
    assert Topic.objects.count() == 2


def test_an_empty_field_is_no_topics_and_unchanged_names_are_no_change():
    iraq = TopicFactory(name="Iraq")
    field = TopicsField(required=False)

    assert field.clean("") == []
    assert not field.has_changed([iraq], "iraq")
    assert field.has_changed([iraq], "Iraq, Syria")
    assert not Topic.objects.filter(name="Syria").exists(), "has_changed creates nothing"


def test_the_article_editor_shows_its_topics_as_tags_with_the_type_ahead(client, admin_user):
    article = make_article(
        make_section(), topics=[TopicFactory(name="Islamic State"), TopicFactory(name="Iraq")]
    )
    client.force_login(admin_user)

    html = client.get(reverse("wagtailadmin_pages:edit", args=[article.pk])).content.decode()

    assert 'data-controller="w-tag"' in html
    assert f'data-w-tag-url-value="{reverse("newsroom_topic_suggestions")}"' in html
    assert 'value="&quot;Islamic State&quot;, Iraq"' in html
    assert isinstance(
        ArticlePage.get_edit_handler().get_form_class()().fields["topics"], TopicsField
    )


def test_an_editor_who_may_not_add_topics_can_only_choose_known_ones(django_user_model):
    section = make_section()
    article = make_article(section)
    iraq = TopicFactory(name="Iraq")
    reporter = django_user_model.objects.create_user("reporter", "r@example.com", "pw")
    form_class = ArticlePage.get_edit_handler().get_form_class()

    field = form_class(instance=article, parent_page=section, for_user=reporter).fields["topics"]

    assert field.clean("iraq") == [iraq]
    with pytest.raises(ValidationError, match="“Kurdistan” is not a topic"):
        field.clean("Iraq, Kurdistan")
    assert not Topic.objects.filter(name="Kurdistan").exists()
    assert "&quot;autocompleteOnly&quot;: true" in field.widget.render("topics", "")
