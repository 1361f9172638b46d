"""Users, roles, tokens, invitations, password resets and the current user. Views parse
and delegate; services write."""

from __future__ import annotations

import django_filters
from django.contrib.auth.models import Group, User
from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import NotAuthenticated, Throttled
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ticketflower.accounts import invitations, password_reset, services
from ticketflower.accounts.authentication import TokenAuthentication
from ticketflower.accounts.models import ApiToken, Invitation, InvitationStatus
from ticketflower.accounts.roles import role_names
from ticketflower.accounts.serializers import (
    ApiTokenSerializer,
    CredentialsSerializer,
    DetailSerializer,
    InvitationSerializer,
    MeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetRequestSerializer,
    RoleSerializer,
    TokenSerializer,
    UserSerializer,
)
from ticketflower.accounts.throttling import LoginThrottled, log_in, password_reset_wait
from ticketflower.accounts.tokens import do_revoke_token, issue_token, tokens_of
from ticketflower.api.errors import ProblemError
from ticketflower.api.permissions import IsTenantAdmin


class TokenView(APIView):
    """Log in: a username and password for a new API token of this company (one per
    login: a device, a script); DELETE revokes the token the request carries (log out)."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=CredentialsSerializer,
        responses={
            200: TokenSerializer,
            429: OpenApiResponse(description="Too many failed logins"),
        },
        operation_id="auth_token",
    )
    def post(self, request):
        data = CredentialsSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        credentials = data.validated_data
        try:
            user = log_in(request._request, credentials["username"], credentials["password"])
        except LoginThrottled as exc:
            raise Throttled(wait=exc.wait, detail="Too many failed logins.") from None
        if user is None:
            raise ProblemError(
                "Unable to log in with the provided credentials.",
                [("", "Unknown username or wrong password.")],
                type="authentication_failed",
                status_code=status.HTTP_400_BAD_REQUEST,
            )
        name = credentials.get("name") or request.headers.get("User-Agent", "")
        token, key = issue_token(user, name)
        return Response({"token": key, "id": token.pk, "expires_at": token.expires_at})

    @extend_schema(responses={204: None}, operation_id="auth_token_revoke")
    def delete(self, request):
        found = TokenAuthentication().authenticate(request)
        if found is None:
            raise NotAuthenticated()
        do_revoke_token(found[1].pk, found[0])
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenViewSet(mixins.ListModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """My API tokens (never their keys): see where I am logged in, revoke one."""

    titles = ("API tokens", "API token")
    serializer_class = ApiTokenSerializer
    permission_classes = [IsAuthenticated]

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # the OpenAPI schema's generation
            return ApiToken.objects.none()
        return tokens_of(self.request.user)

    def perform_destroy(self, instance):
        do_revoke_token(instance.pk, self.request.user)


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

    def perform_destroy(self, instance):
        services.do_delete_user(instance)


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


class InvitationFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(
        choices=InvitationStatus.choices, method="filter_status", label="Status"
    )

    class Meta:
        model = Invitation
        fields = ["status"]

    def filter_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return invitations.having_status(queryset, value)


class InvitationViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """Invitations of colleagues (tenant_admin only): POST emails a single-use link that
    expires in 7 days, where the colleague picks a username and a password and becomes a
    user with the roles; DELETE revokes a pending one (the row stays, `revoked`)."""

    titles = ("Invitations", "Invitation")
    serializer_class = InvitationSerializer
    permission_classes = [IsTenantAdmin]
    filterset_class = InvitationFilterSet
    search_fields = ["email", "username"]
    ordering_fields = ["id", "created_at", "expires_at"]
    queryset = Invitation.objects.select_related("invited_by").order_by("-id")

    def perform_create(self, serializer):
        serializer.instance = invitations.do_invite(
            invited_by=self.request.user, **serializer.validated_data
        )

    def perform_destroy(self, instance):
        invitations.do_revoke_invitation(instance)


class PasswordResetView(APIView):
    """Forgot a password: a username or an email; each active user it names gets an email
    with a link that sets a new password (once, within an hour). Always the same answer,
    whether or not anyone was found."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=PasswordResetRequestSerializer,
        responses={
            202: DetailSerializer,
            429: OpenApiResponse(description="Too many reset requests"),
        },
        operation_id="auth_password_reset",
    )
    def post(self, request):
        data = PasswordResetRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        login = data.validated_data["login"]
        wait = password_reset_wait(request._request, login)
        if wait is not None:
            raise Throttled(wait=wait, detail="Too many password reset requests.")
        password_reset.do_request_reset(login)
        return Response({"detail": password_reset.SENT}, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    """Set a new password with the `uid` and `token` of an emailed reset link (Django's
    password rules); the link then stops working, and so do the user's API tokens."""

    permission_classes = [AllowAny]
    authentication_classes: list = []

    @extend_schema(
        request=PasswordResetConfirmSerializer,
        responses={200: DetailSerializer},
        operation_id="auth_password_reset_confirm",
    )
    def post(self, request):
        data = PasswordResetConfirmSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = data.validated_data
        password_reset.do_confirm_reset(fields["uid"], fields["token"], fields["password"])
        return Response({"detail": "Password changed: log in with it."})
