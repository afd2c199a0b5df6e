"""The mailing list's admin views, under /admin/mailing-list/ (wagtail_hooks includes them)."""

from django.urls import path

from . import admin_views, campaign_views

app_name = "newsletter_admin"

urlpatterns = [
    path("", admin_views.subscribers, name="subscribers"),
    path("export.csv", admin_views.export_csv, name="export"),
    path("import/", admin_views.import_csv, name="import"),
    path("suppression/", admin_views.suppression, name="suppression"),
    path("suppression/<id:pk>/remove/", admin_views.unsuppress, name="unsuppress"),
    path("sends/", campaign_views.campaigns, name="campaigns"),
    path("sends/<id:pk>/", campaign_views.campaign, name="campaign"),
    path("sends/<id:pk>/progress.json", campaign_views.progress, name="progress"),
    path("sends/<id:pk>/preview.<str:fmt>", campaign_views.preview, name="preview"),
    path("sends/<id:pk>/<slug:action>/", campaign_views.act, name="act"),
]
