"""The login form of the web app and the browsable API (failed logins counted and
throttled as the API's: accounts/throttling.py), and the forms of the pages that let
people in without a password: accepting an invitation, resetting a password."""

from __future__ import annotations

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm, SetPasswordForm
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError

from ticketflower.accounts.services import do_update_user
from ticketflower.accounts.throttling import LoginThrottled, log_in


class ThrottledAuthenticationForm(AuthenticationForm):
    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = log_in(self.request, username, password)
            except LoginThrottled as exc:
                raise ValidationError(str(exc), code="throttled") from None
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class PasswordResetRequestForm(forms.Form):
    """Forgot a password: whom to send a link to."""

    login = forms.CharField(
        label="Username or email",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )


def _password_fields() -> tuple[forms.CharField, forms.CharField]:
    widget = forms.PasswordInput(attrs={"autocomplete": "new-password"})
    return (
        forms.CharField(
            label="Password",
            strip=False,
            widget=widget,
            help_text=password_validation.password_validators_help_text_html(),
        ),
        forms.CharField(label="Password again", strip=False, widget=widget),
    )


class AcceptInvitationForm(forms.Form):
    """An invited colleague's username and password (the rules are the services': their
    problems are put back at the fields by the page)."""

    username = forms.CharField(
        label="Username",
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="Letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )
    password1, password2 = _password_fields()

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") != data["password1"]:
            self.add_error("password2", "The two passwords differ.")
        return data


class ResetPasswordForm(SetPasswordForm):
    """Django's new-password form (its validators), saved by the accounts service: the
    user's API tokens end with the old password and the change is in the audit trail."""

    def save(self, commit: bool = True):
        return do_update_user(self.user, password=self.cleaned_data["new_password1"])
