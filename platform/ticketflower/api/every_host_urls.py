"""URLs served on every host, the platform's and each company's: token, session login for
the browsable API, the OpenAPI schema, Swagger UI and ReDoc (their assets served
by the service itself, from drf-spectacular-sidecar: they work offline)."""

from django.contrib.auth import views as auth
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from ticketflower.accounts.forms import ThrottledAuthenticationForm
from ticketflower.accounts.views import ApiTokenViewSet, TokenView

# The browsable API's session login, with failed logins throttled like the API's.
browsable_auth = (
    [
        path(
            "login/",
            auth.LoginView.as_view(
                template_name="rest_framework/login.html",
                authentication_form=ThrottledAuthenticationForm,
            ),
            name="login",
        ),
        path("logout/", auth.LogoutView.as_view(), name="logout"),
    ],
    "rest_framework",
)

urlpatterns = [
    # Browsers ask for it on every site; without it each page logs a 404 in the console.
    path("favicon.ico", RedirectView.as_view(url=static("ticketflower/favicon.svg"))),
    path("api/v1/auth/token/", TokenView.as_view(), name="auth-token"),
    path("api/v1/auth/tokens/", ApiTokenViewSet.as_view({"get": "list"}), name="auth-tokens"),
    path(
        "api/v1/auth/tokens/<int:pk>/",
        ApiTokenViewSet.as_view({"delete": "destroy"}),
        name="auth-token-detail",
    ),
    path("api/auth/", include(browsable_auth)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("api/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
]
