"""URLs of a company's host (tenant schema)."""

from django.urls import include, path

from ticketflower.accounts.views import (
    InvitationViewSet,
    MeView,
    PasswordResetConfirmView,
    PasswordResetView,
    RoleViewSet,
    UserViewSet,
)
from ticketflower.actions.views import CallbackView
from ticketflower.api.errors import handler400, handler403, handler404, handler500  # noqa: F401
from ticketflower.api.plugins import PluginListView
from ticketflower.api.root import Router
from ticketflower.audit.api import AuditEntryViewSet
from ticketflower.definitions import views as definitions
from ticketflower.discussions.api import CommentViewSet
from ticketflower.notifications import api as notifications
from ticketflower.runs import views as runs

router = Router()
router.register("users", UserViewSet, basename="user")
router.register("roles", RoleViewSet, basename="role")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("workflows", definitions.WorkflowViewSet, basename="workflow")
router.register("task-definitions", definitions.TaskDefinitionViewSet, basename="task-definition")
router.register("completions", definitions.CompletionDefinitionViewSet, basename="completion")
router.register(
    "ticket-definitions", definitions.TicketDefinitionViewSet, basename="ticket-definition"
)
router.register("bundles", definitions.BundleViewSet, basename="bundle")
router.register("tickets", runs.TicketViewSet, basename="ticket")
router.register("workflow-instances", runs.WorkflowInstanceViewSet, basename="workflow-instance")
router.register("tasks", runs.TaskViewSet, basename="task")
router.register("ticket-errors", runs.TicketErrorViewSet, basename="ticket-error")
router.register("files", runs.FileViewSet, basename="file")
router.register("audit", AuditEntryViewSet, basename="audit-entry")
router.register(r"tickets/(?P<ticket_pk>\d+)/comments", CommentViewSet, basename="comment")
router.register("webhooks", notifications.WebhookViewSet, basename="webhook")
router.register("deliveries", notifications.DeliveryViewSet, basename="delivery")

urlpatterns = [
    path("api/v1/me/", MeView.as_view(), name="me"),
    path(
        "api/v1/me/notifications/",
        notifications.MyNotificationsView.as_view(),
        name="me-notifications",
    ),
    # A company's people only: the platform's operators reset theirs otherwise.
    path("api/v1/auth/password-reset/", PasswordResetView.as_view(), name="password-reset"),
    path(
        "api/v1/auth/password-reset/confirm/",
        PasswordResetConfirmView.as_view(),
        name="password-reset-confirm",
    ),
    path("api/v1/plugins/", PluginListView.as_view(), name="plugins"),
    path(
        "api/v1/signing-secret/", notifications.SigningSecretView.as_view(), name="signing-secret"
    ),
    path("api/v1/callbacks/<str:token>/", CallbackView.as_view(), name="callback"),
    path("api/v1/", include(router.urls)),
    path("", include("ticketflower.api.every_host_urls")),
    path("", include("ticketflower.web.urls")),
]
