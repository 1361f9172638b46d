"""`GET /api/v1/plugins/`: what is loaded, with versions (any signed-in user of a company)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from plugins.manager import loaded_plugins


class PluginSerializer(serializers.Serializer):
    name = serializers.CharField()
    version = serializers.CharField()
    package = serializers.CharField()
    builtin = serializers.BooleanField()
    hooks = serializers.ListField(child=serializers.CharField())


class PluginListView(APIView):
    """The loaded plugins: built-ins and those installed through the `ticketflower` entry points."""

    @extend_schema(responses={200: PluginSerializer(many=True)}, operation_id="plugins_list")
    def get(self, request):
        return Response(PluginSerializer(loaded_plugins(), many=True).data)
