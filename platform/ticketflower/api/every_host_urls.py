"""URLs served on every host, the platform's and each company's: token, session login for
the browsable API, the OpenAPI schema, Swagger UI and ReDoc (their assets served
by the service itself, from drf-spectacular-sidecar: they work offline)."""

from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from ticketflower.accounts.views import TokenView

urlpatterns = [
    # Browsers ask for it on every site; without it each page logs a 404 in the console.
    path("favicon.ico", RedirectView.as_view(url=static("ticketflower/favicon.svg"))),
    path("api/v1/auth/token/", TokenView.as_view(), name="auth-token"),
    path("api/auth/", include("rest_framework.urls", namespace="rest_framework")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]
