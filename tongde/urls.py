from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, re_path

from compounds.forms_residents import LoginForm
from compounds.views import preferences as preference_views
from compounds.views import residents as resident_views

from . import views

# Language-neutral: machines read these.
urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("api/v1/communities/<slug:slug>/", views.community_api, name="community_api"),
    path("api/v1/communities/<slug:slug>/redblack/", include("scorecards.urls_api")),
    path("api/v1/communities/<slug:slug>/", include("scorecards.api_editions")),
    # Whatever else is asked under api/: a JSON 404 (machines read it), not the HTML page.
    re_path(r"^api/(?P<rest>.*)$", views.api_not_found, name="api_not_found"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("_bench/hello", views.hello, name="bench_hello"),
    # Browsers and feed readers ask for /favicon.ico whatever the page says.
    path("favicon.ico", views.favicon, name="favicon"),
]

# A view under /api/ that raises Http404 answers JSON too.
handler404 = "tongde.views.page_not_found"

# People read these: "/" is Chinese, "/en/" English. The scorecards come first: the public
# red/black list is the busiest page, and resolution tries the patterns in order (none of these
# overlap, so the order changes nothing else).
urlpatterns += i18n_patterns(
    path("scorecards/", include("scorecards.urls")),
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=LoginForm),
        name="login",
    ),
    # A resident's own account: registered here, checked by the community (compounds/residents.py).
    path("accounts/register/", resident_views.register, name="register"),
    path("accounts/register/done/", resident_views.register_done, name="register_done"),
    path("accounts/homes/", resident_views.my_homes, name="my_homes"),
    path("accounts/start/", views.start, name="start"),
    # Any account's own settings: the language of its mail (compounds/views/preferences.py).
    path("accounts/me/", preference_views.my_account, name="my_account"),
    path("today/", views.today, name="today"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "accounts/password/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    # A forgotten password, or a new account's first one: a one-time link (compounds/accounts.py).
    path(
        "accounts/password/reset/",
        views.PasswordResetView.as_view(),
        name="password_reset",
    ),
    path(
        "accounts/password/reset/sent/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("registry/", include("compounds.urls")),
    path("committees/", include("committees.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("admin/", admin.site.urls),
    prefix_default_language=False,
)

# No /media/ address, not even with DEBUG: uploads hold personal data, and each is handed out by a
# view that checks who asks (README, "Deploying").
