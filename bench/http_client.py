"""A small cookie-keeping HTTP client for load scripts (standard library only)."""

from __future__ import annotations

import http.cookiejar
import re
import time
import urllib.error
import urllib.parse
import urllib.request

TOKEN_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class Client:
    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())
        self.token: str | None = None

    def request(self, path: str, data: dict | None = None, headers: dict | None = None) -> tuple[int, str, float]:
        body = urllib.parse.urlencode(data, doseq=True).encode() if data is not None else None
        req = urllib.request.Request(self.base + path, data=body, headers=headers or {},
                                     method="POST" if data is not None else "GET")
        t = time.perf_counter()
        try:
            with self.opener.open(req, timeout=30) as resp:
                status, text = resp.status, resp.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode("utf-8", "replace")
        except OSError:
            status, text = 599, ""
        elapsed = (time.perf_counter() - t) * 1000
        m = TOKEN_RE.search(text)
        if m:
            self.token = m.group(1) or m.group(2)
        return status, text, elapsed

    def post(self, path: str, data: dict, htmx: bool = False):
        if self.token is None:
            self.request("/login")
        headers = {"X-CSRFToken": self.token or ""}
        if htmx:
            headers["HX-Request"] = "true"
        return self.request(path, dict(data, csrf_token=self.token or ""), headers)

    def login(self, username: str, password: str = "huisvanhetkind") -> bool:
        self.request("/login")
        status, _, _ = self.post("/login", {"username": username, "password": password})
        self.request("/")
        return status == 302
