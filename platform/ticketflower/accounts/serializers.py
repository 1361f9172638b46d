"""Users, roles and the current user, as the API shows them."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.contrib.auth.password_validation import validate_password
from rest_framework import serializers

from ticketflower.accounts.roles import BUILTIN_ROLES, ROLE_NAME_PATTERN
from ticketflower.api.fields import NameListInputField
from ticketflower.api.serializers import StrictModelSerializer, StrictSerializer


class UserSerializer(StrictModelSerializer):
    roles = NameListInputField(
        required=False,
        help_text="Role names (in an HTML form: separated by commas or spaces).",
    )
    password = serializers.CharField(
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
        if attrs.get("password"):
            try:
                validate_password(attrs["password"])
            except Exception as exc:  # Django's ValidationError: keep its messages
                raise serializers.ValidationError({"password": list(exc.messages)}) from None
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
    username = serializers.CharField()
    password = serializers.CharField(style={"input_type": "password"}, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()


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
