"""Notifications' API: my notification settings, the company's webhooks and the outbox
of deliveries (tenant admins), with a retry for a delivery that failed."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ticketflower.api.permissions import IsTenantAdmin
from ticketflower.definitions.filters import IdFilter
from ticketflower.notifications import delivery, services
from ticketflower.notifications.kinds import EVENTS, Kind
from ticketflower.notifications.models import Channel, Delivery, DeliveryStatus, Webhook


class PreferenceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    label = serializers.CharField()
    email = serializers.BooleanField()


class MyNotificationsView(APIView):
    """Which notifications I get by email; PATCH `{"kind": false}` turns one off."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        responses={200: PreferenceSerializer(many=True)}, operation_id="me_notifications"
    )
    def get(self, request: Request) -> Response:
        return Response(services.preferences_of(request.user))

    @extend_schema(
        request={
            "application/json": {"type": "object", "additionalProperties": {"type": "boolean"}}
        },
        responses={200: PreferenceSerializer(many=True)},
        operation_id="me_notifications_update",
    )
    def patch(self, request: Request) -> Response:
        return Response(services.do_set_preferences(request.user, request.data))


class SigningSecretSerializer(serializers.Serializer):
    secret = serializers.CharField(
        help_text="The key of the HMAC-SHA256 in X-TicketFlower-Signature (its UTF-8 bytes)."
    )


class SigningSecretView(APIView):
    """The company's signing secret, which every action request and webhook event is
    signed with (docs/action-signing.md): for tenant admins, to verify them."""

    permission_classes = [IsTenantAdmin]

    @extend_schema(responses={200: SigningSecretSerializer}, operation_id="signing_secret")
    def get(self, request: Request) -> Response:
        from ticketflower.actions.tokens import signing_secret

        return Response({"secret": signing_secret().decode()})


class WebhookSerializer(serializers.ModelSerializer):
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=[(k.value, k.label) for k in EVENTS]),
        required=False,
        help_text="The kinds of event sent to it; empty: every kind.",
    )
    url = serializers.URLField(max_length=2000)

    class Meta:
        model = Webhook
        fields = ["id", "url", "kinds", "description", "active", "created_at"]
        read_only_fields = ["id", "created_at"]


class WebhookViewSet(viewsets.ModelViewSet):
    """The company's webhooks: each event of the kinds listed is POSTed to the URL, signed
    as actions are (docs/action-signing.md), and retried until it is taken."""

    titles = ("Webhooks", "Webhook")
    serializer_class = WebhookSerializer
    permission_classes = [IsTenantAdmin]
    queryset = Webhook.objects.order_by("id")

    def perform_create(self, serializer):
        serializer.instance = services.do_create_webhook(
            created_by=self.request.user, **serializer.validated_data
        )

    def perform_update(self, serializer):
        serializer.instance = services.do_update_webhook(
            serializer.instance, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        services.do_delete_webhook(instance)


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id", "channel", "kind", "event_id", "recipient", "address", "webhook", "url",
            "subject", "ticket_id", "status", "attempts", "next_attempt_at", "last_error",
            "created_at", "sent_at",
        ]  # fmt: skip
        read_only_fields = fields


class DeliveryFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=DeliveryStatus.choices)
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    ticket = IdFilter(field_name="ticket_id")
    webhook = IdFilter(field_name="webhook_id")

    class Meta:
        model = Delivery
        fields = ["status", "channel", "kind", "ticket", "webhook"]


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Every email and webhook call the company sent or is sending (tenant admins): what
    waits, what failed and why; a failed one can be sent again."""

    titles = ("Deliveries", "Delivery")
    serializer_class = DeliverySerializer
    permission_classes = [IsTenantAdmin]
    filterset_class = DeliveryFilterSet
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]
    queryset = Delivery.objects.all()

    @extend_schema(
        request=None, responses={200: DeliverySerializer}, operation_id="deliveries_retry"
    )
    @action(detail=True, methods=["post"])
    def retry(self, request: Request, pk: str | None = None) -> Response:
        row = delivery.retry(self.get_object())
        return Response(DeliverySerializer(row).data)
