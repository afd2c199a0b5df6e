"""Settings for every environment, read from the environment (12-factor).

The defaults are the embedded setup of `make run`: SQLite, a file cache shared by the web
process and the worker, and outgoing mail kept in the outbox (readable in the admin).
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.management.utils import get_random_secret_key

from dateline.core.cache_backends import cache_from_url
from dateline.core.senders import address_domain, default_from_email

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(environ.Env().str("DATELINE_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)


class DatelineEnv(environ.Env):
    EMAIL_SCHEMES = {**environ.Env.EMAIL_SCHEMES, "outbox": "dateline.core.mail.OutboxEmailBackend"}


env = DatelineEnv()


def _embedded_secret_key() -> str:
    """A random key kept in var/ so sessions survive restarts of the embedded setup."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        path.write_text(get_random_secret_key())
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = env.str("SECRET_KEY", default="") or _embedded_secret_key()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[SITE_URL])

INSTALLED_APPS = [
    "dateline.core",
    "dateline.newsroom",
    "dateline.comments",
    "dateline.newsletter",
    "dateline.demo",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    "django_filters",
    "django_tasks",
    "django_tasks_db",
    "anymail",
    "axes",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # First: a body too large for its path is refused before anything reads it.
    "dateline.core.bodylimit.RequestBodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and auth: a cache hit is answered without touching either.
    "dateline.core.pagecache.PageCacheMiddleware",
    # Inside the page cache, which keeps these headers with the page.
    "dateline.core.security_headers.ContentSecurityPolicyMiddleware",
    "dateline.core.security_headers.PermissionsPolicyMiddleware",
    # Only on a page-cache miss: the Wagtail site from the shared cache, not two queries.
    "dateline.core.sites.CachedSiteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes asks: turns a locked-out sign-in into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "dateline.urls"
WSGI_APPLICATION = "dateline.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "dateline" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "dateline.core.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'dateline.sqlite3'}")
}
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # WAL lets the web process read while the worker writes; IMMEDIATE avoids the
    # "database is locked" upgrade deadlock between two writers.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Redis goes through dateline.core.cache_backends: while it is away pages are rendered from
