"""Dramatiq workers: the broker from REDIS_URL and the actors."""
