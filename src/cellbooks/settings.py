"""Cellbooks settings: everything that differs between installs comes from the environment.

With nothing set, Cellbooks runs in its embedded mode: SQLite under ``CELLBOOKS_DATA_DIR`` (default
``./var``), a generated secret key kept in a file there, Huey on SQLite, DEBUG off.
"""

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
import django
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("CELLBOOKS_DATA_DIR", Path.cwd() / "var")).resolve()
DATA_DIR.mkdir(mode=0o700, parents=True, exist_ok=True)


def _private_file(path: Path) -> Path:
    """Create ``path`` readable by this user only (0600) if it does not exist yet. SQLite gives
    its -wal and -shm files the database file's permissions."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    return path


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_from_file(path: Path, nbytes: int = 48) -> str:
    """Read a generated secret kept outside the database, creating it (mode 0600) on first use."""
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(nbytes))
    return path.read_text().strip()


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    try:
        return _secret_from_file(DATA_DIR / "secret_key")
    except FileExistsError:  # another process created it between our check and open
        return (DATA_DIR / "secret_key").read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1],testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "huey.contrib.djhuey",
    "axes",  # login throttling (django-axes): AXES_* below
    "ninja",  # serves the API docs' Swagger UI from its own static files (no CDN)
    "cellbooks.core",
    "cellbooks.accounts",
    "cellbooks.inventory",
    "cellbooks.api",
    "cellbooks.quickbooks",
    "cellbooks.events",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Deliveries signed by another system (QuickBooks' webhook) go straight to their view: the
    # rest is for people's pages.
    "cellbooks.core.middleware.SignedEndpointMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cellbooks.accounts.middleware.CurrentCompanyMiddleware",
    "cellbooks.accounts.middleware.ActorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "cellbooks.accounts.middleware.PermissionMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cellbooks.urls"
WSGI_APPLICATION = "cellbooks.wsgi.application"

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
                "cellbooks.accounts.context_processors.current_company",
                "cellbooks.core.context_processors.money",
            ],
        },
    },
]

_default_db = f"sqlite:///{_private_file(DATA_DIR / 'cellbooks.sqlite3')}"
# Connections are kept between requests (opening one is a measurable part of a webhook's cost, and
# on PostgreSQL most of it) and checked before reuse, so a restarted database server costs nothing.
# (The webhook endpoint skips the check, a round trip per delivery: it sends its INSERT again on a
# new connection when the kept one turns out closed.)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", _default_db),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while a writer commits; IMMEDIATE transactions take the write lock
    # up front so concurrent writers queue on the busy timeout instead of failing mid-transaction.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=20000;"
            " PRAGMA foreign_keys=ON;"
        ),
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# django-axes checks every sign-in first: it refuses one while the account or the address is
# locked, and counts the failures.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# ---- Login throttling (django-axes) ---------------------------------------------------------------
# After CELLBOOKS_LOGIN_FAILURE_LIMIT failed sign-ins for one account, or from one address (wrong
# API keys count for the address), further attempts are refused for CELLBOOKS_LOGIN_LOCKOUT_MINUTES.
# `manage.py unlock` lifts a lock at once.
AXES_ENABLED = env_bool("CELLBOOKS_LOGIN_THROTTLING", True)
AXES_FAILURE_LIMIT = int(os.environ.get("CELLBOOKS_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(
    minutes=float(os.environ.get("CELLBOOKS_LOGIN_LOCKOUT_MINUTES", "15"))
)
AXES_LOCKOUT_PARAMETERS = "cellbooks.accounts.throttling.lockout_parameters"
AXES_LOCKOUT_CALLABLE = "cellbooks.accounts.throttling.lockout_response"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "cellbooks.accounts.throttling.username_of"
AXES_VERBOSE = False
# Behind a reverse proxy the client's address is the first of X-Forwarded-For.
AXES_IPWARE_META_PRECEDENCE_ORDER = (
    ["HTTP_X_FORWARDED_FOR", "REMOTE_ADDR"]
    if env_bool("CELLBOOKS_BEHIND_PROXY", env_bool("CELLBOOKS_HTTPS", False))
    else ["REMOTE_ADDR"]
)

# ---- Email (invitations, password resets) --------------------------------------------------------
# Printed on the console unless an SMTP server is configured (EMAIL_HOST) or another backend is
# named (EMAIL_BACKEND, e.g. django.core.mail.backends.filebased.EmailBackend with EMAIL_FILE_PATH).
_email_host = os.environ.get("EMAIL_HOST", "")
_email_backend = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if _email_host
    else "django.core.mail.backends.console.EmailBackend",
)
_email_options: dict = {}
if _email_backend.endswith("smtp.EmailBackend"):
    _email_port = int(os.environ.get("EMAIL_PORT", "587"))
    _email_options = {
        "host": _email_host or "localhost",
        "port": _email_port,
        "username": os.environ.get("EMAIL_HOST_USER", ""),
        "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
        "use_tls": env_bool("EMAIL_USE_TLS", _email_port == 587),
        "use_ssl": env_bool("EMAIL_USE_SSL", _email_port == 465),
        "timeout": int(os.environ.get("EMAIL_TIMEOUT", "20")),
    }
elif _email_backend.endswith("filebased.EmailBackend"):
    _email_options = {"file_path": os.environ.get("EMAIL_FILE_PATH", str(DATA_DIR / "email"))}
if django.VERSION >= (6, 1):
    MAILERS = {"default": {"BACKEND": _email_backend, "OPTIONS": _email_options}}
else:  # Django 5.2 (Python 3.11) has no MAILERS: the same as EMAIL_* settings
    EMAIL_BACKEND = _email_backend
    _legacy_names = {"host": "EMAIL_HOST", "port": "EMAIL_PORT", "username": "EMAIL_HOST_USER",
                     "password": "EMAIL_HOST_PASSWORD", "use_tls": "EMAIL_USE_TLS",
                     "use_ssl": "EMAIL_USE_SSL", "timeout": "EMAIL_TIMEOUT",
                     "file_path": "EMAIL_FILE_PATH"}  # fmt: skip
    globals().update({_legacy_names[k]: v for k, v in _email_options.items()})
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Cellbooks <cellbooks@localhost>")
# How long an invitation link works; a password reset link works for PASSWORD_RESET_TIMEOUT.
CELLBOOKS_INVITATION_DAYS = int(os.environ.get("CELLBOOKS_INVITATION_DAYS", "7"))
PASSWORD_RESET_TIMEOUT = int(os.environ.get("PASSWORD_RESET_HOURS", "24")) * 3600
# A company's logo: at most this many bytes, and at most 4000 × 4000 pixels.
CELLBOOKS_LOGO_MAX_BYTES = int(os.environ.get("CELLBOOKS_LOGO_MAX_BYTES", str(2 * 1024 * 1024)))

LANGUAGE_CODE = "en-us"
TIME_ZONE = os.environ.get("TIME_ZONE", "UTC")
USE_I18N = True
USE_TZ = True

# Files people upload (a company's logo) live in the data directory, served only to its members.
MEDIA_ROOT = Path(os.environ.get("CELLBOOKS_MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "media/"

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", Path.cwd() / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Behind TLS (a reverse proxy that terminates HTTPS and sets X-Forwarded-Proto), CELLBOOKS_HTTPS=1
# turns on secure cookies, the redirect to HTTPS and HSTS; each can also be set on its own.
HTTPS = env_bool("CELLBOOKS_HTTPS", False)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", HTTPS)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", HTTPS)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", False)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if env_bool("CELLBOOKS_BEHIND_PROXY", HTTPS):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# A load balancer probes the health check over plain HTTP inside the network.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Background work: Huey on SQLite by default; Redis when REDIS_URL is set (scale-out).
# The worker runs threads: sync work mostly waits on QuickBooks' answers, not on the CPU.
_HUEY_CONSUMER = {
    "workers": int(os.environ.get("HUEY_WORKERS", "8")),
    "worker_type": "thread",
    "periodic": True,
    # An idle worker polls the SQLite queue at most this far apart (Huey's default is 10 s, which
    # a person who pressed Sync would wait for); Redis hands tasks over at once (blocking pop).
    "max_delay": float(os.environ.get("HUEY_MAX_DELAY", "0.25")),
}
_HUEY_NAME = os.environ.get("HUEY_NAME", "cellbooks")  # installs sharing one Redis differ by name
if redis_url := os.environ.get("REDIS_URL"):
    HUEY = {
        # Priorities (a person's Sync before a bulk sync's chunks) need Redis' sorted-set queue.
        "huey_class": "huey.PriorityRedisHuey",
        "name": _HUEY_NAME,
        "url": redis_url,
        "immediate": env_bool("HUEY_IMMEDIATE", False),
        "consumer": _HUEY_CONSUMER,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": _HUEY_NAME,
        "filename": str(_private_file(DATA_DIR / "huey.sqlite3")),
        # The queue holds only wake-ups (the work is the outbox's rows, re-queued by the minute
        # sweep), so a task lost to a power cut costs a minute: no fsync on every enqueue.
        "fsync": False,
        "immediate": env_bool("HUEY_IMMEDIATE", False),
        "consumer": _HUEY_CONSUMER,
    }

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},  # fpdf2 subsetting fonts, at every PDF
    },
}

# ---- Encryption of secrets at rest (QuickBooks tokens) ------------------------------------------
# Fernet keys, newest first (a comma-separated list, so keys can be rotated); without any, the
# embedded mode generates one into a 0600 key file outside the database.
CELLBOOKS_ENCRYPTION_KEYS = env_list("CELLBOOKS_ENCRYPTION_KEY", "")
CELLBOOKS_ENCRYPTION_KEY_FILE = Path(
    os.environ.get("CELLBOOKS_ENCRYPTION_KEY_FILE", DATA_DIR / "encryption.key")
)

# ---- QuickBooks Online --------------------------------------------------------------------------
# Read from the environment here and nowhere else; cellbooks.quickbooks.config turns it into the
# integration's configuration. In emulator mode (the default) the app is the emulator's demo app,
# which `make run` and `make emulator` register under these same values.
EMULATOR_DEMO_APP = {
    "CLIENT_ID": "cellbooks-demo-client",
    "CLIENT_SECRET": "cellbooks-demo-secret",
    "WEBHOOK_VERIFIER_TOKEN": "cellbooks-demo-verifier-token",
}
_qbo_environment = os.environ.get("QBO_ENVIRONMENT", "emulator").strip().lower()
if _qbo_environment not in ("emulator", "sandbox", "production"):
    raise ImproperlyConfigured(
        f"QBO_ENVIRONMENT must be emulator, sandbox or production, not {_qbo_environment!r}"
    )
_qbo_defaults = EMULATOR_DEMO_APP if _qbo_environment == "emulator" else {}
QBO = {
    "ENVIRONMENT": _qbo_environment,
    "EMULATOR_URL": os.environ.get("QBO_EMULATOR_URL", "http://127.0.0.1:8765").rstrip("/"),
    "CLIENT_ID": os.environ.get("QBO_CLIENT_ID", _qbo_defaults.get("CLIENT_ID", "")),
    "CLIENT_SECRET": os.environ.get("QBO_CLIENT_SECRET", _qbo_defaults.get("CLIENT_SECRET", "")),
    "WEBHOOK_VERIFIER_TOKEN": os.environ.get(
        "QBO_WEBHOOK_VERIFIER_TOKEN", _qbo_defaults.get("WEBHOOK_VERIFIER_TOKEN", "")
    ),
    # Where people and Intuit reach this Cellbooks; the redirect URI defaults to its callback.
    "PUBLIC_URL": os.environ.get("CELLBOOKS_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
    "REDIRECT_URI": os.environ.get("QBO_REDIRECT_URI", ""),
    "TIMEOUT": float(os.environ.get("QBO_TIMEOUT", "20")),
    # How often the payments sweep (change data capture) runs per connection.
    "SWEEP_MINUTES": float(os.environ.get("QBO_SWEEP_MINUTES", "5")),
    # QuickBooks' per-realm limits, kept by every worker together; RATE_SCALE multiplies them for
    # an emulator whose time runs faster (benchmarks).
    "RATE_LIMITS": env_bool("QBO_RATE_LIMITS", True),
    "RATE_SCALE": float(os.environ.get("QBO_RATE_SCALE", "1")),
    # The worker: a claim on a sync request is a lease renewed while its worker lives (a dead
    # worker's requests return to the queue once it lapses); retries back off exponentially.
    "LEASE_SECONDS": float(os.environ.get("QBO_LEASE_SECONDS", "30")),
    "RETRY_BASE_SECONDS": float(os.environ.get("QBO_RETRY_BASE_SECONDS", "2")),
    "RETRY_MAX_SECONDS": float(os.environ.get("QBO_RETRY_MAX_SECONDS", "600")),
    "MAX_ATTEMPTS": int(os.environ.get("QBO_MAX_ATTEMPTS", "10")),
    # Sync attempts, applied webhook events and finished sync requests older than this are pruned
    # (failures waiting for a person are kept until they are resolved).
    "RETENTION_DAYS": int(os.environ.get("QBO_RETENTION_DAYS", "90")),
}

# ---- Webhooks to the company's other systems (cellbooks.events) ---------------------------------
# A delivery is retried with exponential backoff (RETRY_BASE_SECONDS doubling up to
# RETRY_MAX_SECONDS apart) until MAX_ATTEMPTS; events are kept RETENTION_DAYS.
EVENTS = {
    "TIMEOUT": float(os.environ.get("WEBHOOKS_TIMEOUT", "10")),
    "MAX_ATTEMPTS": int(os.environ.get("WEBHOOKS_MAX_ATTEMPTS", "14")),
    "RETRY_BASE_SECONDS": float(os.environ.get("WEBHOOKS_RETRY_BASE_SECONDS", "30")),
    "RETRY_MAX_SECONDS": float(os.environ.get("WEBHOOKS_RETRY_MAX_SECONDS", str(6 * 3600))),
    "LEASE_SECONDS": float(os.environ.get("WEBHOOKS_LEASE_SECONDS", "60")),
    "RETENTION_DAYS": int(os.environ.get("WEBHOOKS_RETENTION_DAYS", "30")),
    # An install whose companies must not reach its private network (a hosting provider) sets 1:
    # then no delivery goes to loopback or private addresses. Link-local ones are always refused.
    "REFUSE_PRIVATE": os.environ.get("WEBHOOKS_REFUSE_PRIVATE", "") in ("1", "true", "on"),
}
