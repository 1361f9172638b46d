"""Platform operators' API on the public host: provisioning companies."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.response import Response

from tenants.models import Company
from ticketflower.api.errors import ProblemError
from ticketflower.api.permissions import IsPlatformAdmin
from ticketflower.api.serializers import StrictSerializer
from ticketflower.companies import provisioning


class AdminSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150, default="admin")
    password = serializers.CharField(
        min_length=8, write_only=True, style={"input_type": "password"}
    )


class TenantCreateSerializer(StrictSerializer):
    slug = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=200, required=False)
    domain = serializers.CharField(max_length=253, required=False)
    admin = AdminSerializer()


class TenantSerializer(serializers.ModelSerializer):
    slug = serializers.CharField(source="schema_name", read_only=True)
    domains = serializers.SlugRelatedField(many=True, read_only=True, slug_field="domain")

    class Meta:
        model = Company
        fields = ["slug", "name", "domains", "created_at"]


def _provision(call):
    try:
        return call()
    except provisioning.ProvisioningError as exc:
        raise ProblemError(str(exc), exc.problems) from None
    except ProblemError as exc:  # about the admin user (its password, say)
        problems = [{**p, "pointer": "/admin" + p["pointer"]} for p in exc.problems]
        raise ProblemError(str(exc.detail), problems) from None


class TenantViewSet(viewsets.ViewSet):
    """Companies: list, create (cloned schema + tenant_admin), delete with confirmation."""

    permission_classes = [IsPlatformAdmin]
    lookup_field = "slug"
    serializer_class = TenantSerializer

    @extend_schema(
        responses={200: TenantSerializer(many=True)}, operation_id="platform_tenants_list"
    )
    def list(self, request):
        companies = Company.objects.exclude(schema_name="public").prefetch_related("domains")
        return Response(TenantSerializer(companies, many=True).data)

    @extend_schema(
        request=TenantCreateSerializer,
        responses={201: TenantSerializer},
        operation_id="platform_tenants_create",
    )
    def create(self, request):
        data = TenantCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        created = _provision(
            lambda: provisioning.create_tenant(
                v["slug"],
                name=v.get("name"),
                domain=v.get("domain"),
                admin_username=v["admin"]["username"],
                admin_password=v["admin"]["password"],
            )
        )
        return Response(TenantSerializer(created.company).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        parameters=[
            OpenApiParameter("slug", str, OpenApiParameter.PATH, description="The company's slug."),
            OpenApiParameter("confirm", str, required=True, description="The slug, repeated."),
        ],
        responses={204: None},
        operation_id="platform_tenants_destroy",
    )
    def destroy(self, request, slug=None):
        confirm = request.query_params.get("confirm", "")
        _provision(lambda: provisioning.delete_tenant(slug, confirm=confirm))
        return Response(status=status.HTTP_204_NO_CONTENT)
