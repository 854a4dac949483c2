"""The service's settings: one table of names, defaults and help, validated in one place.

Every setting comes from an environment variable of the same name, or from the
mapping given to :func:`consent_service.app.create_app` (tests use that). Invalid
values raise :class:`ConfigError` with a message that names the variable, the
value and what was expected.
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from limits import parse_many
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

from .errors import ConsentServiceError
from .log_key import DEFAULT_KEY_FILE

MIN_ADMIN_TOKEN_LENGTH = 16
MAX_RETENTION_DAYS = 36500
DEFAULT_DATABASE_FILE = "consent.sqlite3"


class ConfigError(ConsentServiceError, ValueError):
    """A setting has a value the service cannot use; the message says how to fix it."""


@dataclass(frozen=True)
class Setting:
    """One configuration variable: its default (as the environment would spell it) and help."""

    name: str
    default: str | None
    help: str
    parse: Callable[[Any, Path], Any]


def _database_url(value: Any, instance_path: Path) -> str:
    text = str(value).strip()
    if not text:
        instance_path.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{instance_path / DEFAULT_DATABASE_FILE}"
    try:
        url = make_url(text)
    except ArgumentError:
        raise ConfigError(
            f"CONSENT_DATABASE_URL={_redact(text)!r} is not a database URL; expected "
            "sqlite:///path/to/file.sqlite3 or postgresql://user@host:port/dbname"
        ) from None
    backend = url.get_backend_name()
    if backend == "sqlite":
        return _sqlite_url(url, text)
    if backend in ("postgresql", "postgres"):
        if url.drivername not in ("postgresql", "postgres", "postgresql+psycopg"):
            raise ConfigError(
                f"CONSENT_DATABASE_URL uses driver {url.drivername!r}; the service talks to "
                "PostgreSQL through psycopg 3: write postgresql://user@host:port/dbname"
            )
        if not url.database:
            raise ConfigError(
                f"CONSENT_DATABASE_URL={_redact(text)!r} names no database; "
                "expected postgresql://user@host:port/dbname"
            )
        url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    raise ConfigError(
        f"CONSENT_DATABASE_URL={_redact(text)!r}: unsupported database {backend!r}; "
        "expected sqlite:///path/to/file.sqlite3 or postgresql://user@host:port/dbname"
    )


def _sqlite_url(url: URL, text: str) -> str:
    if not url.database or url.database == ":memory:" or url.database.startswith("file::memory:"):
        raise ConfigError(
            f"CONSENT_DATABASE_URL={text!r} is an in-memory database, which loses every "
            "record when the process exits; give a file: sqlite:///path/to/file.sqlite3"
        )
    path = Path(url.database).expanduser().resolve()
    if not path.parent.is_dir():
        raise ConfigError(
            f"CONSENT_DATABASE_URL={text!r}: the directory {path.parent} does not exist; "
            "create it or point the URL at an existing directory"
        )
    return url.set(database=str(path)).render_as_string(hide_password=False)


def _redact(text: str) -> str:
    try:
        return make_url(text).render_as_string(hide_password=True)
    except ArgumentError:
        return text.split("@")[-1]


def _admin_token(value: Any, _instance_path: Path) -> str | None:
    token = "" if value is None else str(value).strip()
    if not token:
        return None
    if len(token) < MIN_ADMIN_TOKEN_LENGTH:
        raise ConfigError(
            f"CONSENT_ADMIN_TOKEN is {len(token)} characters long; use at least "
            f"{MIN_ADMIN_TOKEN_LENGTH} random characters, e.g. the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    return token


DEFAULT_PORTS = {"http": 80, "https": 443}


def _allowed_origins(value: Any, _instance_path: Path) -> tuple[str, ...]:
    """Each origin as a browser writes it in the ``Origin`` header (lower case, no default
    port), so that the comparison with that header, and the ``site`` recorded from it, are
    exact."""
    items = value if isinstance(value, list | tuple) else str(value or "").split(",")
    origins = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        parts = urlsplit(item)
        try:
            port = parts.port
        except ValueError:
            port = -1
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or port == -1
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or parts.username
        ):
            raise ConfigError(
                f"CONSENT_ALLOWED_ORIGINS contains {item!r}, which is not an origin; "
                "expected a comma-separated list like https://example.se,https://www.example.se"
            )
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        suffix = "" if port in (None, DEFAULT_PORTS[parts.scheme]) else f":{port}"
        origins.append(f"{parts.scheme}://{host}{suffix}")
    return tuple(origins)


def _site_dir(value: Any, _instance_path: Path) -> str:
    text = str(value).strip()
    if not text:
        raise ConfigError("CONSENT_SITE_DIR is empty; give the directory of the built site")
    # Absolute, but a link stays a link: `policy-site publish` swaps the one it serves through.
    return os.path.abspath(os.path.expanduser(text))


def _retention_days(value: Any, _instance_path: Path) -> int:
    try:
        days = int(str(value).strip())
    except ValueError:
        days = 0
    if not 1 <= days <= MAX_RETENTION_DAYS:
        raise ConfigError(
            f"CONSENT_RETENTION_DAYS={value!r}: expected a whole number of days between 1 and "
            f"{MAX_RETENTION_DAYS}, e.g. 1095 for three years"
        )
    return days


def _rate_limit(name: str, example: str) -> Callable[[Any, Path], str | None]:
    """The parser of a rate-limit setting: Flask-Limiter's syntax, or ``off`` (``None``)."""

    def parse(value: Any, _instance_path: Path) -> str | None:
        text = str(value).strip()
        if text.lower() == "off":
            return None
        try:
            if not parse_many(text):
                raise ValueError
        except ValueError:
            raise ConfigError(
                f"{name}={text!r} is not a rate limit; expected e.g. {example}, "
                "10/second;100/hour, or off"
            ) from None
        return text

    return parse


