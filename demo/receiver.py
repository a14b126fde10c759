"""A small CI stand-in for the demo: receives retrain and rollback webhooks and checks them.

It verifies the Standard Webhooks signature (``v1,<base64 HMAC-SHA256 of id.timestamp.body>``
with the decoded ``whsec_`` secret), rejects stale timestamps, and answers a repeated
``webhook-id`` with 200 without acting twice, as a real receiver should.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

TOLERANCE_S = 300


def verify(secret: str, headers: dict[str, str], body: bytes, now_s: float | None = None) -> bool:
    """True when one of the ``v1`` signatures matches and the timestamp is recent."""
    try:
        msg_id, stamp, signatures = (
            headers["webhook-id"],
            headers["webhook-timestamp"],
            headers["webhook-signature"],
        )
        key = base64.b64decode(secret.removeprefix("whsec_"))
        sent_at = int(stamp)
    except (KeyError, ValueError):
        return False
    if abs((now_s if now_s is not None else time.time()) - sent_at) > TOLERANCE_S:
        return False
    expected = base64.b64encode(
        hmac.new(key, f"{msg_id}.{stamp}.".encode() + body, hashlib.sha256).digest()
    ).decode()
    return any(
        hmac.compare_digest(part.split(",", 1)[1], expected)
        for part in signatures.split()
        if part.startswith("v1,")
    )


@dataclass
class Received:
    path: str
    webhook_id: str
    verified: bool
    payload: dict[str, Any]
    duplicate: bool


@dataclass
class Receiver:
    secrets: dict[str, str]  # path -> whsec_ secret
    host: str = "127.0.0.1"
    port: int = 8765
    on_receive: Callable[[Received], None] | None = None
    received: list[Received] = field(default_factory=list)

    def start(self) -> Receiver:
        receiver = self
        seen: set[str] = set()
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {k.lower(): v for k, v in self.headers.items()}
                secret = receiver.secrets.get(self.path)
                ok = secret is not None and verify(secret, headers, body)
                with lock:
                    duplicate = headers.get("webhook-id", "") in seen
                    if ok:
                        seen.add(headers["webhook-id"])
                try:
                    payload = json.loads(body)
                except ValueError:
                    payload = {}
                item = Received(self.path, headers.get("webhook-id", ""), ok, payload, duplicate)
                receiver.received.append(item)
                if receiver.on_receive:
                    receiver.on_receive(item)
                status = 200 if ok else 401
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((self.host, self.port), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, name="receiver", daemon=True).start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
