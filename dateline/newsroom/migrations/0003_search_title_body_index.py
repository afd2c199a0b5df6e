"""A GIN index on the expression Wagtail's PostgreSQL search filters on: the admin's search
(readers' search has its own table since 0004).

The database search backend matches `(title || body) @@ query`; its own indexes cover
`title` and `body` apart, which that expression cannot use, so every search read the whole
index table (measured: 100 ms at 20,000 articles, growing with the archive). SQLite's FTS5
has its own index; nothing to do there.
"""

from django.db import migrations

INDEX = "dateline_search_title_body_gin"
# The backend joins its entries to articles on `page_ptr_id::varchar(50)::text = object_id`:
# with this index the few matching articles are fetched, not the whole table hashed.
JOIN_INDEX = "dateline_article_object_id"


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {INDEX} ON wagtailsearch_indexentry "
            "USING gin ((title || body))"
        )
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {JOIN_INDEX} ON newsroom_articlepage "
            "(((page_ptr_id)::varchar(50)::text))"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")
        schema_editor.execute(f"DROP INDEX IF EXISTS {JOIN_INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("newsroom", "0002_articlepage_send_as_alert"),
        ("wagtailsearch", "0010_add_text_fields"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
