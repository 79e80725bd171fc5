"""Settings for the Collections Workbench.

One file, read from the environment. The defaults run the embedded mode (SQLite in WAL mode and
Celery on kombu's filesystem transport, mail written to files); `DATABASE_URL` and `REDIS_URL`
switch the same code to PostgreSQL and Redis.
"""

import os
import secrets
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def envstr(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def envbool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be a boolean (1/0, true/false), got {value!r}")


def envint(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, got {value!r}") from None


def envdecimal(name: str, default: str) -> Decimal:
    """An amount of money: a finite, non-negative number with at most two decimals."""
    value = os.environ.get(name) or default
    try:
        amount = Decimal(value)
        if amount.is_finite() and amount >= 0 and amount == amount.quantize(Decimal("0.01")):
            return amount.quantize(Decimal("0.01"))
    except ArithmeticError:
        pass
    raise ImproperlyConfigured(f"{name} must be an amount such as 1000.00, got {value!r}")


def envlist(name: str, default: str) -> list[str]:
    return [item.strip() for item in envstr(name, default).split(",") if item.strip()]


def install_secret_key(path: Path) -> str:
    """This install's own key, made on first start and kept in `path` (mode 0600). Web, worker and
    beat may start at the same moment: the key is written whole to a private temporary file and
    linked into place, which fails if another process got there first; then everyone reads the
    one that won, so all processes sign with the same key."""
    if not path.exists():
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_urlsafe(50))
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            temporary.unlink(missing_ok=True)
    key = path.read_text().strip()
    if len(key) < 50:
        raise ImproperlyConfigured(f"{path} holds no usable secret key: delete it to make a new one, or set SECRET_KEY")
    return key


DEBUG = envbool("DEBUG", True)

# Where the embedded mode keeps its database, broker queue, mail and generated files.
VAR_DIR = Path(envstr("VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

# SECRET_KEY signs sessions and the portal's links. Without it, the embedded mode (DEBUG) makes a
# key for this install in VAR_DIR/secret_key on first start; with DEBUG off it must be set.
SECRET_KEY = envstr("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = install_secret_key(VAR_DIR / "secret_key")

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", "")
# Where every customer link points (emails, statement PDFs, the tracked-click redirect, "Open as the
# customer sees it"). Unset, it follows the port the web server listens on: PORT, which `make run
# PORT=…` also hands to the worker and beat as SITE_URL, so their emails point there too.
SITE_URL = (envstr("SITE_URL") or f"http://127.0.0.1:{envint('PORT', 8000)}").rstrip("/")
if not SITE_URL.startswith(("http://", "https://")):
    raise ImproperlyConfigured(f"SITE_URL must start with http:// or https://, got {SITE_URL!r}")

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
    "django_htmx",
    "template_partials",
    "django_celery_beat",
    "axes",
    # The project's packages, lowest layer first (docs/architecture.md).
    "collections_app",  # the project; its migrations keep the history of the models it once held
    "portfolios",
    "ledger",
    "work",
    "payments",
    "banking",
    "autopay",
    "cashapp",
    "reminders",
    "erp",
    "reporting",
    "inbox",
    "portal",
    "team",
    "devtools",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "core.csp.ContentSecurityPolicyMiddleware",
    "axes.middleware.AxesMiddleware",
    "portfolios.middleware.RoleTableMiddleware",  # who may open / change each URL: portfolios.role_table
    "reporting.cache.ReportCacheMiddleware",
]

ROOT_URLCONF = "collections_app.urls"
WSGI_APPLICATION = "collections_app.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portfolios.context_processors.roles",
                "reporting.cache.freshness",
            ],
        },
    },
]

