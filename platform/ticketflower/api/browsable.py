"""The browsable API as people meet it: page titles in the domain's words, and action
pages that open on their form instead of an error."""

from __future__ import annotations

from typing import Any

from rest_framework import renderers, status


def view_name(view: Any) -> str:
    """A page's title: a viewset's `titles` (plural, singular) for its list, one item and
    each action ("Task: claim"); DRF's name from the class for the rest."""
    titles = getattr(view, "titles", None)
    if titles is None:
        # Imported here: rest_framework.views imports the renderers (settings) at import.
        from rest_framework.views import get_view_name

        return get_view_name(view)
    plural, singular = titles
    suffix = getattr(view, "suffix", None)
    if suffix == "List":
        return plural
    if suffix == "Instance":
        return singular
    action = getattr(view, "name", None)  # DRF names an extra action after its method
    if action:
        return f"{singular if getattr(view, 'detail', False) else plural}: {action.lower()}"
    return plural


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's browsable API, except that an action taken by POST (claim, complete,
    activate, import...) opens on its form: a person following a link there is not
    met by a 405 error."""

    def get_context(self, data: Any, accepted_media_type: str, renderer_context: dict) -> dict:
        request, response, view = (renderer_context[k] for k in ("request", "response", "view"))
        if (
            request.method == "GET"
            and response.status_code == status.HTTP_405_METHOD_NOT_ALLOWED
            and "POST" in getattr(view, "allowed_methods", ())
        ):
            # HTML only: a JSON client asking GET still gets the 405.
            response.status_code = status.HTTP_200_OK
            data = {
                "detail": "This action is taken by POST: fill in the form below and press "
                "POST, or send the same as a JSON body."
            }
        return super().get_context(data, accepted_media_type, renderer_context)
