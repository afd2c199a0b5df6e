from django.urls import include, path

from . import views

app_name = "newsletter"

urlpatterns = [
    path("", views.signup, name="signup"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("manage/<str:token>/", views.manage, name="manage"),
    path("manage/<str:token>/data.json", views.manage_data, name="manage_data"),
    path("change-address/<str:token>/", views.change, name="change"),
    path("unsubscribe/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("issues/<int:pk>/", views.issue, name="issue"),
    # Email services' tracking webhooks (bounces, complaints), signed or authenticated.
    path("webhooks/", include("anymail.urls")),
]
