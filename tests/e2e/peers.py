"""A real local HTTP server that plays Slack (incoming webhooks and chat.postMessage) and CI.

Responses can be scripted per path: a status code with headers, or a hang longer than the
client's timeout. Every request is recorded with its headers and body.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Scripted:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b"ok"
    hang_s: float = 0.0


class Peers:
    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.script: dict[str, deque[Scripted]] = {}
        self.lock = threading.Lock()
        self._ts = 0
        peers = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with peers.lock:
                    peers.requests.append(
                        Request(
                            "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body
                        )
                    )
                    queue = peers.script.get(self.path.split("?")[0])
                    scripted = queue.popleft() if queue else None
                if scripted and scripted.hang_s:
                    time.sleep(scripted.hang_s)
                if scripted is None:
                    scripted = peers.default(self.path)
                self.send_response(scripted.status)
                for key, value in scripted.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(scripted.body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(scripted.body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def default(self, path: str) -> Scripted:
        if path.startswith("/api/chat.postMessage"):
            self._ts += 1
            body = {"ok": True, "channel": "C0CKP1T", "ts": f"1700000000.{self._ts:06d}"}
            return Scripted(200, {"Content-Type": "application/json"}, json.dumps(body).encode())
        return Scripted()

    def then(self, path: str, *responses: Scripted) -> None:
        with self.lock:
            self.script.setdefault(path, deque()).extend(responses)

    def to(self, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path.split("?")[0] == path]

    def close(self) -> None:
        self.server.shutdown()
