"""The tenant admins' pages: the company's users, invitations and roles.

Input is checked by the API's own serializers (password rules, role names, unknown
keys) and written by `accounts/services.py`, as `/api/v1/users/` and `/roles/` do.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import Group, User
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST
from rest_framework.exceptions import ValidationError

from ticketflower.accounts import invitations, services
from ticketflower.accounts.models import Invitation
from ticketflower.accounts.roles import BUILTIN_ROLES, TENANT_ADMIN, has_role
from ticketflower.accounts.serializers import (
    InvitationSerializer,
    RoleSerializer,
    UserSerializer,
)
from ticketflower.api.errors import ProblemError


def tenant_admin_only(view):
    """The page is a tenant admin's (403 for anyone else, as in the API)."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not has_role(request.user, TENANT_ADMIN):
            raise PermissionDenied("Only a tenant_admin manages users and roles.")
        return view(request, *args, **kwargs)

    return login_required(wrapped)


def _errors(exc: Exception) -> list[str]:
    if isinstance(exc, ProblemError):
        return [f"{p['pointer'].lstrip('/') or 'request'}: {p['message']}" for p in exc.problems]
    detail = getattr(exc, "detail", {})
    return (
        [f"{k}: {' '.join(map(str, v))}" for k, v in detail.items()]
        if isinstance(detail, dict)
        else [str(detail)]
    )


@tenant_admin_only
def people(request: HttpRequest) -> HttpResponse:
    """Users with their roles, a form to add one, and the roles."""
    problems: list[str] = []
    if request.method == "POST":
        data = {
            "username": request.POST.get("username", ""),
            "password": request.POST.get("password", ""),
            "roles": request.POST.getlist("roles"),
        }
        serializer = UserSerializer(data=data)
        try:
            serializer.is_valid(raise_exception=True)
            user = services.do_create_user(**serializer.validated_data)
        except (ValidationError, ProblemError) as exc:
            problems = _errors(exc)
        else:
            messages.success(request, f"{user.username} can log in now.")
            return redirect("web-people")
    return _page(request, problems=problems)


def _page(request: HttpRequest, **extra) -> HttpResponse:
    users = User.objects.prefetch_related("groups").order_by("username")
    roles = Group.objects.order_by("name")
    invited = Invitation.objects.select_related("invited_by", "user")[:30]
    context = {"users": users, "roles": roles, "builtin": BUILTIN_ROLES, "invited": invited}
    context.update(extra)
    return render(request, "web/people.html", context)


@tenant_admin_only
@require_POST
def invite(request: HttpRequest) -> HttpResponse:
    """Invite a colleague by email with roles: they get a link to pick a username and a
    password (nothing is sent but the link)."""
    data = {
        "email": request.POST.get("email", ""),
        "username": request.POST.get("username", ""),
        "roles": request.POST.getlist("roles"),
    }
    serializer = InvitationSerializer(data=data)
    try:
        serializer.is_valid(raise_exception=True)
        invitation = invitations.do_invite(invited_by=request.user, **serializer.validated_data)
    except (ValidationError, ProblemError) as exc:
        return _page(request, invite_problems=_errors(exc), invite_data=data)
    messages.success(request, f"Invitation sent to {invitation.email}.")
    return redirect("web-people")


@tenant_admin_only
@require_POST
def revoke_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    """Withdraw a pending invitation: its link stops working."""
    invitation = get_object_or_404(Invitation, pk=pk)
    try:
        invitations.do_revoke_invitation(invitation)
        messages.success(request, f"The invitation of {invitation.email} is withdrawn.")
    except ProblemError as exc:
        messages.error(request, "; ".join(_errors(exc)))
    return redirect("web-people")


@tenant_admin_only
@require_POST
def person(request: HttpRequest, pk: int) -> HttpResponse:
    """Change one user: roles, a new password, active or not."""
    user = get_object_or_404(User, pk=pk)
    data: dict = {"roles": request.POST.getlist("roles")}
    if request.POST.get("password"):
        data["password"] = request.POST["password"]
    if "is_active" in request.POST:
        data["is_active"] = request.POST["is_active"] == "true"
    serializer = UserSerializer(user, data=data, partial=True)
    try:
        serializer.is_valid(raise_exception=True)
        services.do_update_user(user, **serializer.validated_data)
        messages.success(request, f"{user.username} saved.")
    except (ValidationError, ProblemError) as exc:
        messages.error(request, "; ".join(_errors(exc)))
    return redirect("web-people")


@tenant_admin_only
@require_POST
def roles(request: HttpRequest) -> HttpResponse:
    """Add a role, or delete one (built-in roles stay)."""
    try:
        if request.POST.get("delete"):
            services.do_delete_role(get_object_or_404(Group, pk=request.POST["delete"]))
            messages.success(request, "Role deleted.")
        else:
            serializer = RoleSerializer(data={"name": request.POST.get("name", "")})
            serializer.is_valid(raise_exception=True)
            services.do_create_role(serializer.validated_data["name"])
            messages.success(request, "Role added.")
    except (ValidationError, ProblemError) as exc:
        messages.error(request, "; ".join(_errors(exc)))
    return redirect("web-people")
