"""A tiny cookie-keeping HTTP client over http.client, for tests that talk to real servers."""

from __future__ import annotations

import http.client
from urllib.parse import urlencode

from tests.support.client import CSRF_RE


class Browser:
    """Keeps cookies across any number of servers (same host, different ports: one cookie jar,
    as a browser does for one site behind a load balancer). Redirects are not followed."""

    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, dict, str]:
        conn = http.client.HTTPConnection(self.host, port, timeout=30)
        all_headers = dict(headers or {})
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=all_headers)
            response = conn.getresponse()
            data = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, dict(response.getheaders()), data

    def get(self, port: int, path: str) -> tuple[int, dict, str]:
        return self.request(port, "GET", path)

    def submit(self, port: int, page: str, action: str, fields: dict | None = None) -> tuple[int, dict, str]:
        """GET ``page`` for its CSRF token, then POST ``fields`` to ``action``."""
        status, _, html = self.get(port, page)
        match = CSRF_RE.search(html)
        assert match, f"no CSRF token on {page} ({status})"
        body = urlencode({"csrf_token": match.group(1), **(fields or {})}).encode()
        return self.request(port, "POST", action, body, {"Content-Type": "application/x-www-form-urlencoded"})
