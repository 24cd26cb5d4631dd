import base64
import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

SECRET = os.environ["TIXALLO_WEBHOOK_SECRET"]  # "whsec_…"
KEY = base64.b64decode(SECRET.removeprefix("whsec_"))
TOLERANCE = 5 * 60  # seconds either way, against replays


def verify(body, headers):
    """Standard Webhooks verification of the raw body bytes."""
    msg_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    if not (timestamp.isascii() and timestamp.isdigit()) or abs(time.time() - int(timestamp)) > TOLERANCE:
        return False
    signed = f"{msg_id}.{timestamp}.".encode() + body
    expected = base64.b64encode(hmac.new(KEY, signed, hashlib.sha256).digest())
    for signature in headers.get("webhook-signature", "").split():
        version, _, value = signature.partition(",")
        if version == "v1" and hmac.compare_digest(value.encode(), expected):
            return True
    return False


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        if self.path != "/tixallo" or length > 1 << 20:
            self.send_error(404 if self.path != "/tixallo" else 413)
            return
        body = self.rfile.read(length)
        if not verify(body, self.headers):
            self.send_error(401, "bad signature")
            return
        event = json.loads(body)
        print(event["event_type"], event["event_id"], flush=True)
        self.send_response(204)
        self.end_headers()


server = HTTPServer((os.environ.get("HOST", ""), int(os.environ.get("PORT", "8000"))), Receiver)
print(f"listening on port {server.server_address[1]}", flush=True)
server.serve_forever()
