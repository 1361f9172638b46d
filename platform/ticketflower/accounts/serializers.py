"""Users, roles and the current user, as the API shows them."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.contrib.auth.validators import UnicodeUsernameValidator
from rest_framework import serializers

from ticketflower.accounts.models import Invitation, InvitationStatus
from ticketflower.accounts.roles import BUILTIN_ROLES, ROLE_NAME_PATTERN
from ticketflower.api.fields import NameListInputField, StrictCharField
from ticketflower.api.serializers import StrictModelSerializer, StrictSerializer


class UserSerializer(StrictModelSerializer):
    roles = NameListInputField(
        required=False,
        help_text="Role names (in an HTML form: separated by commas or spaces).",
    )
    username = StrictCharField(max_length=150, validators=[UnicodeUsernameValidator()])
    password = StrictCharField(
        write_only=True, required=False, style={"input_type": "password"}, min_length=1
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "email",
            "first_name",
            "last_name",
            "is_active",
            "roles",
            "password",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        data["roles"] = sorted(g.name for g in instance.groups.all())
        return data

    def validate(self, attrs):
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": ["This field is required."]})
        return attrs


class RoleSerializer(StrictModelSerializer):
    name = serializers.RegexField(ROLE_NAME_PATTERN, max_length=100)
    builtin = serializers.SerializerMethodField()

    class Meta:
        model = Group
        fields = ["id", "name", "builtin"]

    def get_builtin(self, obj) -> bool:
        return obj.name in BUILTIN_ROLES


class CredentialsSerializer(StrictSerializer):
    username = StrictCharField()
    password = StrictCharField(style={"input_type": "password"}, trim_whitespace=False)
    name = StrictCharField(
        required=False, max_length=100, help_text="What the token is for (a device, a script)."
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="The key: shown this once, never again.")
    id = serializers.IntegerField()
    expires_at = serializers.DateTimeField(
        help_text="Moves forward as the token is used (30 days after its last use)."
    )


class ApiTokenSerializer(serializers.Serializer):
    """One of my tokens, never its key."""

    id = serializers.IntegerField()
    prefix = serializers.CharField(help_text="The key's first characters.")
    name = serializers.CharField()
    created_at = serializers.DateTimeField()
    last_used_at = serializers.DateTimeField(allow_null=True)
    expires_at = serializers.DateTimeField()
    current = serializers.SerializerMethodField(help_text="The token of this request.")

    def get_current(self, token) -> bool:
        auth = getattr(self.context.get("request"), "auth", None)
        return getattr(auth, "pk", None) == token.pk


class MeUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "first_name", "last_name"]


class TenantRefSerializer(serializers.Serializer):
    slug = serializers.CharField()
    name = serializers.CharField()


class MeSerializer(serializers.Serializer):
    user = MeUserSerializer()
    roles = serializers.ListField(child=serializers.CharField())
    tenant = TenantRefSerializer(allow_null=True)


class InvitationSerializer(StrictModelSerializer):
    """An invitation as the company's tenant admins see it (never its token)."""

    email = serializers.EmailField(max_length=254)
    username = StrictCharField(
        max_length=150,
        required=False,
        allow_blank=True,
        validators=[UnicodeUsernameValidator()],
        help_text="The username suggested to the colleague (they may pick another).",
    )
    roles = NameListInputField(
        required=False,
        help_text="Role names given on acceptance (in an HTML form: separated by commas).",
    )
    status = serializers.ChoiceField(choices=InvitationStatus.choices, read_only=True)
    invited_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = Invitation
        fields = [
            "id",
            "email",
            "username",
            "roles",
            "status",
            "invited_by",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
            "user",
        ]
        read_only_fields = [
            "id",
            "status",
            "invited_by",
            "created_at",
            "expires_at",
            "accepted_at",
            "revoked_at",
            "user",
        ]


class PasswordResetRequestSerializer(StrictSerializer):
    login = StrictCharField(max_length=254, help_text="A username or an email address.")


class PasswordResetConfirmSerializer(StrictSerializer):
    uid = StrictCharField(max_length=64, help_text="The `uid` part of the emailed link.")
    token = StrictCharField(max_length=128, help_text="The `token` part of the emailed link.")
    password = StrictCharField(
        style={"input_type": "password"}, trim_whitespace=False, help_text="The new password."
    )


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()
