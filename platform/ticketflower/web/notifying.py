"""Pages of working together: my notification settings; for tenant admins, the
company's webhooks and deliveries, and the audit trail. Writes go through the same
services as the API (notifications/services.py)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from ticketflower.actions.tokens import signing_secret
from ticketflower.api.errors import ProblemError
from ticketflower.audit.models import AuditEntry
from ticketflower.notifications import delivery, services
from ticketflower.notifications.kinds import EVENTS, PERSONAL
from ticketflower.notifications.models import Delivery, DeliveryStatus, Webhook
from ticketflower.web.people import tenant_admin_only

PAGE_SIZE = 50


@login_required
def my_notifications(request: HttpRequest) -> HttpResponse:
    """Which notifications I get by email (every kind on until turned off)."""
    if request.method == "POST":
        wanted = set(request.POST.getlist("kinds"))
        services.do_set_preferences(request.user, {k.value: k.value in wanted for k in PERSONAL})
        messages.success(request, "Notification settings saved.")
        return redirect("web-my-notifications")
    return render(
        request,
        "web/my_notifications.html",
        {"kinds": services.preferences_of(request.user), "address": request.user.email},
    )


@tenant_admin_only
def webhooks(request: HttpRequest) -> HttpResponse:
    """The company's webhooks (add one here) and the newest deliveries, failed first."""
    problems: list[str] = []
    if request.method == "POST":
        url = request.POST.get("url", "").strip()
        kinds = request.POST.getlist("kinds")
        try:
            if not url:
                raise ProblemError("Invalid webhook.", [("/url", "Give the receiver's URL.")])
            services.do_create_webhook(
                created_by=request.user,
                url=url,
                kinds=kinds,
                description=request.POST.get("description", "")[:200],
            )
        except ProblemError as refusal:
            problems = [f"{p['pointer'].lstrip('/')}: {p['message']}" for p in refusal.problems]
        else:
            messages.success(request, f"Events now go to {url}.")
            return redirect("web-webhooks")
    status = request.GET.get("status", "")
    shown = Delivery.objects.order_by("-id")
    if status in DeliveryStatus.values:
        shown = shown.filter(status=status)
    page = Paginator(shown, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/webhooks.html",
        {
            "hooks": Webhook.objects.order_by("id"),
            "kinds": EVENTS,
            "deliveries": page,
            "page": page,
            "status": status,
            "statuses": DeliveryStatus.values,
            "keep": f"status={status}" if status else "",
            "problems": problems,
            "failed": Delivery.objects.filter(status=DeliveryStatus.FAILED).count(),
            "secret": signing_secret().decode(),
        },
    )


@tenant_admin_only
@require_POST
def webhook_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Pause, resume or remove a webhook."""
    hook = get_object_or_404(Webhook, pk=pk)
    if action == "delete":
        services.do_delete_webhook(hook)
        messages.success(request, f"{hook.url} removed.")
    elif action in ("pause", "resume"):
        services.do_update_webhook(hook, active=action == "resume")
        messages.success(request, f"{hook.url} {'resumed' if action == 'resume' else 'paused'}.")
    return redirect("web-webhooks")


@tenant_admin_only
@require_POST
def retry_delivery(request: HttpRequest, pk: int) -> HttpResponse:
    """Send a failed delivery again."""
    delivery.retry(get_object_or_404(Delivery, pk=pk))
    messages.success(request, f"Delivery {pk} is sent again.")
    return redirect("web-webhooks")


@tenant_admin_only
def audit_trail(request: HttpRequest) -> HttpResponse:
    """Who changed what, newest first; filtered by person, kind of change or ticket."""
    entries = AuditEntry.objects.order_by("-id")
    actor = request.GET.get("actor", "").strip()
    action = request.GET.get("action", "").strip()
    ticket = request.GET.get("ticket", "").strip()
    if actor:
        entries = entries.filter(actor_name=actor)
    if action:
        entries = entries.filter(action__startswith=action)
    if ticket.isdigit():
        entries = entries.filter(ticket_id=int(ticket))
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page"))
    keep = "&".join(
        f"{k}={v}" for k, v in (("actor", actor), ("action", action), ("ticket", ticket)) if v
    )
    return render(
        request,
        "web/audit.html",
        {
            "entries": page,
            "page": page,
            "keep": keep,
            "actor": actor,
            "action": action,
            "ticket": ticket,
            "actions": sorted(AuditEntry.objects.values_list("action", flat=True).distinct()),
        },
    )