# Database: SQLite file in var/ unless DATABASE_URL says otherwise.
# Connections are kept open between requests (DB_CONN_MAX_AGE seconds, checked before reuse) on a
# server database: a new PostgreSQL connection costs a few ms per request. SQLite opens in microseconds.
_DATABASE_URL = envstr("DATABASE_URL", f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        _DATABASE_URL,
        conn_max_age=envint("DB_CONN_MAX_AGE", 0 if _DATABASE_URL.startswith("sqlite") else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; IMMEDIATE transactions take the
    # write lock up front instead of failing halfway with "database is locked".
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
    }
    # The covering index of open invoices (ledger.Invoice, invoice_open_read) is a plain index on
    # SQLite, which has no INCLUDE: known and harmless, not a warning for every command.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login rate limit: five wrong passwords lock the username + address pair for 15 minutes.
AXES_ENABLED = envbool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = envint("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = envint("AXES_COOLOFF_MINUTES", 15) / 60
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True  # a good password after the cool-off starts the count again
# The address is the real client's, read behind TRUSTED_PROXY_HOPS proxies (core.web.client_address):
# behind the TLS proxy every login would otherwise share the proxy's address.
AXES_CLIENT_IP_CALLABLE = "core.web.client_address"
# How many proxies in front of the app append to X-Forwarded-For (1 behind the documented TLS
# proxy). 0 reads REMOTE_ADDR only: never trust the header unless a proxy you run overwrites it.
TRUSTED_PROXY_HOPS = envint("TRUSTED_PROXY_HOPS", 0)

LANGUAGE_CODE = "en-us"
TIME_ZONE = envstr("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(envstr("STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Money and currencies.
BASE_CURRENCY = envstr("BASE_CURRENCY", "USD").upper()
MONEY_PLACES = Decimal("0.01")
# A payment reversal, write-off or void above this amount (in BASE_CURRENCY, converted at the
# document's date) waits for a second manager's approval; at or below it, it is done at once.
LEDGER_APPROVAL_THRESHOLD = envdecimal("LEDGER_APPROVAL_THRESHOLD", "1000.00")
# Money one person may move alone, per role (BASE_CURRENCY): a dispute credit, a write-off, a
# reversal or a void above the limit of the asker's highest role waits for a manager who is not
# the asker (work.corrections). A role not named here (managers, admins) has
# LEDGER_APPROVAL_THRESHOLD; a user with none of these roles has 0.00.
APPROVAL_LIMITS = {
    "collector": envdecimal("APPROVAL_LIMIT_COLLECTOR", "250.00"),
}
# A promise to pay is for a date at most this many days ahead (work.services.promise_record).
PROMISE_HORIZON_DAYS = envint("PROMISE_HORIZON_DAYS", 180)

# Celery: Redis when REDIS_URL is set, else kombu's filesystem transport in var/broker.
REDIS_URL = envstr("REDIS_URL")
CELERY_BROKER_DIR = VAR_DIR / "broker"
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than the longest task (a statement run chunk), so an unacked task held by a live
        # worker is never handed to a second one; a dead worker's task comes back after it.
        "visibility_timeout": envint("CELERY_VISIBILITY_TIMEOUT", 3600),
    }
else:
    for sub in ("in", "processed", "control"):
        (CELERY_BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_DIR / "in"),
        "data_folder_out": str(CELERY_BROKER_DIR / "in"),
        "processed_folder": str(CELERY_BROKER_DIR / "processed"),
        "control_folder": str(CELERY_BROKER_DIR / "control"),
        "store_processed": False,
        "polling_interval": 0.2,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = envbool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

# Email: written to files in var/mail unless an SMTP host is configured.
EMAIL_HOST = envstr("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = envint("EMAIL_PORT", 587)
    EMAIL_HOST_USER = envstr("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = envstr("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", True)
else:
    EMAIL_BACKEND = envstr("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
    EMAIL_FILE_PATH = str(VAR_DIR / "mail")
DEFAULT_FROM_EMAIL = envstr("DEFAULT_FROM_EMAIL", "Accounts Receivable <ar@example.com>")

# REST API.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's parsers, with JSON that answers 400 (not 500) to a body nested too deeply (core/parsers.py).
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": envstr("API_THROTTLE_ANON", "60/minute"),
        "user": envstr("API_THROTTLE_USER", "2000/minute"),
    },
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Collections Workbench API",
    "DESCRIPTION": "Customers, invoices, payments, credit notes and collection work.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Every operation's 400/401/403/404/429 answers are documented (collections_app/api_docs.py).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "collections_app.api_docs.document_error_responses",
    ],
    # Several models have a "source" with different choices: name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "CreditHoldSourceEnum": "work.holds.models.CreditHoldEvent.Source",
        "WorkSourceEnum": "work.models.PromiseToPay.Source",
    },
}

# Cache: shared by every web process, so rate limits hold across gunicorn workers.
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# Customer portal: how many requests one customer may post per window, whichever of their links.
PORTAL_POST_LIMIT = envint("PORTAL_POST_LIMIT", 20)
PORTAL_POST_WINDOW = envint("PORTAL_POST_WINDOW", 3600)

# Reminders: the bounce webhook's shared secret, the send lease, and when an unopened invoice is
# raised to the collector.
REMINDERS_BOUNCE_WEBHOOK_SECRET = envstr("BOUNCE_WEBHOOK_SECRET")
REMINDERS_OUTBOX_LEASE_SECONDS = envint("OUTBOX_LEASE_SECONDS", 900)
REMINDERS_NOT_OPENED_DAYS = envint("NOT_OPENED_DAYS", 3)

# Report pages keep each whole-book figure this many seconds (reporting/cache.py); 0 turns it off.
REPORT_CACHE_SECONDS = envint("REPORT_CACHE_SECONDS", 600)

# Uploads larger than this are imported by the Celery worker with a progress bar.
IMPORT_INLINE_MAX_BYTES = envint("IMPORT_INLINE_MAX_BYTES", 512 * 1024)
# A running import with no progress for this long lost its worker and is run again, at most
# IMPORT_MAX_ATTEMPTS times in all.
IMPORT_LEASE_SECONDS = envint("IMPORT_LEASE_SECONDS", 900)
IMPORT_MAX_ATTEMPTS = envint("IMPORT_MAX_ATTEMPTS", 3)
# The largest ERP file the import page takes, and the largest JSON body of the bulk API, in MB.
IMPORT_MAX_UPLOAD_MB = envint("IMPORT_MAX_UPLOAD_MB", 100)
# Uploads above this many bytes are streamed to a temporary file, never held in memory.
FILE_UPLOAD_MAX_MEMORY_SIZE = envint("FILE_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)
# Request bodies that are not files (forms, JSON read by Django) are refused above this size.
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 2_621_440)

# Content-Security-Policy on every response (core.csp.ContentSecurityPolicyMiddleware): scripts and
# styles only from our own static files, no inline script, no framing, forms post only here.
CSP_POLICY = envstr(
    "CSP_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action 'self'",
)

# The API's schema (/api/schema/) and docs (/api/docs/) are for signed-in users unless this is on.
API_DOCS_PUBLIC = envbool("API_DOCS_PUBLIC", False)

# Production hardening: on by default when DEBUG is off, each switch overridable.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", not DEBUG)
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = envbool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = envbool("SECURE_HSTS_PRELOAD", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # A refused request (403) logs one line, not PermissionDenied's traceback (core.request_log).
    "filters": {"refusal_one_line": {"()": "core.request_log.RefusalWithoutTraceback"}},
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": envstr("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"},
                "django.request": {"filters": ["refusal_one_line"]}},
}

