from django.urls import path

from . import views, views_elections, views_voting

app_name = "committees"

urlpatterns = [
    # Committees, leaders, coverage, consultations (views.py).
    path("", views.committee_list, name="committee_list"),
    path("<int:pk>/", views.committee_detail, name="committee_detail"),
    # Election lifecycle, candidates, vetting, objections (views_elections.py) and ballots,
    # voting codes, receipts, tally and results (views_voting.py) each declare their own routes.
    *views_elections.urlpatterns,
    *views_voting.urlpatterns,
]
