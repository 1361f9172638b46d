"""The database backend: django-tenants' PostgreSQL backend, sending `SET search_path` only
when the connection's search path must change (docs/decision-search-path-once.md)."""