# the database (nothing is cached), logged once; nothing that must hold lives in the cache.
CACHES = {
    "default": cache_from_url(env.str("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}")),
}
# Seconds: to connect to Redis, for each of its answers, and how long a failure makes every
# process skip it before trying again.
CACHE_CONNECT_TIMEOUT = env.float("CACHE_CONNECT_TIMEOUT", default=0.5)
CACHE_SOCKET_TIMEOUT = env.float("CACHE_SOCKET_TIMEOUT", default=1.0)
CACHE_RETRY_SECONDS = env.float("CACHE_RETRY_SECONDS", default=5.0)
# /healthz (dateline/core/health.py): a worker silent this long is down, an email waiting
# this long to be handed to the mail server is a backlog (both: "degraded", still 200).
HEALTH_WORKER_SECONDS = env.float("HEALTH_WORKER_SECONDS", default=60.0)
HEALTH_MAIL_QUEUE_SECONDS = env.float("HEALTH_MAIL_QUEUE_SECONDS", default=600.0)
# While the database is away readers get a 503 page asking them back after this long.
OUTAGE_RETRY_AFTER_SECONDS = env.int("OUTAGE_RETRY_AFTER_SECONDS", default=30)
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=600)
# What shared caches in front (CDN, nginx) may keep without a purge reaching them.
PAGE_CACHE_SHARED_MAX_AGE = env.int("PAGE_CACHE_SHARED_MAX_AGE", default=60)
PAGE_CACHE_BROWSER_MAX_AGE = env.int("PAGE_CACHE_BROWSER_MAX_AGE", default=0)
# How long a process serves a page from its own memory before checking its tags again:
# changes show within this without nginx; behind nginx set 0 (nginx keeps pages a second).
PAGE_CACHE_LOCAL_SECONDS = env.float("PAGE_CACHE_LOCAL_SECONDS", default=0.5)
# What nginx in front (deploy/nginx.conf.template) keeps a page: changes show within this.
PAGE_CACHE_PROXY_SECONDS = env.int("PAGE_CACHE_PROXY_SECONDS", default=1)

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="outbox://")
vars().update(EMAIL_CONFIG)
# From SITE_URL's host unless set (dateline/core/senders.py); `check --deploy` warns about a
# From or Message-ID domain that is localhost, an IP address or an example domain.
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL",
    default=default_from_email(SITE_URL, env.str("SITE_NAME", default="Dateline")),
)
# Errors mailed to ADMINS (none by default) come from this address.
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# The right-hand side of every Message-ID the site makes: the From address's domain.
MESSAGE_ID_DOMAIN = env.str("MESSAGE_ID_DOMAIN", default=address_domain(DEFAULT_FROM_EMAIL))
# Seconds an SMTP connection waits for the server at each step (Django's own setting): a
# server that hangs must not hold a worker for ever.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
# Transactional email (confirmations, notifications, digests, password resets) is queued in
# the database and retried (dateline/core/email.py): the first retry after
# MAIL_RETRY_SECONDS, each further one twice as long, at most MAIL_RETRY_MAX_SECONDS apart,
# for MAIL_RETRY_HOURS after it was queued.
MAIL_RETRY_SECONDS = env.float("MAIL_RETRY_SECONDS", default=30)
MAIL_RETRY_MAX_SECONDS = env.float("MAIL_RETRY_MAX_SECONDS", default=3600)
MAIL_RETRY_HOURS = env.float("MAIL_RETRY_HOURS", default=48)
# How long a worker's claim on an email it is handing over lasts: a worker gone for longer
# leaves it "in doubt". Longer than the slowest hand-over (several EMAIL_TIMEOUTs).
MAIL_CLAIM_SECONDS = env.int("MAIL_CLAIM_SECONDS", default=300)
# Sent, failed and unsent emails are forgotten after this many days.
MAIL_KEEP_DAYS = env.int("MAIL_KEEP_DAYS", default=30)

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
}
# The task worker (`manage.py db_worker`, dateline/core/taskworker.py), in seconds: how often
# it looks for due tasks (its --interval), how often it says it is alive, after how long
# without a word from a worker on another machine its running tasks count as lost, and the
# longest wait between attempts to reach a database that went away.
TASK_WORKER_POLL_SECONDS = env.float("TASK_WORKER_POLL_SECONDS", default=1.0)
TASK_WORKER_HEARTBEAT_SECONDS = env.float("TASK_WORKER_HEARTBEAT_SECONDS", default=10.0)
TASK_WORKER_LOST_SECONDS = env.float("TASK_WORKER_LOST_SECONDS", default=60.0)
TASK_WORKER_BACKOFF_MAX_SECONDS = env.float("TASK_WORKER_BACKOFF_MAX_SECONDS", default=30.0)

