"""The metrics the application updates as it works (the lowest layer: it imports nothing
of Participa's, so any domain may count). Read at ``/metrics`` (:mod:`participa.ops.metrics`).

Under several processes (gunicorn, a prefork worker) prometheus_client keeps them in files
of ``PROMETHEUS_MULTIPROC_DIR`` when that environment variable is set before this module
is imported; ``/metrics`` then adds up every process's files."""

from prometheus_client import Counter, Histogram

HTTP_REQUESTS = Counter(
    "participa_http_requests",
    "HTTP requests answered, by endpoint, method and status",
    ["endpoint", "method", "status"],
)
HTTP_LATENCY = Histogram(
    "participa_http_request_duration_seconds",
    "Time to answer an HTTP request, by endpoint and method",
    ["endpoint", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10, 30),
)
BALLOTS_STORED = Counter(
    "participa_ballots_stored",
    "Ballots stored (confirmed online, a first ballot or a changed one), after their commit",
)
TALLY_DURATION = Histogram(
    "participa_tally_duration_seconds",
    "Time a tally run took to count and store its outcome (in the worker)",
    buckets=(0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200),
)


def ballot_stored() -> None:
    """Count one stored ballot (registered to run after the commit that stores it)."""
    BALLOTS_STORED.inc()