def _rate_limit_storage(value: Any, _instance_path: Path) -> str:
    text = str(value).strip()
    if "://" not in text:
        raise ConfigError(
            f"CONSENT_RATE_LIMIT_STORAGE={text!r} is not a storage URI; expected memory:// "
            "or e.g. redis://localhost:6379"
        )
    return text


def _timezone(value: Any, _instance_path: Path) -> str:
    text = str(value).strip()
    try:
        zoneinfo.ZoneInfo(text)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"CONSENT_TIMEZONE={text!r} is not a time zone; expected an IANA name "
            "such as Europe/Stockholm or UTC"
        ) from None
    return text


def _proxy_hops(value: Any, _instance_path: Path) -> int:
    try:
        hops = int(str(value).strip())
    except ValueError:
        hops = -1
    if not 0 <= hops <= 5:
        raise ConfigError(
            f"CONSENT_PROXY_HOPS={value!r}: expected the number of reverse proxies in front "
            "of the service, 0 (none) to 5"
        )
    return hops


def _log_key_file(value: Any, instance_path: Path) -> Path:
    text = str(value).strip()
    path = Path(text).expanduser() if text else instance_path / DEFAULT_KEY_FILE
    return path.absolute()


def _log_origin(value: Any, _instance_path: Path) -> str:
    text = str(value).strip()
    if not text or "+" in text or any(ch.isspace() or ord(ch) < 0x20 for ch in text) or "://" in text:
        raise ConfigError(
            f"CONSENT_LOG_ORIGIN={text!r:.80} cannot name the log; expected a schema-less URL "
            "without spaces or '+', such as integritet.example.se/consent-log"
        )
    return text


SEQUENCER_MODES = ("thread", "off")


