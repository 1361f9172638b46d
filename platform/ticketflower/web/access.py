"""The pages that let people in without a password (docs/decision-invitations.md):
accepting an invitation, asking for a password reset and setting the new password.

They are for people not logged in; what they write goes through the accounts services
(`accounts/invitations.py`, `accounts/password_reset.py`), as the API's does.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from ticketflower.accounts import invitations, password_reset
from ticketflower.accounts.forms import (
    AcceptInvitationForm,
    PasswordResetRequestForm,
    ResetPasswordForm,
)
from ticketflower.accounts.throttling import password_reset_wait
from ticketflower.api.errors import ProblemError

# What the page of an invitation that cannot be used says, and its status.
UNUSABLE = {
    "unknown": (404, "This invitation does not exist", "The link is not one of ours: check "
                "that it was copied whole, or ask for a new invitation."),
    "accepted": (410, "This invitation was already used", "Each invitation works once. If "
                 "it was you, log in with the username and password you chose."),
    "expired": (410, "This invitation has expired", "Ask the colleague who invited you "
                "for a new one."),
    "revoked": (410, "This invitation was withdrawn", "Ask the colleague who invited you "
                "if you should still join."),
}  # fmt: skip
# Where the services' problems go on the invitation page.
FIELDS = {"/username": "username", "/password": "password1"}


@never_cache
@sensitive_post_parameters("password1", "password2")
def invite(request: HttpRequest, token: str) -> HttpResponse:
    """An invited colleague picks a username (the invitation's suggestion filled in) and
    a password, and is logged in as the new user."""
    try:
        invitation = invitations.usable_invitation(token)
    except invitations.InvitationUnusable as exc:
        status, title, text = UNUSABLE[exc.status]
        context = {"title": title, "text": text}
        return render(request, "web/invitation_unusable.html", context, status=status)
    form = AcceptInvitationForm(
        request.POST or None, initial={"username": invitation.username or _suggestion(invitation)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.do_accept_invitation(
                token,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password1"],
            )
        except invitations.InvitationUnusable as exc:  # used meanwhile, in another tab
            status, title, text = UNUSABLE[exc.status]
            context = {"title": title, "text": text}
            return render(request, "web/invitation_unusable.html", context, status=status)
        except ProblemError as exc:
            for problem in exc.problems:
                form.add_error(FIELDS.get(problem["pointer"]), problem["message"])
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome, {user.username}: you are in.")
            return redirect("web-inbox")
    context = {"form": form, "invitation": invitation, "company": invitations.company_name()}
    return render(request, "web/invitation.html", context)


def _suggestion(invitation) -> str:
    return invitation.email.split("@")[0][:150]


@never_cache
def forgot_password(request: HttpRequest) -> HttpResponse:
    """Ask for a reset link by username or email; the answer never tells whether
    anyone has either."""
    form = PasswordResetRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        login_name = form.cleaned_data["login"]
        wait = password_reset_wait(request, login_name)
        if wait is not None:
            form.add_error(None, f"Too many requests: try again in {wait // 60 + 1} minutes.")
            return render(request, "web/password_reset.html", {"form": form}, status=429)
        password_reset.do_request_reset(login_name)
        return redirect("web-password-reset-sent")
    return render(request, "web/password_reset.html", {"form": form})


def reset_sent(request: HttpRequest) -> HttpResponse:
    return render(request, "web/password_reset_sent.html", {"text": password_reset.SENT})


class ResetPasswordView(auth.PasswordResetConfirmView):
    """Django's page behind a reset link (the token moves from the URL into the session
    before the form is shown, so it never leaks in a Referer), with our token generator
    and service; the person is logged in after."""

    template_name = "web/password_reset_confirm.html"
    form_class = ResetPasswordForm
    token_generator = password_reset.tokens
    post_reset_login = True
    post_reset_login_backend = "django.contrib.auth.backends.ModelBackend"
    success_url = reverse_lazy("web-inbox")

    def get_user(self, uidb64: str):
        user = super().get_user(uidb64)
        return user if user is not None and user.is_active else None

    def form_valid(self, form):
        answer = super().form_valid(form)
        messages.success(self.request, "Your new password is set: you are logged in.")
        return answer

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["invalid_text"] = password_reset.INVALID
        return context
