"""``/metrics`` in the Prometheus text format (``prometheus_client``), for the operator's monitor.

Two kinds of figures:

- **Counted as requests are answered**: requests and their latency by endpoint (the Flask URL
  rule, so every page of the site is one ``/<sitepath:path>`` series, not one per address) and
  the records appended, by action and source. Gunicorn answers with several worker processes,
  each counting its own; with ``PROMETHEUS_MULTIPROC_DIR`` set, prometheus_client keeps every
  process's counts in files in that directory and ``/metrics`` adds them up, so any worker gives
  the totals (its multiprocess mode; ``consent_service/gunicorn_config.py`` provides the
  directory). Without it, the counts are those of the answering process, which is right for a
  single process only.
- **Read when asked**, the same from every worker: every health check (``consent_check_ok``),
  the last publish (from its report beside the site's link), the last purge (``purge_runs``),
  the age of the oldest record kept and of the site's as-of day.

Readable by a client on this machine and with the admin token (``admin_access``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.multiprocess import MultiProcessCollector

from policy_core.publish_report import RESULTS, ReportError, read_report

from .admin_access import has_admin_bearer, is_loopback_client
from .built_site import SiteNotBuilt
from .choice import Choice
from .engine import StorageError
from .errors import ApiError, Unauthorized
from .gunicorn_config import MULTIPROCESS_ENV
from .health import CheckContext, oldest_consent_at, run_checks
from .records import utc_now
from .services import services

EXTENSION_KEY = "consent_metrics"
UNMATCHED = "none"
"""The endpoint of a request no URL rule matched (a 404 or 405 of the router)."""
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
"""Methods counted by name; any other is counted as ``other``, so a client cannot make series."""

bp = Blueprint("metrics", __name__)
logger = logging.getLogger(__name__)


class RequestMetrics:
    """The counters one app increments, in its own registry or, in multiprocess mode, in the
    directory every worker writes to."""

    def __init__(self) -> None:
        self.multiprocess = bool(os.environ.get(MULTIPROCESS_ENV))
        self.registry = CollectorRegistry()
        # In multiprocess mode the values live in the directory's files; a registry would only
        # show this process's share.
        registry = None if self.multiprocess else self.registry
        self.requests = Counter("consent_http_requests", "Requests answered, by endpoint (URL rule), "
                                "method and status.", ("endpoint", "method", "status"), registry=registry)
        self.latency = Histogram("consent_http_request_duration_seconds", "Time to answer a request "
                                 "(to its first byte), by endpoint (URL rule) and method.",
                                 ("endpoint", "method"), registry=registry)
        self.appended = Counter("consent_records_appended", "Choices appended to the log (a retry "
                                "answered from its idempotency key is not one), by action and source.",
                                ("action", "source"), registry=registry)

    def counted(self) -> Iterable[Metric]:
        """Every count so far: of all worker processes in multiprocess mode."""
        if self.multiprocess:
            return MultiProcessCollector(None).collect()
        return self.registry.collect()


def init_app(app: Flask) -> None:
    """Count every request (registered before other hooks, so a refused request counts too) and
    serve ``/metrics``."""
    app.extensions[EXTENSION_KEY] = RequestMetrics()
    app.before_request(_start_clock)
    app.after_request(_count_request)
    app.register_blueprint(bp)


def count_appended(choice: Choice) -> None:
    """Count a choice the log has just appended."""
    current_app.extensions[EXTENSION_KEY].appended.labels(choice.action, choice.source).inc()


def _start_clock() -> None:
    g.metrics_started = time.perf_counter()


def _count_request(response: Response) -> Response:
    metrics: RequestMetrics = current_app.extensions[EXTENSION_KEY]
    endpoint = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    method = request.method if request.method in METHODS else "other"
    metrics.requests.labels(endpoint, method, str(response.status_code)).inc()
    started = g.get("metrics_started")
    if started is not None:
        metrics.latency.labels(endpoint, method).observe(time.perf_counter() - started)
    return response


@bp.get("/metrics")
def metrics_page() -> Response:
    if not (is_loopback_client(request) or has_admin_bearer(request)):
        if current_app.config["CONSENT_ADMIN_TOKEN"] is None:
            raise ApiError("metrics_local_only", "Metrics are for clients on this machine; set "
                           "CONSENT_ADMIN_TOKEN to read them from elsewhere.", status=403)
        raise Unauthorized("unauthorized", "Send Authorization: Bearer <CONSENT_ADMIN_TOKEN>, or ask "
                           "from this machine.")
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Figures([*current_app.extensions[EXTENSION_KEY].counted(), *_read_now()]))
    # The format the scraper asks for (Accept), as prometheus_client's own exporters choose it.
    encode, content_type = choose_encoder(request.headers.get("Accept", ""))
    response = Response(encode(registry), content_type=content_type)
    response.vary.add("Accept")
    response.cache_control.no_store = True
    return response


class _Figures:
    """A collector of figures already gathered."""

    def __init__(self, metrics: list[Metric]) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        return iter(self._metrics)


def _read_now() -> list[Metric]:
    """The scheduled jobs' figures as the database and the disk hold them now."""
    svc = services()
    now = utc_now()
    context = CheckContext(svc, now)
    checks = GaugeMetricFamily("consent_check_ok", "1 when the health check's promise is kept, 0 "
                               "when not (GET /api/v1/health says why).", labels=["check"])
    for name, result in run_checks(context).items():
        checks.add_metric([name], 1 if result.ok else 0)
    found: list[Metric] = [checks, *_site_figures(context), *_publish_figures(Path(svc.site.root), now)]
    try:
        found += _purge_figures(context)
    except StorageError as error:
        logger.warning("metrics: the purge figures cannot be read: %s", error)
    return found


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(name, documentation, value=value)