# Admin sign-in (dateline/core/signin.py): django-axes refuses a locked-out client first.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
# Failures counted per client address and, apart, per account; either reaching the limit
# refuses sign-in (even with the right password) until the cool-off after the last failure.
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_FAILURE_LIMIT = env.int("SIGNIN_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("SIGNIN_COOLOFF_MINUTES", default=15))
# Attempts while locked out are refused without restarting the cool-off, so the time the
# lockout page gives is the time it ends.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
# Not axes's own reset (every failure of the account and of the address): a sign-in
# forgets only that account's failures from that address (dateline.core.signin).
AXES_RESET_ON_SUCCESS = False
AXES_CLIENT_IP_CALLABLE = "dateline.core.signin.signin_client_ip"
AXES_LOCKOUT_CALLABLE = "dateline.core.signin.lockout_response"
WAGTAILADMIN_USER_PASSWORD_RESET_FORM = "dateline.core.signin.PasswordResetForm"  # noqa: S105
# (count, seconds) pairs: password reset requests per client network and per email address.
PASSWORD_RESET_RATE_LIMITS = {
    "ip": [(env.int("PASSWORD_RESETS_PER_IP_PER_HOUR", default=5), 3600)],
    "email": [(env.int("PASSWORD_RESETS_PER_EMAIL_PER_HOUR", default=3), 3600)],
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True
# Times shown without a format name their time zone (dateline/core/formats/en/formats.py).
FORMAT_MODULE_PATH = ["dateline.core.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "dateline" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_BACKEND",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# The embedded setup serves uploads itself; behind nginx, nginx does.
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)

WAGTAIL_SITE_NAME = env.str("SITE_NAME", default="Dateline")
WAGTAILIMAGES_IMAGE_MODEL = "newsroom.NewsImage"
# Readers' search on PostgreSQL (dateline/newsroom/search.py): the text search
# configuration its words are stemmed with, as the newsroom writes.
NEWSROOM_SEARCH_CONFIG = env.str("SEARCH_LANGUAGE", default="english")
WAGTAILSEARCH_BACKENDS = {
    # Full-text search in the database: SQLite FTS5 embedded, PostgreSQL's tsvector otherwise.
    "default": {"BACKEND": "wagtail.search.backends.database"},
}
WAGTAILADMIN_RICH_TEXT_EDITORS = {
    "default": {"WIDGET": "wagtail.admin.rich_text.DraftailRichTextArea"},
}
WAGTAIL_ENABLE_UPDATE_CHECK = False
# No Gravatar: it would tell a third party which editor opens which admin page, from where
# (and the admin's Content-Security-Policy loads images from the site only). Editors upload
# their picture in the admin (Account).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]

# Content-Security-Policy (django-csp; dateline/core/security_headers.py). Readers' pages run
# and style only the site's own files: no inline script or style, no nonce (pages are cached
# whole, the same for every reader). CSP_SCRIPT_SRC, CSP_FRAME_SRC, ... add origins, e.g. for
# embedded videos (CSP_FRAME_SRC=https://www.youtube-nocookie.com).
_CSP_EXTRA = {
    directive: env.list(f"CSP_{directive.replace('-', '_').upper()}", default=[])
    for directive in (
        "script-src",
        "style-src",
        "img-src",
        "media-src",
        "font-src",
        "connect-src",
        "frame-src",
    )
}
_MEDIA_ORIGIN = [MEDIA_URL] if MEDIA_URL.startswith(("https://", "http://")) else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", *_CSP_EXTRA["script-src"]],
        "style-src": ["'self'", *_CSP_EXTRA["style-src"]],
        "img-src": ["'self'", "data:", *_MEDIA_ORIGIN, *_CSP_EXTRA["img-src"]],
        "media-src": ["'self'", *_MEDIA_ORIGIN, *_CSP_EXTRA["media-src"]],
        "font-src": ["'self'", *_CSP_EXTRA["font-src"]],
        "connect-src": ["'self'", *_CSP_EXTRA["connect-src"]],
        "frame-src": ["'self'", *_CSP_EXTRA["frame-src"]],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        # As X-Frame-Options: DENY (Django's default): no site frames a reader's page.
        "frame-ancestors": ["'none'"],
    },
}
# The Wagtail admin's own pages carry inline scripts and styles; its page previews are
# framed by the admin itself.
ADMIN_URL_PREFIX = "/admin/"
ADMIN_CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *_MEDIA_ORIGIN, *_CSP_EXTRA["img-src"]],
        "media-src": ["'self'", *_MEDIA_ORIGIN, *_CSP_EXTRA["media-src"]],
        "frame-src": ["'self'", *_CSP_EXTRA["frame-src"]],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'self'"],
    },
}
# Browser features no page (nor any frame in one) may use: the site needs none of them.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "local-fonts",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}

