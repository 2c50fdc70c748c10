from __future__ import annotations

import time

# No inline script or style attribute is allowed: every script is a static file.
POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


class ContentSecurityPolicyMiddleware:
    """Sends a Content-Security-Policy that forbids inline script on every response."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", POLICY)
        return response


class IdleSessionMiddleware:
    """Ends a session after SESSION_COOKIE_AGE without activity (shared ward workstations)
    without writing the session on every request: activity pushes its expiry forward at most
    once a minute, so the idle timeout holds to within a minute."""

    TOUCH_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            now = int(time.time())
            if now - int(session.get("_seen", 0)) >= self.TOUCH_SECONDS:
                session["_seen"] = now
        return self.get_response(request)
