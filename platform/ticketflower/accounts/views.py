"""Users, roles, tokens and the current user. Views parse and delegate; services write."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.models import Group, User
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ticketflower.accounts import services
from ticketflower.accounts.roles import role_names
from ticketflower.accounts.serializers import (
    CredentialsSerializer,
    MeSerializer,
    RoleSerializer,
    TokenSerializer,
    UserSerializer,
)
from ticketflower.api.errors import ProblemError
from ticketflower.api.permissions import IsTenantAdmin


class TokenView(APIView):
    """Exchange a username and password for an API token of this company."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=CredentialsSerializer, responses={200: TokenSerializer}, operation_id="auth_token"
    )
    def post(self, request):
        data = CredentialsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = authenticate(request, **data.validated_data)
        if user is None:
            raise ProblemError(
                "Unable to log in with the provided credentials.",
                [("", "Unknown username or wrong password.")],
                type="authentication_failed",
                status_code=status.HTTP_400_BAD_REQUEST,
            )
        token, _ = Token.objects.get_or_create(user=user)
        return Response({"token": token.key})


class MeView(APIView):
    """The authenticated user, their roles and their company."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: MeSerializer}, operation_id="me_retrieve")
    def get(self, request):
        tenant = getattr(request, "tenant", None)
        body = {
            "user": request.user,
            "roles": sorted(role_names(request.user)),
            "tenant": {"slug": tenant.schema_name, "name": tenant.name} if tenant else None,
        }
        return Response(MeSerializer(body).data)


class UserViewSet(viewsets.ModelViewSet):
    """The company's users (tenant_admin only)."""

    titles = ("Users", "User")

    queryset = User.objects.prefetch_related("groups").order_by("id")
    serializer_class = UserSerializer
    permission_classes = [IsTenantAdmin]
    search_fields = ["username", "email", "first_name", "last_name"]
    ordering_fields = ["id", "username"]
    filterset_fields = ["is_active"]

    def perform_create(self, serializer):
        serializer.instance = services.do_create_user(**serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = services.do_update_user(
            serializer.instance, **serializer.validated_data
        )


class RoleViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The company's roles: the built-in ones and custom named roles (tenant_admin only)."""

    titles = ("Roles", "Role")

    queryset = Group.objects.order_by("name")
    serializer_class = RoleSerializer
    permission_classes = [IsTenantAdmin]
    search_fields = ["name"]

    def perform_create(self, serializer):
        serializer.instance = services.do_create_role(serializer.validated_data["name"])

    def perform_destroy(self, instance):
        services.do_delete_role(instance)
