"""Tongde settings: one module, driven by environment variables.

With no environment at all it runs on the embedded defaults (SQLite, local-memory cache, Celery
eager), so that ``make run`` works on a bare machine. ``DATABASE_URL`` switches to PostgreSQL and
``REDIS_URL`` to Redis for the cache, the Celery broker and the result backend. Every variable is
listed in the README's configuration table.
"""

from __future__ import annotations

import datetime
from pathlib import Path

import environ
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="insecure-dev-key-only-for-local-use")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
SITE_NAME = env.str("SITE_NAME", default="同德")
# Where the site is reached from outside, for links in mail (no request to build them from).
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "django_htmx",
    "axes",
    "simple_history",
    "tongde",
    "compounds",
    "committees",
    "campaigns",
    "scorecards",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # A signed-in account switching the pages' language switches its mail's (one query then).
    "tongde.middleware.LanguageFollowsMiddleware",
    # An empty 405 (a POST-only action opened by a link) becomes a page, or JSON under /api/.
    "tongde.middleware.MethodNotAllowedPageMiddleware",
    # Last, as django-axes asks: it must see the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "tongde.urls"
WSGI_APPLICATION = "tongde.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tongde.context_processors.site",
                "tongde.context_processors.languages",
                "tongde.context_processors.roles",
                "tongde.context_processors.section",
            ],
        },
    },
]

# Database: SQLite unless DATABASE_URL is set. CONN_MAX_AGE keeps connections open between
# requests: a new PostgreSQL connection per request cost about 10x in throughput here.
DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite cannot keep connections across threads usefully; timeout avoids "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set, else local memory. Sessions live in the database so that a
# cache outage logs nobody out.
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
                # A cache outage degrades to misses instead of errors on every page.
                "IGNORE_EXCEPTIONS": True,
            },
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="tongde"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends.db"

# Celery: eager (in-process) unless a broker is configured.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "memory://")
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or "cache+memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_RESULT_EXPIRES = 24 * 3600
# A form submit must never hang on a dead broker: fail fast and let the caller report it.
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"max_retries": 2, "interval_start": 0, "interval_step": 0.5}
CELERY_BEAT_SCHEDULE = {
    # Every Monday at 02:00 Asia/Shanghai: the ISO week that ended last night.
    "rollup-week": {
        "task": "tongde.tasks.run_rollups_task",
        "schedule": crontab(minute=0, hour=2, day_of_week="mon"),
        "args": ("week",),
    },
    # On the 1st of every month at 02:30: the month that ended last night.
    "rollup-month": {
        "task": "tongde.tasks.run_rollups_task",
        "schedule": crontab(minute=30, hour=2, day_of_month=1),
        "args": ("month",),
    },
    # On 1 January, 1 April, 1 July and 1 October at 03:00: the quarter that just ended.
    "rollup-quarter": {
        "task": "tongde.tasks.run_rollups_task",
        "schedule": crontab(minute=0, hour=3, day_of_month=1, month_of_year="1,4,7,10"),
        "args": ("quarter",),
    },
    # On 1 January at 03:30: the year that just ended.
    "rollup-year": {
        "task": "tongde.tasks.run_rollups_task",
        "schedule": crontab(minute=30, hour=3, day_of_month=1, month_of_year=1),
        "args": ("year",),
    },
    # Every day at 08:00: remind community staff of committee terms ending within
    # COMMITTEE_TERM_REMINDER_MONTHS (once per term; safe to run twice).
    "committee-term-reminders": {
        "task": "committees.tasks.remind_term_endings_task",
        "schedule": crontab(minute=0, hour=8),
    },
    # Every day at 03:45: erase the personal data of registrations refused long enough ago.
    "erase-refused-registrations": {
        "task": "compounds.tasks.erase_refused_registrations_task",
        "schedule": crontab(minute=45, hour=3),
    },
    # Every Monday at 07:00: each company's weekly feedback for the week that ended last night.
    "scorecards-weekly-feedback": {
        "task": "scorecards.tasks.weekly_feedback_task",
        "schedule": crontab(minute=0, hour=7, day_of_week="mon"),
    },
    # On the 1st of every month at 04:00: draft the scorecards of the month that just ended.
    "scorecards-draft-month": {
        "task": "scorecards.tasks_scoring.draft_scorecards_task",
        "schedule": crontab(minute=0, hour=4, day_of_month=1),
    },
}
# The first period that rollups fill when a statistic has never run.
ROLLUP_START = datetime.date.fromisoformat(env.str("ROLLUP_START", default="2020-01-01"))

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "tongde.passwords.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
# Each role lands where its work starts (tongde.views.start).
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "home"

# django-axes: lock a username+address pair after repeated failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/lockout.html"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
# Short date formats of our own (tables, lists); everything else is Django's per language.
FORMAT_MODULE_PATH = ["tongde.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# Uploads larger than this are refused before they reach a parser (registry files, photos).
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
REGISTRY_IMPORT_MAX_BYTES = env.int("REGISTRY_IMPORT_MAX_BYTES", default=20 * 1024 * 1024)
# Photos (clean-ups, patrol problems) and documents (minutes, authorisations) larger than this
# are refused with a clear message.
PHOTO_MAX_BYTES = env.int("PHOTO_MAX_BYTES", default=8 * 1024 * 1024)
# A refused resident registration keeps its name and phone this many days after the refusal
# (time to ask why, or for staff to see the same phone try again), then they are erased.
REFUSED_REGISTRATION_KEEP_DAYS = env.int("REFUSED_REGISTRATION_KEEP_DAYS", default=90)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="tongde@localhost")
if env.str("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))

# Production hardening: on whenever DEBUG is off, so `check --deploy` passes.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# /healthz is probed over plain HTTP by load balancers and container health checks.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# How long the public community document may be served from the cache (0: never cached).
OPENDATA_CACHE_SECONDS = env.int("OPENDATA_CACHE_SECONDS", default=60)

# The bench's hello-world baseline view; off unless the bench turns it on.
BENCH_HELLO = env.bool("BENCH_HELLO", default=False)

# Committee and election rules (MOHURD 2009 guidance and the Civil Code; local rules differ).
COMMITTEE_RULES = {
    "min_members": env.int("COMMITTEE_MIN_MEMBERS", default=5),
    "max_members": env.int("COMMITTEE_MAX_MEMBERS", default=11),
    "max_term_years": env.int("COMMITTEE_MAX_TERM_YEARS", default=5),
    "publicity_days": env.int("ELECTION_PUBLICITY_DAYS", default=15),
    "first_meeting_days": env.int("ELECTION_FIRST_MEETING_DAYS", default=7),
    "filing_days": env.int("ELECTION_FILING_DAYS", default=30),
    "term_reminder_months": env.int("COMMITTEE_TERM_REMINDER_MONTHS", default=3),
    # Voting-code entry: attempts per address per window before refusal.
    "code_attempts": env.int("VOTING_CODE_ATTEMPTS", default=10),
    "code_window_seconds": env.int("VOTING_CODE_WINDOW_SECONDS", default=900),
}
