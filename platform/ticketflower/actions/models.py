"""Per-company action secrets and single-use callback tokens (tenant schema)."""

from __future__ import annotations

from django.db import models


class SigningSecret(models.Model):
    """The company's secret for signing outbound action requests (one row)."""

    secret = models.CharField(max_length=128)
    created_at = models.DateTimeField(auto_now_add=True)


class ActionCallback(models.Model):
    """A callback URL handed to an ASYNC_ACTION's system: single use, expiring.

    Only the SHA-256 of the token is stored: a database leak gives no usable URL.
    """

    task_instance = models.ForeignKey(
        "runs.TaskInstance", on_delete=models.CASCADE, related_name="callbacks"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    # The run of the instance it was issued for (runs.host.run_of): a retry starts a new
    # run, and a late answer to an earlier run's request must not complete it.
    run = models.BigIntegerField(default=0)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
