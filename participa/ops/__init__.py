"""Operations: health and readiness, structured logs with a request id, Prometheus
metrics, optional Sentry, PostgreSQL session settings (see the README's "Operations")."""
