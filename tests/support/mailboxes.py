"""Local servers that stand in for the outside world in the message tests and benchmarks:
a real SMTP server (aiosmtpd) and an SMS gateway speaking the project's JSON contract
(http.server in a thread). Both listen on 127.0.0.1 only."""

from __future__ import annotations

import email
import json
import socket
import threading
from email import policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

GATEWAY_TOKEN = "gateway-secret-token"  # the SMS gateway token the message tests configure


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class SmtpRecorder:
    """Keeps every message the SMTP server accepted: envelope and parsed e-mail."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.lock = threading.Lock()
        self.refuse: set[str] = set()  # recipients answered 550

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        parsed = email.message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.received.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                                  "raw": envelope.content, "message": parsed})
        return "250 Message accepted"


class SmtpServer:
    def __init__(self) -> None:
        from aiosmtpd.controller import Controller

        self.recorder = SmtpRecorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def received(self) -> list[dict]:
        return self.recorder.received

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self.controller.stop()


class GatewayState:
    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []  # answers to give, in order; then 200
        self.lock = threading.Lock()


def _handler(state: GatewayState):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            with state.lock:
                state.requests.append({"path": self.path, "headers": dict(self.headers), "body": body,
                                       "json": json.loads(body or b"null")})
                status = state.statuses.pop(0) if state.statuses else 200
                n = len(state.requests)
            payload = json.dumps({"id": f"gw-{n}"} if status < 300 else {"error": "test"}).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):  # quiet
            pass

    return Handler


class SmsGateway:
    """An SMS gateway on 127.0.0.1: records requests, answers ``statuses`` in order, then 200."""

    def __init__(self) -> None:
        self.state = GatewayState()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self.state))
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/sms"

    @property
    def requests(self) -> list[dict]:
        return self.state.requests

    def answer(self, *statuses: int) -> None:
        with self.state.lock:
            self.state.statuses.extend(statuses)

    def __enter__(self) -> SmsGateway:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
