from django.urls import path

from .views import accounts, imports, registry, residents

app_name = "compounds"

urlpatterns = [
    path("", registry.dashboard, name="dashboard"),
    # Registry file import (compounds/views/imports.py).
    path("import/", imports.upload, name="import_upload"),
    path("import/<int:pk>/", imports.preview, name="import_preview"),
    path("import/template.<str:fmt>", imports.template, name="import_template"),
    # Browse and edit (compounds/views/registry.py).
    path("communities/<slug:slug>/", registry.community_detail, name="community_detail"),
    path("compounds/", registry.compound_list_view, name="compound_list"),
    path("compounds/new/", registry.compound_create, name="compound_create"),
    path("compounds/<int:pk>/", registry.compound_detail, name="compound_detail"),
    path("compounds/<int:pk>/edit/", registry.compound_update, name="compound_update"),
    path("compounds/<int:pk>/archive/", registry.compound_archive, name="compound_archive"),
    path("compounds/<int:pk>/restore/", registry.compound_restore, name="compound_restore"),
    path("compounds/<int:pk>/contracts/new/", registry.contract_create, name="contract_create"),
    path("compounds/<int:pk>/buildings/new/", registry.building_create, name="building_create"),
    path("contracts/<int:pk>/end/", registry.contract_end, name="contract_end"),
    path("buildings/", registry.building_list_view, name="building_list"),
    path("buildings/<int:pk>/", registry.building_detail, name="building_detail"),
    path("buildings/<int:pk>/edit/", registry.building_update, name="building_update"),
    path("buildings/<int:pk>/units/new/", registry.unit_create, name="unit_create"),
    path("units/<int:pk>/edit/", registry.unit_update, name="unit_update"),
    path("units/<int:pk>/dwellings/new/", registry.dwelling_create, name="dwelling_create"),
    path("dwellings/", registry.dwelling_list_view, name="dwelling_list"),
    path("dwellings/<int:pk>/", registry.dwelling_detail, name="dwelling_detail"),
    path("dwellings/<int:pk>/edit/", registry.dwelling_update, name="dwelling_update"),
    path("dwellings/<int:pk>/households/new/", registry.household_create, name="household_create"),
    path("households/", registry.household_list_view, name="household_list"),
    path("households/<int:pk>/edit/", registry.household_update, name="household_update"),
    path("households/<int:pk>/move-out/", registry.household_move_out, name="household_move_out"),
    path("owners/", registry.owner_list_view, name="owner_list"),
    path("owners/new/", registry.owner_create, name="owner_create"),
    path("owners/<int:pk>/", registry.owner_detail, name="owner_detail"),
    path("owners/<int:pk>/edit/", registry.owner_update, name="owner_update"),
    path("companies/", registry.company_list_view, name="company_list"),
    path("companies/new/", registry.company_create, name="company_create"),
    path("companies/<int:pk>/", registry.company_detail, name="company_detail"),
    path("companies/<int:pk>/edit/", registry.company_update, name="company_update"),
    path("grids/", registry.grid_list_view, name="grid_list"),
    path("grids/new/", registry.grid_create, name="grid_create"),
    path("grids/<int:pk>/", registry.grid_detail, name="grid_detail"),
    path("grids/<int:pk>/edit/", registry.grid_update, name="grid_update"),
    # Accounts of the community's people (compounds/views/accounts.py).
    path("accounts/", accounts.account_list, name="account_list"),
    path("accounts/new/", accounts.account_create, name="account_create"),
    path("accounts/<int:pk>/", accounts.account_detail, name="account_detail"),
    path("accounts/<int:pk>/link/", accounts.account_link, name="account_link"),
    path("accounts/<int:pk>/active/", accounts.account_active, name="account_active"),
    path("memberships/<int:pk>/end/", accounts.membership_end, name="membership_end"),
    # Residents' registrations and their check (compounds/views/residents.py).
    path("residents/", residents.residency_list, name="residency_list"),
    path("residents/new/", residents.residency_create, name="residency_create"),
    path("residents/<int:pk>/", residents.residency_detail, name="residency_detail"),
    path("residents/<int:pk>/verify/", residents.residency_verify, name="residency_verify"),
    path("residents/<int:pk>/refuse/", residents.residency_refuse, name="residency_refuse"),
    path("residents/<int:pk>/end/", residents.residency_end, name="residency_end"),
    path("residents/<int:pk>/link/", residents.residency_link, name="residency_link"),
]