# --- payments (issue 16: online payments, webhooks) ---
# `sandbox` is the embedded provider (a local checkout page that sends Stripe-shaped, signed events
# to our own webhook); `stripe` needs STRIPE_API_KEY and the signing secret of the webhook endpoint
# configured in the Stripe dashboard (whsec_…) as PAYMENTS_WEBHOOK_SECRET. See docs/payments.md.
PAYMENTS_PROVIDER = envstr("PAYMENTS_PROVIDER", "sandbox")
if PAYMENTS_PROVIDER not in ("sandbox", "stripe"):
    raise ImproperlyConfigured(f"PAYMENTS_PROVIDER must be sandbox or stripe, got {PAYMENTS_PROVIDER!r}")
STRIPE_API_KEY = envstr("STRIPE_API_KEY")
if PAYMENTS_PROVIDER == "stripe" and not STRIPE_API_KEY:
    raise ImproperlyConfigured("PAYMENTS_PROVIDER=stripe needs STRIPE_API_KEY")
PAYMENTS_WEBHOOK_SECRET = envstr("PAYMENTS_WEBHOOK_SECRET")
if not PAYMENTS_WEBHOOK_SECRET:
    if PAYMENTS_PROVIDER == "stripe":
        raise ImproperlyConfigured("PAYMENTS_WEBHOOK_SECRET must be set (the webhook endpoint's signing secret)")
    PAYMENTS_WEBHOOK_SECRET = install_secret_key(VAR_DIR / "payments_webhook_secret")
