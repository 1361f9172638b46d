"""What every viewset of the API shares."""

from __future__ import annotations

from rest_framework import serializers


class NoBodySerializer(serializers.Serializer):
    """An action that takes no body (the browsable API shows a bare POST button)."""


class ActionFormsMixin:
    """Each action's page in the browsable API shows the form of the body that action takes
    (`action_serializers`), not the form of the resource it acts on."""

    action_serializers: dict[str, type] = {}

    def get_serializer_class(self):
        found = self.action_serializers.get(getattr(self, "action", None))
        return found if found is not None else super().get_serializer_class()
