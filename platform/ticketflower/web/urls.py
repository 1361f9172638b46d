"""The web app's pages, under `/` of a company's host (the API stays under `/api/`)."""

from django.contrib.auth import views as auth
from django.urls import path

from ticketflower.accounts.forms import ThrottledAuthenticationForm
from ticketflower.web import (
    access,
    comments,
    design_parts,
    designs,
    notifying,
    people,
    trying,
    views,
)

urlpatterns = [
    path("", views.home, name="web-home"),
    path(
        "login/",
        auth.LoginView.as_view(
            template_name="web/login.html", authentication_form=ThrottledAuthenticationForm
        ),
        name="login",
    ),
    path("logout/", auth.LogoutView.as_view(), name="logout"),
    path("password-reset/", access.forgot_password, name="web-password-reset"),
    path("password-reset/sent/", access.reset_sent, name="web-password-reset-sent"),
    path(
        "reset/<uidb64>/<token>/",
        access.ResetPasswordView.as_view(),
        name="web-password-reset-confirm",
    ),
    path("invite/<str:token>/", access.invite, name="web-invite"),
    path("inbox/", views.inbox, name="web-inbox"),
    path("tasks/<int:pk>/", views.task, name="web-task"),
    path("tasks/<int:pk>/<str:action>/", views.task_action, name="web-task-action"),
    path("tickets/", views.tickets, name="web-tickets"),
    path("tickets/new/", views.new_ticket, name="web-new-ticket"),
    path("tickets/new/<int:pk>/", views.new_ticket, name="web-new-ticket-of"),
    path("tickets/<int:pk>/", views.ticket, name="web-ticket"),
    path("tickets/<int:pk>/comments/", comments.add, name="web-comment-add"),
    path("errors/", views.errors, name="web-errors"),
    path("errors/<int:pk>/<str:action>/", views.error_action, name="web-error-action"),
    path("workflows/", designs.workflows, name="web-workflows"),
    path("workflows/new/", designs.design, name="web-design-new"),
    path("workflows/new-empty/", design_parts.new_workflow, name="web-workflow-new-empty"),
    path(
        "workflows/<int:pk>/settings/", design_parts.workflow_settings, name="web-workflow-settings"
    ),
    path("workflows/<int:pk>/add/<str:section>/", design_parts.part_new, name="web-part-new"),
    path("definitions/<str:section>/<int:pk>/edit/", design_parts.part_edit, name="web-part-edit"),
    path("workflows/<int:pk>/", designs.workflow, name="web-workflow"),
    path("workflows/<int:pk>/edit/", designs.design, name="web-design-edit"),
    path("workflows/<int:pk>/try/", trying.try_workflow, name="web-try"),
    path("workflows/<int:pk>/simulate/", designs.simulate, name="web-simulate"),
    path("workflows/<int:pk>/compare/<int:other>/", designs.compare, name="web-compare"),
    path("workflows/<int:pk>/bundle.json", designs.download, name="web-workflow-download"),
    path("workflows/<int:pk>/<str:action>/", designs.workflow_action, name="web-workflow-action"),
    path("definitions/<str:section>/<int:pk>/", designs.part, name="web-part"),
    path("people/", people.people, name="web-people"),
    path("settings/notifications/", notifying.my_notifications, name="web-my-notifications"),
    path("company/webhooks/", notifying.webhooks, name="web-webhooks"),
    path(
        "company/webhooks/<int:pk>/<str:action>/",
        notifying.webhook_action,
        name="web-webhook-action",
    ),
    path("company/deliveries/<int:pk>/retry/", notifying.retry_delivery, name="web-delivery-retry"),
    path("company/audit/", notifying.audit_trail, name="web-audit"),
    path("people/<int:pk>/", people.person, name="web-person"),
    path("people/roles/", people.roles, name="web-roles"),
    path("people/invitations/", people.invite, name="web-invitations"),
    path(
        "people/invitations/<int:pk>/revoke/",
        people.revoke_invitation,
        name="web-invitation-revoke",
    ),
]
