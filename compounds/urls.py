from django.urls import path

from .views import registry

app_name = "compounds"

urlpatterns = [
    path("", registry.dashboard, name="dashboard"),
]