# How many proxies of ours (nginx, a load balancer) add to X-Forwarded-For; 0 trusts none.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Comments: the editorial policy is in the admin (Settings → Comment settings); these are the
# operator's limits.
COMMENTS_MAX_LENGTH = env.int("COMMENTS_MAX_LENGTH", default=5000)
COMMENTS_EDIT_MINUTES = env.int("COMMENTS_EDIT_MINUTES", default=15)
COMMENTS_MIN_FILL_SECONDS = env.int("COMMENTS_MIN_FILL_SECONDS", default=3)
FORM_STAMP_MAX_AGE = env.int("FORM_STAMP_MAX_AGE", default=7 * 24 * 3600)
COMMENTS_MODERATOR_DIGEST_SECONDS = env.int("COMMENTS_MODERATOR_DIGEST_SECONDS", default=600)
# (count, seconds) pairs: at most count posts per seconds, per IP address and per email.
COMMENTS_RATE_LIMITS = {
    "ip": [
        (env.int("COMMENTS_PER_IP_PER_MINUTE", default=5), 60),
        (env.int("COMMENTS_PER_IP_PER_HOUR", default=30), 3600),
    ],
    "email": [
        (env.int("COMMENTS_PER_EMAIL_PER_MINUTE", default=3), 60),
        (env.int("COMMENTS_PER_EMAIL_PER_HOUR", default=20), 3600),
    ],
}
COMMENTS_SPAM_CHECKERS = env.list("COMMENTS_SPAM_CHECKERS", default=[])
AKISMET_API_KEY = env.str("AKISMET_API_KEY", default="")
AKISMET_ENDPOINT = env.str("AKISMET_ENDPOINT", default="")

# Request bodies (dateline/core/bodylimit.py): larger ones are refused with 413 from their
# Content-Length, unread. Public forms take no files; a comment of COMMENTS_MAX_LENGTH
# characters fits however it is written (a 4-byte character percent-encoded is 12 bytes).
REQUEST_BODY_MAX_BYTES = env.int(
    "REQUEST_BODY_MAX_BYTES", default=max(64 * 1024, 13 * COMMENTS_MAX_LENGTH)
)
# Larger allowances by path: the admin (images, documents, CSV imports; deploy/nginx.conf.template
# takes at most 25 MB) and email services' tracking webhooks (batches of events).
REQUEST_BODY_MAX_BYTES_BY_PATH = {
    "/admin/": env.int("ADMIN_REQUEST_BODY_MAX_BYTES", default=25 * 1024 * 1024),
    "/newsletter/webhooks/": env.int("WEBHOOK_REQUEST_BODY_MAX_BYTES", default=1024 * 1024),
}
# The embedded server (`manage.py serve`, dateline/core/front.py): a body must arrive within
# REQUEST_BODY_TIMEOUT seconds plus one second per REQUEST_BODY_MIN_RATE bytes (else 408);
# SERVE_THREADS threads run Django once a request is whole.
REQUEST_BODY_TIMEOUT = env.float("REQUEST_BODY_TIMEOUT", default=20.0)
REQUEST_BODY_MIN_RATE = env.float("REQUEST_BODY_MIN_RATE", default=50_000.0)
SERVE_THREADS = env.int("SERVE_THREADS", default=4)
# `manage.py serve` stops the site and the worker within SERVE_STOP_SECONDS (then kills
# them), and restarts either when it dies, after SERVE_RESTART_SECONDS, doubling up to
# SERVE_RESTART_MAX_SECONDS while it keeps dying.
SERVE_STOP_SECONDS = env.float("SERVE_STOP_SECONDS", default=8.0)
SERVE_RESTART_SECONDS = env.float("SERVE_RESTART_SECONDS", default=1.0)
SERVE_RESTART_MAX_SECONDS = env.float("SERVE_RESTART_MAX_SECONDS", default=60.0)

# A CAPTCHA for public forms (dotted path to a dateline.core.captcha backend); none by default.
CAPTCHA_BACKEND = env.str("CAPTCHA_BACKEND", default="")

# The mailing list: copy and blocked domains are in the admin (Settings → Mailing list).
NEWSLETTER_MIN_FILL_SECONDS = env.int("NEWSLETTER_MIN_FILL_SECONDS", default=2)
NEWSLETTER_CONFIRMATIONS_PER_DAY = 3
NEWSLETTER_CONFIRM_DAYS = env.int("NEWSLETTER_CONFIRM_DAYS", default=3)
NEWSLETTER_PENDING_DAYS = env.int("NEWSLETTER_PENDING_DAYS", default=30)
NEWSLETTER_SIGNUPS_PER_IP_PER_HOUR = env.int("NEWSLETTER_SIGNUPS_PER_IP_PER_HOUR", default=10)

