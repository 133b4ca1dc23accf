import importlib

app_name = "scorecards_api"

# Open data of the red/black lists (scorecards/api.py): <YYYY-MM>.json, .csv, latest.json, ...
try:
    urlpatterns = importlib.import_module("scorecards.api").urlpatterns
except ModuleNotFoundError as exc:
    if exc.name != "scorecards.api":
        raise
    urlpatterns = []
