"""A seeded, misbehaving network between a real phone (SyncClient) and the real server.

It is an httpx transport, the same seam as tests/fieldapp/faults.py, so every
request still goes over real TCP to the live uvicorn server; a fault decides what
happens to one request on the way there or to its reply on the way back. Faults
are armed by the scenario (tests/reliability/scenario.py), which draws them from
`random.Random(seed)`: the same seed arms the same faults at the same requests.

What a fault can do to a request:

- refuse          never reaches the server (no connection)
- drop_reply      the server does the work and commits; the reply is lost
- error_before    a 503 from a proxy in front of the server; nothing done
- error_after     the server did the work; a gateway answers 502 instead
- truncate        the reply is cut at a random byte offset
- duplicate       the request reaches the server twice (a retrying proxy)
- hold            the request is held back and delivered later, after newer
                  ones (batches out of order); the phone sees a timeout
- echo            delivered now, and a stale copy again later
- cut_upload      a photo upload whose connection dies at a random byte offset
                  of the request (raw socket: the server sees half a request)
- short_upload    a photo upload whose body is cut short but "complete" on the
                  wire (a broken middlebox): the server must refuse its hash
- revoke          the phone's token is revoked just before this request
"""

from __future__ import annotations

import random
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass

import httpx

FAULTS_ANY = ("refuse", "drop_reply", "error_before", "error_after", "truncate")
FAULTS_PUSH = ("duplicate", "hold", "echo")
FAULTS_UPLOAD = ("cut_upload", "short_upload")


@dataclass
class Armed:
    fault: str
    path: str  # request path prefix it waits for
    method: str = ""


@dataclass
class Held:
    method: str
    url: str
    headers: list[tuple[bytes, bytes]]
    content: bytes
    label: str


class ChaosTransport(httpx.BaseTransport):
    """One per phone. Not random by itself: `rng` only picks offsets."""

    def __init__(
        self,
        rng: random.Random,
        say: Callable[[str], None],
        revoke: Callable[[], None] | None = None,
    ) -> None:
        # Plain HTTP on loopback: no TLS context to build for every phone.
        self.inner = httpx.HTTPTransport(verify=False)
        self.rng = rng
        self.say = say
        self.revoke = revoke
        self.armed: list[Armed] = []
        self.held: list[Held] = []
        self.lock = threading.Lock()
        self.requests = 0
        self.fired: list[str] = []  # the faults that happened, for the coverage tally

    # ------------------------------------------------------------ arming

    def arm(self, fault: str, path: str = "/api/v1/", method: str = "") -> None:
        with self.lock:
            self.armed.append(Armed(fault, path, method))

    def disarm(self) -> None:
        with self.lock:
            self.armed.clear()

    def _take(self, request: httpx.Request) -> str | None:
        with self.lock:
            self.requests += 1
            for index, armed in enumerate(self.armed):
                if request.url.path.startswith(armed.path) and (
                    not armed.method or armed.method == request.method
                ):
                    del self.armed[index]
                    return armed.fault
        return None

    # ------------------------------------------------------------ late delivery

    def deliver_held(self, rng: random.Random, *, count: int | None = None) -> None:
        """Deliver held-back requests now, in a shuffled order (out of order on
        purpose); their replies go nowhere, as a late packet's would."""
        with self.lock:
            rng.shuffle(self.held)
            take = len(self.held) if count is None else min(count, len(self.held))
            batch, self.held = self.held[:take], self.held[take:]
        for held in batch:
            request = httpx.Request(
                held.method, held.url, headers=held.headers, content=held.content
            )
            try:
                response = self.inner.handle_request(request)
                response.read()
                status = str(response.status_code)
                response.close()
            except httpx.TransportError as exc:
                status = type(exc).__name__
            self.say(f"  late delivery of {held.label}: {status}")
            self.fired.append("late delivery")

    def _hold(self, request: httpx.Request, label: str) -> None:
        with self.lock:
            self.held.append(
                Held(
                    request.method,
                    str(request.url),
                    list(request.headers.raw),
                    request.read(),
                    label,
                )
            )

    # ------------------------------------------------------------ the request

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        fault = self._take(request)
        label = f"{request.method} {request.url.path[:40]}"
        if fault is None:
            return self.inner.handle_request(request)
        self.say(f"  fault {fault} on {label}")
        self.fired.append(f"{fault} on {_kind(request.url.path)}")
        if fault == "refuse":
            raise httpx.ConnectError("connection refused", request=request)
        if fault == "error_before":
            return httpx.Response(503, json={"code": "internal_error", "message": "proxy"})
        if fault == "revoke":
            assert self.revoke is not None
            self.revoke()
            return self.inner.handle_request(request)
        if fault == "hold":
            self._hold(request, label)
            raise httpx.ReadTimeout("no reply in time", request=request)
        if fault == "echo":
            self._hold(request, label + " (stale copy)")
            return self.inner.handle_request(request)
        if fault == "cut_upload":
            self._cut(request)
            raise httpx.WriteError("connection reset while sending", request=request)
        if fault == "short_upload":
            body = request.read()
            cut = self.rng.randrange(len(body)) if body else 0
            headers = [(k, v) for k, v in request.headers.raw if k.lower() != b"content-length"]
            request = httpx.Request(
                request.method, request.url, headers=headers, content=body[:cut]
            )
            return self.inner.handle_request(request)
        if fault == "duplicate":
            first = self.inner.handle_request(request)
            first.read()
            first.close()
            return self.inner.handle_request(request)
        response = self.inner.handle_request(request)
        if fault == "drop_reply":
            response.read()
            response.close()
            raise httpx.ReadError("connection reset by peer", request=request)
        if fault == "error_after":
            response.read()
            response.close()
            return httpx.Response(502, text="<html>Bad Gateway</html>")
        if fault == "truncate":
            body = response.read()
            response.close()
            cut = self.rng.randrange(len(body)) if body else 0
            return httpx.Response(
                response.status_code,
                content=body[:cut],
                headers={"content-type": response.headers.get("content-type", "")},
            )
        raise AssertionError(f"unknown fault {fault}")

    def _cut(self, request: httpx.Request) -> None:
        """Send the request over a raw socket and close it after a random number
        of bytes: the server sees a connection die mid-upload."""
        body = request.read()
        head = [f"{request.method} {request.url.raw_path.decode()} HTTP/1.1"]
        head += [f"{k}: {v}" for k, v in request.headers.items() if k.lower() != "host"]
        head.append(f"host: {request.url.host}:{request.url.port}")
        wire = ("\r\n".join(head) + "\r\n\r\n").encode() + body
        cut = self.rng.randrange(1, len(wire))
        with socket.create_connection((request.url.host, request.url.port or 80)) as sock:
            sock.sendall(wire[:cut])
        self.say(f"  upload cut after {cut} of {len(wire)} bytes")

    def close(self) -> None:
        self.inner.close()


def _kind(path: str) -> str:
    for kind in ("push", "pull", "blobs", "enroll"):
        if kind in path:
            return kind
    return "other"
