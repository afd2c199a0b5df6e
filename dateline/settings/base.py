"""Settings for every environment, read from the environment (12-factor).

The defaults are the embedded setup of `make run`: SQLite, a file cache shared by the web
process and the worker, and outgoing mail kept in the outbox (readable in the admin).
"""

from pathlib import Path

import environ
from django.core.management.utils import get_random_secret_key

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
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions and auth: a cache hit is answered without touching either.
    "dateline.core.pagecache.PageCacheMiddleware",
    # Only on a page-cache miss: the Wagtail site from the shared cache, not two queries.
    "dateline.core.sites.CachedSiteMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
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

CACHES = {
    "default": env.cache_url("CACHE_URL", default=f"filecache://{VAR_DIR / 'cache'}"),
}
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
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Dateline <newsroom@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TASKS = {
    "default": {
        "BACKEND": env.str("TASKS_BACKEND", default="django_tasks_db.DatabaseBackend"),
    }
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
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "key", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]

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
NEWSLETTER_MESSAGE_ID_DOMAIN = env.str("NEWSLETTER_MESSAGE_ID_DOMAIN", default="")
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
    },
}
