"""What an operator sees: structured logs with request ids, Prometheus metrics
(docs/decision-observability.md)."""