# Events signed longer ago than this are refused (replayed captures); Stripe's own default is 300 s.
PAYMENTS_WEBHOOK_TOLERANCE_SECONDS = envint("PAYMENTS_WEBHOOK_TOLERANCE_SECONDS", 300)
# A checkout not completed within this long expires (Stripe allows 30 minutes to 24 hours).
PAYMENTS_CHECKOUT_EXPIRES_MINUTES = envint("PAYMENTS_CHECKOUT_EXPIRES_MINUTES", 60)
# The sandbox takes no money: with DEBUG off it is refused unless a demo install allows it.
PAYMENTS_SANDBOX_ALLOWED = envbool("PAYMENTS_SANDBOX_ALLOWED", DEBUG)
# A sandbox SEPA or ACH debit clears (or fails, per its test IBAN) this long after it was submitted.
PAYMENTS_SANDBOX_CLEARING_SECONDS = envint("PAYMENTS_SANDBOX_CLEARING_SECONDS", 120)
# --- end payments ---

# --- autopay (issue 16) ---
# Days before a charge that the customer is told what will be collected, and when (a charge is
# never planned closer than this to the day it is planned).
AUTOPAY_NOTICE_DAYS = envint("AUTOPAY_NOTICE_DAYS", 3)
# A charge claimed by a worker that never recorded the provider's answer is asked again (with the
# same idempotency key, so the provider charges once) after this many minutes.
AUTOPAY_CHARGING_RETRY_MINUTES = envint("AUTOPAY_CHARGING_RETRY_MINUTES", 30)
# A setup the customer left at the provider's page is given up after this many hours.
AUTOPAY_SETUP_HOURS = envint("AUTOPAY_SETUP_HOURS", 24)
# Autopay's announcement and failure emails are a reminders task outside reminders.tasks: the
# worker imports it so beat's job finds it registered.
CELERY_IMPORTS = ("reminders.autopay_notices",)
# --- end autopay ---

# --- banking and cash application (issue 17) ---
# A bank receipt whose match is at least this sure (0-100) is posted at once; below, it waits in
# the cash application worklist (docs/cash-application.md).
CASH_AUTO_APPLY_CONFIDENCE = envint("CASH_AUTO_APPLY_CONFIDENCE", 90)
if not 50 <= CASH_AUTO_APPLY_CONFIDENCE <= 100:
    raise ImproperlyConfigured(f"CASH_AUTO_APPLY_CONFIDENCE must be 50-100, got {CASH_AUTO_APPLY_CONFIDENCE}")
# A receipt short of the invoices it names by at most `percent` of them and at most `base_amount`
# (base currency) still pays them; the difference is proposed as a deduction: up to
# CASH_DEDUCTION_WRITE_OFF_MAX a small-balance write-off (for approval), above a dispute.
CASH_SHORT_PAY_TOLERANCE = {
    "percent": envdecimal("CASH_SHORT_PAY_PERCENT", "2.00"),
    "base_amount": envdecimal("CASH_SHORT_PAY_MAX", "50.00"),
}
CASH_DEDUCTION_WRITE_OFF_MAX = envdecimal("CASH_DEDUCTION_WRITE_OFF_MAX", "10.00")
# At most this many open invoices of one customer are combined to explain an amount.
CASH_COMBINATION_MAX_INVOICES = envint("CASH_COMBINATION_MAX_INVOICES", 6)
# A folder of ISO 20022 camt.05x XSDs: statements are then validated against their schema as well as
# checked element by element (empty: the element checks only).
BANK_CAMT_XSD_DIR = envstr("BANK_CAMT_XSD_DIR", "")
# --- end banking ---

