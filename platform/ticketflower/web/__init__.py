"""The web app: the pages where a company's people do the work (docs/decision-web-app.md).

Server-rendered Django templates on the company's host, session login with CSRF, the
same service layer and visibility rules as the API (docs/decision-web-app.md).
"""