def _sequencer(value: Any, _instance_path: Path) -> str:
    text = str(value).strip().lower()
    if text not in SEQUENCER_MODES:
        raise ConfigError(f"CONSENT_SEQUENCER={text!r:.40}: expected thread (every worker runs one; "
                          "one at a time integrates) or off (run `flask consent sequence` instead)")
    return text


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "CONSENT_DATABASE_URL",
        "",
        "Database URL: sqlite:///path/to/file.sqlite3 or postgresql://user@host:port/dbname "
        "(psycopg 3). Empty means consent.sqlite3 in the Flask instance folder.",
        _database_url,
    ),
    Setting(
        "CONSENT_ADMIN_TOKEN",
        None,
        "Bearer token for the audit endpoints and for /metrics from elsewhere, and the dashboard's "
        "password (at least 16 characters). Unset: audit endpoints and the dashboard answer 404.",
        _admin_token,
    ),
    Setting(
        "CONSENT_ALLOWED_ORIGINS",
        "",
        "Comma-separated origins (https://host[:port]) whose pages may record choices and read "
        "the visitor's log from a browser, with credentials, besides the service's own origin: "
        "the company's sites that embed the banner. Empty: same origin only.",
        _allowed_origins,
    ),
    Setting(
        "CONSENT_SITE_DIR",
        "site",
        "Directory of the built static site: its versions.json lists the policy versions a "
        "choice may refer to, and the service serves its files at /.",
        _site_dir,
    ),
    Setting(
        "CONSENT_LOG_KEY_FILE",
        "",
        "The log's Ed25519 signing key (created by init-db, mode 0600). Empty means "
        "consent-log.key in the Flask instance folder.",
        _log_key_file,
    ),
    Setting(
        "CONSENT_LOG_ORIGIN",
        "localhost/consent-log",
        "The log's name, the first line of every checkpoint, given to the key init-db creates "
        "(a key keeps its name): a schema-less URL such as integritet.example.se/consent-log.",
        _log_origin,
    ),
    Setting(
        "CONSENT_SEQUENCER",
        "thread",
        "thread: every service process runs a sequencer, and the one holding the lease integrates "
        "new records into the tree every 500 ms; off: run `flask consent sequence` instead.",
        _sequencer,
    ),
    Setting(
        "CONSENT_RETENTION_DAYS",
        "1095",
        "Days a consent record is kept; `flask consent purge` deletes the content of older ones "
        "and keeps their leaf hashes, so every proof still verifies.",
        _retention_days,
    ),
    Setting(
        "CONSENT_RATE_LIMIT",
        "30/minute",
        "Per-client limit on recording choices, in Flask-Limiter syntax (30/minute, "
        "5/second;100/hour), or off.",
        _rate_limit("CONSENT_RATE_LIMIT", "30/minute"),
    ),
    Setting(
        "CONSENT_LOGIN_RATE_LIMIT",
        "10/minute",
        "Per-client limit on attempts to sign in to the dashboard (every POST of its login form, "
        "right token or wrong), in Flask-Limiter syntax, or off. Independent of "
        "CONSENT_RATE_LIMIT; over it the form answers 429 without checking the token.",
        _rate_limit("CONSENT_LOGIN_RATE_LIMIT", "10/minute"),
    ),
    Setting(
        "CONSENT_RATE_LIMIT_STORAGE",
        "memory://",
        "Where the counters of both rate limits live. memory:// counts per worker process; use "
        "a shared store such as redis://host:6379 to count across workers.",
        _rate_limit_storage,
    ),
    Setting(
        "CONSENT_TIMEZONE",
        "Europe/Stockholm",
        "Time zone for dates on the consent-log page and for deciding which policy version is "
        "in effect today.",
        _timezone,
    ),
    Setting(
        "CONSENT_PROXY_HOPS",
        "0",
        "Number of reverse proxies in front of the service whose X-Forwarded-For/-Proto/-Host "
        "headers are trusted (for HTTPS detection and per-client rate limits).",
        _proxy_hops,
    ),
)


def load_settings(
    environ: Mapping[str, str], overrides: Mapping[str, Any], instance_path: str | os.PathLike
) -> dict[str, Any]:
    """Read every setting from ``overrides``, else ``environ``, else its default; validate it."""
    instance = Path(instance_path)
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.name in overrides:
            raw = overrides[setting.name]
        else:
            raw = environ.get(setting.name, setting.default)
        values[setting.name] = setting.parse("" if raw is None else raw, instance)
    return values