# --- performance (issue 18) ---
# PostgreSQL's JIT compiles the plan of every query it estimates as costly; the report queries pay
# 150–400 ms each for it and run 10–50 % faster without it (docs/performance.md). Off for the
# app's own connections only (DB_JIT=1 turns it back on), the server's setting is left alone.
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not envbool("DB_JIT", False):
    _pg_options = DATABASES["default"].setdefault("OPTIONS", {})
    _pg_options["options"] = f"{_pg_options.get('options', '')} -c jit=off".strip()
# Sending messages (statement and dunning emails) has its own queue, so a 20-minute statement run
# on the default queue never holds them back; Procfile, docker-compose.yml and `make run` start a
# worker for it (`celery worker -Q messages`).
MESSAGES_QUEUE = "messages"
CELERY_TASK_ROUTES = {"reminders.tasks.messages_send_task": {"queue": MESSAGES_QUEUE}}
# The morning's report pages are computed once after the 06:00 dunning run and kept this long, so
# the first manager of the day reads them kept (team.tasks.morning_figures_warm).
REPORT_WARM_SECONDS = envint("REPORT_WARM_SECONDS", 4 * 3600)
# --- end performance ---

# Conversations (issue 19), ERP data (issue 20), forecast (issue 21): one block per part.
# --- html ---
# The company name HTML emails show until one is set in the admin (Email branding); blank: the
# display name of DEFAULT_FROM_EMAIL.
COMPANY_NAME = envstr("COMPANY_NAME", "")
# --- end html ---
# --- windows ---
# Automatic mail (reminders, plan notices, statements, autopay notices) leaves only inside this
# window, in the recipient's time zone, skipping its country's public holidays (reminders.windows).
SEND_WINDOW_ENABLED = envbool("SEND_WINDOW_ENABLED", True)
SEND_WINDOW_DAYS = envlist("SEND_WINDOW_DAYS", "mon,tue,wed,thu,fri")
SEND_WINDOW_START = envstr("SEND_WINDOW_START", "08:00")
SEND_WINDOW_END = envstr("SEND_WINDOW_END", "17:00")
# The company's country, for the holidays of customers with no country of their own (blank: none).
SEND_WINDOW_COUNTRY = envstr("SEND_WINDOW_COUNTRY", "")
# DKIM signing of outgoing mail, when all three are set (the key: PEM text or a path to a PEM file).
DKIM_PRIVATE_KEY = envstr("DKIM_PRIVATE_KEY", "")
DKIM_SELECTOR = envstr("DKIM_SELECTOR", "")
DKIM_DOMAIN = envstr("DKIM_DOMAIN", "")
# The portal speaks the customer's language (portal.language); these have translations in locale/.
LANGUAGES = [("en", "English"), ("fr", "Français"), ("de", "Deutsch"), ("es", "Español"), ("nl", "Nederlands")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# --- end windows ---
# --- ingest ---
# Inbound mail (docs/inbox.md): `manage.py ingest_email` (an MTA's pipe), an IMAP mailbox polled by
# beat, and the mail provider's inbound webhook (django-anymail), all into inbox.services.inbound_ingest.
# imaps://user:password@host[:port]/MAILBOX (imap:// for plain IMAP, e.g. a local test server);
# empty: no polling.
INBOUND_IMAP_URL = envstr("INBOUND_IMAP_URL", "")
INBOUND_IMAP_POLL_SECONDS = envint("INBOUND_IMAP_POLL_SECONDS", 120)
if INBOUND_IMAP_POLL_SECONDS < 60:
    raise ImproperlyConfigured(f"INBOUND_IMAP_POLL_SECONDS must be at least 60, got {INBOUND_IMAP_POLL_SECONDS}")
# At most this many messages are read by one poll (the rest wait for the next one).
INBOUND_IMAP_BATCH = envint("INBOUND_IMAP_BATCH", 200)
# The domain of the per-customer reply-to address ar+<token>@INBOX_REPLY_DOMAIN.
INBOX_REPLY_DOMAIN = envstr("INBOX_REPLY_DOMAIN", "ar.collections-workbench.local")
# Our mail carries that address as Reply-To (so an answer is matched to its account even from another
# address): on once INBOX_REPLY_DOMAIN delivers to ingest_email, the IMAP mailbox or the webhook.
INBOX_SET_REPLY_TO = envbool("INBOX_SET_REPLY_TO", False)
# An attachment larger than this is recorded (name, type, size) but not stored; a message larger
# than INBOX_MAX_MESSAGE_MB is refused whole (the command exits 65, the poll leaves it flagged).
INBOX_MAX_ATTACHMENT_MB = envint("INBOX_MAX_ATTACHMENT_MB", 10)
INBOX_MAX_MESSAGE_MB = envint("INBOX_MAX_MESSAGE_MB", 40)
# The provider's inbound webhook (Mailgun's "store and notify"/forward route, raw MIME): anymail
# checks HTTP basic auth against WEBHOOK_SECRET ("user:password" in the URL the provider posts to)
# and Mailgun's signature against the webhook signing key.
ANYMAIL = {
    "WEBHOOK_SECRET": envstr("ANYMAIL_WEBHOOK_SECRET", ""),
    "MAILGUN_WEBHOOK_SIGNING_KEY": envstr("MAILGUN_WEBHOOK_SIGNING_KEY", ""),
}
# --- end ingest ---
# --- reply ---
# A reply from a person pauses the account's automatic reminders for this many days
# (reminders.eligibility); automatic replies and bounces do not.
INBOX_REPLY_PAUSE_DAYS = envint("INBOX_REPLY_PAUSE_DAYS", 5)
# --- end reply ---
# --- mapping ---
# --- end mapping ---
# --- family ---
# Statements go per account family top (unset), or per account at this level of the hierarchy
# (1 = the accounts just below the top, each with everything below it): docs/hierarchies.md.
STATEMENT_FAMILY_LEVEL = envint("STATEMENT_FAMILY_LEVEL", 0) if os.environ.get("STATEMENT_FAMILY_LEVEL") else None
if STATEMENT_FAMILY_LEVEL is not None and STATEMENT_FAMILY_LEVEL < 0:
    raise ImproperlyConfigured("STATEMENT_FAMILY_LEVEL is 0 (the top) or more")
# --- end family ---
# --- dupes ---
# Duplicates and discrepancies (docs/discrepancies.md): two invoices of one customer for the same
# amount issued within this many days of each other are flagged as a possible duplicate; an invoice
# whose due date is more than this many days off issue date + the customer's terms is flagged too.
DUPLICATE_INVOICE_DAYS = envint("DUPLICATE_INVOICE_DAYS", 7)
DUE_DATE_TERMS_TOLERANCE_DAYS = envint("DUE_DATE_TERMS_TOLERANCE_DAYS", 3)
if DUPLICATE_INVOICE_DAYS < 0 or DUE_DATE_TERMS_TOLERANCE_DAYS < 0:
    raise ImproperlyConfigured("DUPLICATE_INVOICE_DAYS and DUE_DATE_TERMS_TOLERANCE_DAYS cannot be negative")
# --- end dupes ---
# --- forecast ---
# Forecast method on the dashboard: "" = the one with the lower 12-month backtest MAPE (rule or model);
# "rule" or "model" pins it (docs/forecast.md).
FORECAST_DEFAULT_METHOD = envstr("FORECAST_DEFAULT_METHOD", "")
# Fewer invoices closed by the as-of day than this: no model, the forecast falls back to the rule.
FORECAST_MODEL_MIN_CLOSED = envint("FORECAST_MODEL_MIN_CLOSED", 200)
# An open invoice of at least this much (base) predicted to be paid after month end raises a queue task.
FORECAST_SLIP_AMOUNT = envint("FORECAST_SLIP_AMOUNT", 25000)
# --- end forecast ---
