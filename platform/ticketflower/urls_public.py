"""URLs of the public (platform) host: provisioning; no company data is reachable here."""

from django.urls import include, path
from rest_framework.routers import SimpleRouter

from ticketflower.accounts.views import TokenView
from ticketflower.platform_api.views import TenantViewSet

router = SimpleRouter()
router.register("tenants", TenantViewSet, basename="platform-tenant")

urlpatterns = [
    path("api/v1/auth/token/", TokenView.as_view(), name="auth-token"),
    path("api/v1/platform/", include(router.urls)),
    path("api/auth/", include("rest_framework.urls", namespace="rest_framework")),
    path("", include("ticketflower.api.schema_urls")),
]

handler400 = "ticketflower.api.errors.handler400"
handler403 = "ticketflower.api.errors.handler403"
handler404 = "ticketflower.api.errors.handler404"
handler500 = "ticketflower.api.errors.handler500"
