"""An httpx transport that sits between the real sync client and the real server
and breaks things on purpose: the same seam a flaky mobile network would hit."""

from __future__ import annotations

from collections.abc import Callable

import httpx

Fault = str  # "refuse" | "drop_reply" | "truncate" | "server_error" | "old_protocol"


class FaultTransport(httpx.BaseTransport):
    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.rules: list[tuple[Callable[[httpx.Request], bool], Fault, int]] = []
        self.seen: list[str] = []

    def fail(self, fault: Fault, *, path: str = "", method: str = "", times: int = 1) -> None:
        def matches(request: httpx.Request) -> bool:
            return request.url.path.startswith(path) and (not method or request.method == method)

        self.rules.append((matches, fault, times))

    def fail_always(self, fault: Fault) -> None:
        self.fail(fault, times=10**9)

    def heal(self) -> None:
        self.rules.clear()

    def _take(self, request: httpx.Request) -> Fault | None:
        for index, (matches, fault, times) in enumerate(self.rules):
            if matches(request):
                if times <= 1:
                    self.rules.pop(index)
                else:
                    self.rules[index] = (matches, fault, times - 1)
                return fault
        return None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(f"{request.method} {request.url.path}")
        fault = self._take(request)
        if fault == "refuse":
            raise httpx.ConnectError("connection refused", request=request)
        if fault == "old_protocol":
            request.headers["X-Protocol-Version"] = "0"
        response = self.inner.handle_request(request)
        if fault == "drop_reply":
            # The server has done the work and committed; the reply never arrives.
            response.read()
            response.close()
            raise httpx.ReadError("connection reset by peer", request=request)
        if fault == "truncate":
            body = response.read()
            return httpx.Response(
                response.status_code,
                content=body[: len(body) // 2],
                headers={"content-type": "application/json"},
            )
        if fault == "server_error":
            response.close()
            return httpx.Response(503, json={"code": "internal_error", "message": "down"})
        return response
