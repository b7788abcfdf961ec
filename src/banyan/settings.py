"""Settings come from the environment; the defaults serve the embedded demo only.

BANYAN_DEBUG, BANYAN_SECRET_KEY, BANYAN_PII_KEY, DATABASE_URL, BANYAN_DATA_DIR, BANYAN_ALLOWED_HOSTS.
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("BANYAN_DATA_DIR", Path.cwd() / "var")).resolve()

DEBUG = os.environ.get("BANYAN_DEBUG", "1") == "1"


def _secret(name: str, default_file: str) -> str:
    """A secret from the environment; in debug, a generated one kept in the data directory."""
    value = os.environ.get(name)
    if value:
        return value
    if not DEBUG:
        raise ImproperlyConfigured(f"{name} must be set when BANYAN_DEBUG=0")
    path = DATA_DIR / default_file
    if not path.exists():
        import base64
        import secrets

        DATA_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret("BANYAN_SECRET_KEY", "dev-secret-key")
BANYAN_PII_KEY = _secret("BANYAN_PII_KEY", "dev-pii-key")

ALLOWED_HOSTS = os.environ.get("BANYAN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("BANYAN_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
CSRF_FAILURE_VIEW = "banyan.core.middleware.csrf_failure"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "template_partials",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "banyan.core",
    "banyan.accounts",
    "banyan.events",
    "banyan.places",
    "banyan.people",
    "banyan.party",
    "banyan.demo",
    "banyan.ledgers",
    "banyan.cases",
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
    "csp.middleware.CSPMiddleware",
    "banyan.core.middleware.ErrorPagesMiddleware",  # our 403/404/500 pages in debug too; last, to see view errors
]

ROOT_URLCONF = "banyan.urls"
WSGI_APPLICATION = "banyan.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "banyan.core.context_processors.banyan",
            ],
        },
    }
]

_default_sqlite = f"sqlite:///{DATA_DIR / 'banyan.sqlite3'}"
DATABASES = {"default": dj_database_url.parse(os.environ.get("DATABASE_URL", _default_sqlite), conn_max_age=60)}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets the worker write while pages read; IMMEDIATE avoids lock upgrades failing mid-transaction.
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; "
                        "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY;",
        "transaction_mode": "IMMEDIATE",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Our CSS/JS (static/banyan/) and the npm-built libraries (static/vendor/, from scripts/build-assets).
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise warns on every start when it is missing
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("BANYAN_MEDIA_ROOT", DATA_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = DEBUG

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = os.environ.get("BANYAN_SSL_REDIRECT", "0") == "1"
SECURE_HSTS_SECONDS = int(os.environ.get("BANYAN_HSTS_SECONDS", "0"))

# Everything is served from our own origin: no CDN, no inline script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "script-src": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("BANYAN_TOKEN_RATE", "10/minute")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Banyan API",
    "DESCRIPTION": "榕树头基层治理平台 Banyan: registries of places, people and party organisation.",
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# Days an uploaded ledger (clear ID numbers) and its refused rows are kept after its import finished without being
# written (a committed import's upload is deleted at once): ledgers.services.import_files_purge.
BANYAN_IMPORT_KEEP_DAYS = int(os.environ.get("BANYAN_IMPORT_KEEP_DAYS", "3"))

# Limits of an uploaded ledger file (ledgers.reading), checked before anything is read whole: a 13.7 MB XLSX whose
# sheet unpacked to 3.5 GB once took a worker past 8.7 GB of memory. A district's ledgers stay well under both.
BANYAN_IMPORT_MAX_UNPACKED_MB = int(os.environ.get("BANYAN_IMPORT_MAX_UNPACKED_MB", "2048"))
BANYAN_IMPORT_MAX_ROWS = int(os.environ.get("BANYAN_IMPORT_MAX_ROWS", "5000000"))

# A cache every process shares (the token throttle counts across workers): Redis when one is given, else files in
# the data directory (one machine).
_redis = os.environ.get("BANYAN_REDIS_URL")
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": _redis} if _redis else
          {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(DATA_DIR / "cache")}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("BANYAN_LOG_LEVEL", "WARNING")},
}

# --- Deploy checks silenced on purpose (docs/adr/0005-hsts-subdomains-preload.md) ---
# HSTS includeSubDomains and preload bind the whole parent domain (often a government domain Banyan does not own)
# to HTTPS; that is the domain owner's decision at their proxy. Every other deploy warning fails `make test`.
SILENCED_SYSTEM_CHECKS = ["security.W005", "security.W021"]
BANYAN_PUBLIC_RATE = os.environ.get("BANYAN_PUBLIC_RATE", "30/minute")  # per client address, public case intake
