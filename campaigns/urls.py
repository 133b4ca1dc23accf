from . import views_campaigns, views_meetings, views_patrols

app_name = "campaigns"

# Each module declares its own routes: operations and totals (views_campaigns.py), patrols,
# problems and designations (views_patrols.py), meetings and regulations (views_meetings.py).
urlpatterns = [
    *views_campaigns.urlpatterns,
    *views_patrols.urlpatterns,
    *views_meetings.urlpatterns,
]
