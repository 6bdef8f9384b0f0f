"""Linli settings: one module, driven by environment variables (see README, "Configuration")."""

from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.env import env_bool, env_float, env_int, env_list, env_str
from linli.core.keys import load_keyring

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("LINLI_VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("LINLI_DEBUG", False)
ALLOWED_HOSTS = env_list("LINLI_ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("LINLI_CSRF_TRUSTED_ORIGINS", [])

# Keys: from the environment in production; generated once into var/keys.json in embedded mode.
KEYRING = load_keyring(VAR_DIR)
SECRET_KEY = KEYRING.secret_key

INSTALLED_APPS = [
    "config.apps.LinliAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_tasks_db",
    "linli.core",
    "linli.accounts",
    "linli.registry",
    "linli.intake",
    "linli.reports",
    "linli.sharing",
    "linli.servicedesk",
    "linli.care",
    "linli.meals",
    "linli.homecare",
    "linli.alarms",
    "linli.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
ASGI_APPLICATION = "config.asgi.application"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "linli.core.context_processors.shell",
            ],
        },
    },
]

VAR_DIR.mkdir(parents=True, exist_ok=True)
(VAR_DIR / "static").mkdir(exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'linli.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("LINLI_DB_POOL", True):
    # Web server threads come and go (and under ASGI each request gets a fresh one), so per-thread
    # persistent connections would pile up; a pool shared by the process keeps connections open instead
    # (opening one costs more than a registry lookup).
    DATABASES["default"]["OPTIONS"] = {
        "pool": {"min_size": 1, "max_size": env_int("LINLI_DB_POOL_MAX", 10), "timeout": 10},
    }
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the task worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool("LINLI_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "linli" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

TASKS = {
    "default": {
        "BACKEND": env_str("LINLI_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LINLI_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# The TOTP devices' admin pages must not show their secret keys.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True

# --- Linli settings ---------------------------------------------------------------------------
# Which gateway delivers SMS: "local" records each message in the outbox table (demo, tests).
LINLI_SMS_GATEWAY = env_str("LINLI_SMS_GATEWAY", "linli.core.gateways.LocalSmsGateway")
# Demo accounts may log in without TOTP only when this is on; `linli demo` turns it on.
LINLI_ALLOW_DEMO_TOTP_SKIP = env_bool("LINLI_ALLOW_DEMO_TOTP_SKIP", False)
# Anyone may read the SMS outbox page (so a demo visitor can see login codes); `linli demo` turns it on.
LINLI_DEMO_OUTBOX_PUBLIC = env_bool("LINLI_DEMO_OUTBOX_PUBLIC", False)
# Failed logins: this many failures within the window lock that account or phone for the window.
LINLI_LOGIN_MAX_FAILURES = env_int("LINLI_LOGIN_MAX_FAILURES", 5)
LINLI_LOGIN_LOCK_MINUTES = env_int("LINLI_LOGIN_LOCK_MINUTES", 15)
# Resident one-time codes.
LINLI_LOGIN_CODE_TTL_SECONDS = env_int("LINLI_LOGIN_CODE_TTL_SECONDS", 300)
LINLI_LOGIN_CODE_RESEND_SECONDS = env_int("LINLI_LOGIN_CODE_RESEND_SECONDS", 60)
LINLI_PAGE_SIZE = env_int("LINLI_PAGE_SIZE", 50)

# Uploaded department files and their problem reports.
MEDIA_ROOT = Path(env_str("LINLI_MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"  # never served directly: downloads go through views that check scope
LINLI_IMPORT_MAX_BYTES = env_int("LINLI_IMPORT_MAX_BYTES", 200 * 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# Record linkage: pairs at or above the match probability are one person; between the review probability
# and it, a worker decides. A trained model (Splink JSON) may replace the shipped one.
LINLI_LINKAGE_MATCH_PROBABILITY = env_float("LINLI_LINKAGE_MATCH_PROBABILITY", 0.95)
LINLI_LINKAGE_REVIEW_PROBABILITY = env_float("LINLI_LINKAGE_REVIEW_PROBABILITY", 0.6)
LINLI_LINKAGE_MODEL = env_str("LINLI_LINKAGE_MODEL", "")
# When sources disagree on a field: "most_recent" takes the newest value, "most_trusted" the value of the
# most trusted source (ties: the newest); "keep" never changes it without a worker. Others stay visible.
LINLI_FIELD_RULES = {
    "name": "most_trusted",
    "id_number": "keep",
    "birth_date": "most_trusted",
    "sex": "most_trusted",
    "ethnicity": "most_trusted",
    "hukou_status": "most_trusted",
    "phone": "most_recent",
    "address": "most_recent",
    "residence_status": "most_recent",
}
# Ledger exports: "auto" uses the Rust xlsx writer when installed, "rust" or "xlsxwriter" force one.
LINLI_LEDGER_XLSX_WRITER = env_str("LINLI_LEDGER_XLSX_WRITER", "auto")
# Department data sharing: the change feed holds back changes younger than this (clock margin); a rotated
# client token keeps working this many days; a grant runs at most this many days.
LINLI_CHANGE_FEED_LAG_SECONDS = env_int("LINLI_CHANGE_FEED_LAG_SECONDS", 2)
LINLI_SHARING_TOKEN_GRACE_DAYS = env_int("LINLI_SHARING_TOKEN_GRACE_DAYS", 7)
LINLI_SHARING_MAX_GRANT_DAYS = env_int("LINLI_SHARING_MAX_GRANT_DAYS", 366)
# Trust of each kind of source, higher wins; a worker's own entry counts as "worker".
LINLI_SOURCE_TRUST = {
    "public_security": 100,
    "worker": 90,
    "civil_affairs": 80,
    "disability_federation": 70,
    "human_resources": 70,
    "health": 60,
    "education": 60,
    "community": 50,
    "other": 40,
}