def _site_figures(context: CheckContext) -> list[Metric]:
    try:
        manifest = context.services.site.manifest()
    except SiteNotBuilt:
        return []  # consent_check_ok{check="site"} is 0, and health says why
    return [_gauge("consent_site_as_of_age_days", "Days since the as-of day the site served was built "
                   "for (CONSENT_TIMEZONE); 0 or 1 while the daily publish runs.",
                   (context.today - manifest.as_of).days)]


def _publish_figures(link: Path, now: dt.datetime) -> list[Metric]:
    try:
        report = read_report(link)
    except ReportError as error:
        logger.warning("metrics: %s", error)
        return []
    if report is None:
        return []
    result = GaugeMetricFamily("consent_publish_last_result", "1 for the result of the last "
                               "policy-site publish, 0 for the others.", labels=["result"])
    for name in RESULTS:
        result.add_metric([name], 1 if report.result == name else 0)
    found: list[Metric] = [
        result,
        _gauge("consent_publish_last_run_timestamp_seconds", "When the last publish ended.",
               report.finished_at.timestamp()),
        _gauge("consent_publish_last_run_age_seconds", "Seconds since the last publish ended.",
               (now - report.finished_at).total_seconds()),
    ]
    if report.last_success is not None:
        found += [
            _gauge("consent_publish_last_success_timestamp_seconds", "When a publish last ended "
                   "published or unchanged.", report.last_success.timestamp()),
            _gauge("consent_publish_last_success_age_seconds", "Seconds since a publish last ended "
                   "published or unchanged.", (now - report.last_success).total_seconds()),
        ]
    return found


def _purge_figures(context: CheckContext) -> list[Metric]:
    found: list[Metric] = []
    last = context.services.storage.last_purge_run()
    if last is not None:
        found += [
            _gauge("consent_purge_last_run_timestamp_seconds", "When the last purge ran.",
                   last.ran_at.timestamp()),
            _gauge("consent_purge_last_run_age_seconds", "Seconds since the last purge ran.",
                   (context.now - last.ran_at).total_seconds()),
            _gauge("consent_purge_last_deleted_records", "Records the last purge deleted.", last.deleted),
            _gauge("consent_purge_last_deleted_visitors", "Visitors the last purge deleted (left "
                   "without records).", last.visitors_deleted),
        ]
    oldest = oldest_consent_at(context.services)
    if oldest is not None:
        found.append(_gauge("consent_retention_oldest_record_age_seconds", "Age of the oldest "
                            "consent record kept; the purge keeps it below CONSENT_RETENTION_DAYS.",
                            (context.now - oldest).total_seconds()))
    return found
