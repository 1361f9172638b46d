"""URLs served on every host, the platform's and each company's: token, session login for
the browsable API, the OpenAPI schema, Swagger UI and ReDoc (their assets served
by the service itself, from drf-spectacular-sidecar: they work offline)."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from ticketflower.accounts.views import TokenView

urlpatterns = [
    path("api/v1/auth/token/", TokenView.as_view(), name="auth-token"),
    path("api/auth/", include("rest_framework.urls", namespace="rest_framework")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]
