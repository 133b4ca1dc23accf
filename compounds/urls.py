from django.urls import path

from .views import imports, registry

app_name = "compounds"

urlpatterns = [
    path("", registry.dashboard, name="dashboard"),
    # Registry file import (compounds/views/imports.py).
    path("import/", imports.upload, name="import_upload"),
    path("import/<int:pk>/", imports.preview, name="import_preview"),
    path("import/template.<str:fmt>", imports.template, name="import_template"),
    # Browse and edit (compounds/views/registry.py).
]
