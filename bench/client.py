"""A small HTTP client for the benchmarks: one logged-in browser, cookies and CSRF included.

Standard library only (http.client), loopback only. gunicorn's sync workers close the
connection after each response, so each request opens a new one, as a browser would here.
"""

from __future__ import annotations

import http.client
import re
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


class Response:
    def __init__(self, status: int, headers: dict[str, str], body: bytes, seconds: float):
        self.status, self.headers, self.body, self.seconds = status, headers, body, seconds

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    @property
    def location(self) -> str:
        return self.headers.get("location", "")


class Browser:
    def __init__(self, base: str):
        parts = urlsplit(base)
        if parts.hostname not in LOOPBACK:
            raise ValueError("The benchmarks only ever talk to a loopback address.")
        self.host, self.port = parts.hostname, parts.port or 80
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, data: dict | None = None, *, stream=False):
        """One request; the time is to the last byte of the body."""
        headers = {"Host": f"{self.host}:{self.port}", "User-Agent": "miss-bench"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if method == "POST":
            fields = dict(data or {})
            fields.setdefault("csrfmiddlewaretoken", self.cookies.get("csrftoken", ""))
            body = urlencode(fields, doseq=True)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["X-CSRFToken"] = self.cookies.get("csrftoken", "")
        started = time.perf_counter()
        connection = http.client.HTTPConnection(self.host, self.port, timeout=120)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            if stream:
                size = 0
                while chunk := response.read(65536):
                    size += len(chunk)
                content = str(size).encode()
            else:
                content = response.read()
            seconds = time.perf_counter() - started
            for value in response.headers.get_all("Set-Cookie") or []:
                cookie = SimpleCookie()
                cookie.load(value)
                for name, morsel in cookie.items():
                    self.cookies[name] = morsel.value
            result_headers = {k.lower(): v for k, v in response.getheaders()}
            return Response(response.status, result_headers, content, seconds)
        finally:
            connection.close()

    def get(self, path: str, **kwargs) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, data: dict | None = None) -> Response:
        return self.request("POST", path, data)

    def log_in(self, username: str, password: str) -> None:
        self.get("/accounts/login/")
        response = self.post("/accounts/login/", {"username": username, "password": password})
        if response.status != 302:
            raise RuntimeError(f"Could not log in as {username}: HTTP {response.status}")


def path_of(location: str) -> str:
    """The path of a redirect's Location, absolute or not."""
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


RADIO = re.compile(r'name="q(\d+)"[^>]*\bvalue="([^"]+)"')
SEQUENCE = re.compile(r'name="seq(\d+)" value="(\d+)"')
