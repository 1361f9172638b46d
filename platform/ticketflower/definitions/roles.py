"""Roles a bundle names that the company does not have.

A bundle travels between companies, so the kernel cannot know a company's roles; the
platform reports each unknown one as an analysis warning with its pointer
(docs/decision-runs-task-roles.md): a ticket nobody can submit, or a task nobody can
claim, is almost always a typo or a role not created yet.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group

from kernel.problems import pointer

# (section, key, what holding the role allows)
_ROLE_LISTS = (
    ("tickets", "company_role_access", "submit this ticket"),
    ("tasks", "roles", "claim and complete this task"),
)


def unknown_role_findings(bundle: Any) -> list[dict[str, Any]]:
    """A warning per role name of the bundle that is not one of the company's roles."""
    if not isinstance(bundle, dict):
        return []
    known = set(Group.objects.values_list("name", flat=True))
    listed = ", ".join(sorted(known)) or "none"
    findings = []
    for section, key, allows in _ROLE_LISTS:
        for i, part in enumerate(bundle.get(section) or ()):
            roles = part.get(key) if isinstance(part, dict) else None
            for j, role in enumerate(roles if isinstance(roles, list) else ()):
                if isinstance(role, str) and role not in known:
                    at = f"/{section}/{i}{pointer(key)}/{j}"
                    message = (
                        f"No role '{role}' in this company: nobody holding it can {allows} "
                        f"(ticket admins still can). The company's roles: {listed}."
                    )
                    findings.append(
                        {
                            "kind": "unknown_role",
                            "level": "warning",
                            "pointer": at,
                            "message": message,
                            "pointers": [at],
                        }
                    )
    return findings
