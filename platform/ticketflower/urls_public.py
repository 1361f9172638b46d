"""URLs of the public (platform) host: provisioning; no company data is reachable here."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from ticketflower.api.errors import handler400, handler403, handler404, handler500  # noqa: F401
from ticketflower.platform_api.views import TenantViewSet

router = SimpleRouter()
router.register("tenants", TenantViewSet, basename="platform-tenant")

urlpatterns = [
    path("api/v1/platform/", include(router.urls)),
    path("", include("ticketflower.api.every_host_urls")),
]
