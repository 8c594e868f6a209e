"""Operations: health and readiness, structured logs with a request id, Prometheus
metrics, optional Sentry, PostgreSQL session settings (see the README's "Operations")."""

# The endpoints of the operations blueprints (health, readiness, metrics): no session
# cookie, no legal interstitial (participa.security, participa.legal.views).
ENDPOINT_PREFIXES = ("ops.", "ops_metrics.")
