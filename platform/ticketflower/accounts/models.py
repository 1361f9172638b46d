"""API tokens (several per user, one per login or device, stored hashed, expiring) and
invitations of colleagues."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.utils import timezone


class ApiToken(models.Model):
    """One API token. Only the SHA-256 of its key is kept (a database leak gives no usable
    key) and its first characters, so that a person can tell their tokens apart."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    name = models.CharField(max_length=100, blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.prefix}… of user {self.user_id}"


class Invitation(models.Model):
    """A tenant admin's invitation of a colleague, by email, with roles
    (docs/decision-invitations.md). Only the SHA-256 of its token is kept: the token
    itself exists only in the emailed link."""

    email = models.EmailField(max_length=254)
    # The username the invitation suggests (the colleague may pick another).
    username = models.CharField(max_length=150, blank=True, default="")
    roles = ArrayField(models.CharField(max_length=150), default=list, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    # The user the invitation became.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    token_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.email

    @property
    def status(self) -> str:
        """accepted, revoked, expired or pending (in that order: an accepted invitation
        stays accepted after its time)."""
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.revoked_at is not None:
            return InvitationStatus.REVOKED
        if self.expires_at <= timezone.now():
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING


class InvitationStatus(models.TextChoices):
    PENDING = "pending"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    REVOKED = "revoked"
