from django.urls import path

from . import views, views_elections, views_opinions, views_proxies, views_voting

app_name = "committees"

urlpatterns = [
    # Committees, leaders, coverage, consultations (views.py).
    path("", views.committee_list, name="committee_list"),
    path("<int:pk>/", views.committee_detail, name="committee_detail"),
    path("<int:pk>/edit/", views.committee_update, name="committee_update"),
    path("new/<int:compound_pk>/", views.committee_create, name="committee_create"),
    path("<int:pk>/members/new/", views.member_create, name="member_create"),
    path("members/<int:pk>/edit/", views.member_update, name="member_update"),
    path("members/<int:pk>/leave/", views.member_end, name="member_end"),
    path("buildings/<int:pk>/head/", views.building_head_appoint, name="building_head_appoint"),
    path("building-heads/<int:pk>/end/", views.building_head_end, name="building_head_end"),
    path("units/<int:pk>/head/", views.unit_head_appoint, name="unit_head_appoint"),
    path("unit-heads/<int:pk>/end/", views.unit_head_end, name="unit_head_end"),
    path("coverage/", views.coverage, name="coverage"),
    path("consultations/", views.consultation_list, name="consultation_list"),
    path("consultations/new/", views.consultation_create, name="consultation_create"),
    path("consultations/<int:pk>/answer/", views.consultation_answer, name="consultation_answer"),
    path("consultations/<int:pk>/amend/", views.consultation_amend, name="consultation_amend"),
    # Residents' own opinions (views_opinions.py).
    path("opinions/", views_opinions.my_opinions, name="my_opinions"),
    path("opinions/new/", views_opinions.opinion_create, name="opinion_create"),
    path(
        "opinions/<int:pk>/photo/<str:which>/",
        views_opinions.opinion_photo,
        name="opinion_photo",
    ),
    # Election lifecycle, candidates, vetting, objections (views_elections.py) and ballots,
    # voting codes, receipts, tally and results (views_voting.py) each declare their own routes.
    *views_elections.urlpatterns,
    *views_voting.urlpatterns,
    *views_proxies.urlpatterns,
]