# Sending newsletters. Several workers (on several machines) may send one campaign at once.
NEWSLETTER_BATCH_SIZE = env.int("NEWSLETTER_BATCH_SIZE", default=100)
# How long a worker's claim on a batch lasts without news from it (renewed while it works).
NEWSLETTER_CLAIM_SECONDS = env.int("NEWSLETTER_CLAIM_SECONDS", default=300)
# At most this many messages a second across every worker (0: as fast as the server takes).
NEWSLETTER_RATE = env.int("NEWSLETTER_RATE", default=0)
# At most this many connections to mail servers at once, across every worker.
NEWSLETTER_CONNECTIONS = env.int("NEWSLETTER_CONNECTIONS", default=4)
# Bulk mail through these servers or services, in turn (email URLs); default: EMAIL_URL.
NEWSLETTER_EMAIL_URLS = env.list("NEWSLETTER_EMAIL_URLS", default=[])
NEWSLETTER_SMTP_TIMEOUT = env.int("NEWSLETTER_SMTP_TIMEOUT", default=30)
NEWSLETTER_MAX_ATTEMPTS = env.int("NEWSLETTER_MAX_ATTEMPTS", default=6)
# The first retry after a temporary failure; each further one waits twice as long (max 1 h).
NEWSLETTER_RETRY_SECONDS = env.int("NEWSLETTER_RETRY_SECONDS", default=60)
NEWSLETTER_SOFT_BOUNCE_LIMIT = env.int("NEWSLETTER_SOFT_BOUNCE_LIMIT", default=3)
NEWSLETTER_SOFT_BOUNCE_DAYS = env.int("NEWSLETTER_SOFT_BOUNCE_DAYS", default=30)
# The envelope sender (Return-Path) of newsletters: where returned mail goes.
NEWSLETTER_BOUNCE_ADDRESS = env.str("NEWSLETTER_BOUNCE_ADDRESS", default="")
NEWSLETTER_MESSAGE_ID_DOMAIN = env.str("NEWSLETTER_MESSAGE_ID_DOMAIN", default=MESSAGE_ID_DOMAIN)
# DKIM signing when sending straight by SMTP (a PEM private key file).
NEWSLETTER_DKIM_KEY_FILE = env.str("NEWSLETTER_DKIM_KEY_FILE", default="")
NEWSLETTER_DKIM_SELECTOR = env.str("NEWSLETTER_DKIM_SELECTOR", default="dateline")
NEWSLETTER_DKIM_DOMAIN = env.str("NEWSLETTER_DKIM_DOMAIN", default="")
# Email services' tracking webhooks (/newsletter/webhooks/<service>/tracking/): the basic
# authentication "user:password" they are given, plus each service's own signing key.
ANYMAIL = {
    "WEBHOOK_SECRET": env.str("ANYMAIL_WEBHOOK_SECRET", default="") or None,
    **{
        key: env.str(f"ANYMAIL_{key}")
        for key in (
            "MAILGUN_API_KEY",
            "MAILGUN_WEBHOOK_SIGNING_KEY",
            "POSTMARK_SERVER_TOKEN",
            "SENDGRID_API_KEY",
            "BREVO_API_KEY",
        )
        if env.str(f"ANYMAIL_{key}", default="")
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        # One line per task or page event is noise at the console; warnings still show.
        "django_tasks_db": {"level": env.str("TASKS_LOG_LEVEL", default="WARNING")},
        "wagtail": {"level": env.str("WAGTAIL_LOG_LEVEL", default="WARNING")},
        # Failed sign-ins and lockouts are warnings; its start-up line is not.
        "axes": {"level": env.str("AXES_LOG_LEVEL", default="WARNING")},
    },
}
