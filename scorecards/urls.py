import importlib

app_name = "scorecards"

# Each module declares its own routes: settings, rubrics and agreements (views_setup.py),
# monthly reports (views_reports.py), inspections, complaints, rectifications and weekly
# feedback (views_inspections.py), scorecards, publications and appeals (views_scoring.py),
# the public red/black pages (views_public.py), the quarterly bulletins (views_bulletins.py)
# the annual assessments (views_assessments.py) and the summonses for talks (views_summons.py).
urlpatterns = []
# The public pages come first: they take most of the traffic, and URL resolution tries the
# patterns in order.
for _name in (
    "views_public",
    "views_bulletins",
    "views_assessments",
    "views_setup",
    "views_reports",
    "views_inspections",
    "views_scoring",
    "views_summons",
):
    try:
        urlpatterns += importlib.import_module(f"scorecards.{_name}").urlpatterns
    except ModuleNotFoundError as exc:
        if exc.name != f"scorecards.{_name}":
            raise
