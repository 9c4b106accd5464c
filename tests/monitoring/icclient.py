"""Minimal instantchat client for the monitoring and gateway tests (python3 standard library only).

HTTP(S) requests with http.client, and a small RFC 6455 WebSocket client over socket + ssl, enough
to join a room and chat: client frames masked, text/ping/pong/close frames, no extensions.
"""

import base64
import hashlib
import http.client
import json
import os
import socket
import ssl
import struct
import time
import urllib.parse

WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def ssl_context(cafile):
    """A verifying client context that trusts only `cafile` (the test's self-signed cert)."""
    ctx = ssl.create_default_context(cafile=cafile)
    ctx.check_hostname = True
    return ctx


def http_request(url, method="GET", headers=None, body=None, cafile=None, timeout=10, source=None):
    """Returns (status, headers as list of (name, value), body bytes). Never follows redirects.
    `source`: the local address to connect from (a test client of its own address)."""
    parts = urllib.parse.urlsplit(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    bind = (source, 0) if source else None
    if parts.scheme == "https":
        conn = http.client.HTTPSConnection(parts.hostname, port, timeout=timeout,
                                           context=ssl_context(cafile), source_address=bind)
    else:
        conn = http.client.HTTPConnection(parts.hostname, port, timeout=timeout, source_address=bind)
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, resp.getheaders(), data
    finally:
        conn.close()


def header(headers, name):
    for key, value in headers:
        if key.lower() == name.lower():
            return value
    return None


def session_cookie(base_url, cafile=None):
    """GET / and return the `session` cookie value the balancer sets."""
    status, headers, _ = http_request(base_url + "/", cafile=cafile)
    if status != 200:
        raise RuntimeError("GET / answered %d" % status)
    for key, value in headers:
        if key.lower() == "set-cookie" and value.startswith("session="):
            return value.split(";", 1)[0][len("session="):]
    raise RuntimeError("GET / set no session cookie")


class WebSocketError(Exception):
    pass


class WebSocket:
    def __init__(self, url, cookie=None, origin=None, cafile=None, timeout=10, source=None):
        parts = urllib.parse.urlsplit(url)
        secure = parts.scheme == "wss"
        port = parts.port or (443 if secure else 80)
        raw = socket.create_connection((parts.hostname, port), timeout=timeout,
                                       source_address=(source, 0) if source else None)
        if secure:
            raw = ssl_context(cafile).wrap_socket(raw, server_hostname=parts.hostname)
        self.sock = raw
        self.buffer = b""
        self.closed = False
        self.close_code = None
        key = base64.b64encode(os.urandom(16)).decode()
        host = parts.hostname if parts.port is None else "%s:%d" % (parts.hostname, port)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        lines = ["GET %s HTTP/1.1" % path, "Host: %s" % host, "Upgrade: websocket",
                 "Connection: Upgrade", "Sec-WebSocket-Key: %s" % key,
                 "Sec-WebSocket-Version: 13"]
        if origin:
            lines.append("Origin: %s" % origin)
        if cookie:
            lines.append("Cookie: session=%s" % cookie)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise WebSocketError("connection closed during handshake: %r" % head[:200])
            head += chunk
        head, self.buffer = head.split(b"\r\n\r\n", 1)
        status_line, *header_lines = head.decode("latin-1").split("\r\n")
        self.status = int(status_line.split()[1])
        if self.status != 101:
            # Whatever of the body has arrived: it tells whose refusal this is.
            raise WebSocketError("handshake answered %s: %r" % (status_line, self.buffer[:300]))
        headers = {}
        for line in header_lines:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        expected = base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()
        if headers.get("sec-websocket-accept") != expected:
            raise WebSocketError("bad Sec-WebSocket-Accept")

    def _send_frame(self, opcode, payload):
        header = bytes([0x80 | opcode])
        length = len(payload)
        if length < 126:
            header += bytes([0x80 | length])
        elif length < 65536:
            header += bytes([0x80 | 126]) + struct.pack("!H", length)
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", length)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def send_text(self, text):
        self._send_frame(0x1, text.encode())

    def send_json(self, obj):
        self.send_text(json.dumps(obj, separators=(",", ":")))

    def _read_exact(self, n, deadline):
        while len(self.buffer) < n:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout("timed out")
            self.sock.settimeout(remaining)
            chunk = self.sock.recv(65536)
            if not chunk:
                raise WebSocketError("connection closed")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def recv_message(self, timeout=10):
        """Next text/binary message as str. Answers pings. Raises WebSocketError on close."""
        deadline = time.monotonic() + timeout
        message = b""
        while True:
            b0, b1 = self._read_exact(2, deadline)
            opcode = b0 & 0x0F
            length = b1 & 0x7F
            if length == 126:
                length = struct.unpack("!H", self._read_exact(2, deadline))[0]
            elif length == 127:
                length = struct.unpack("!Q", self._read_exact(8, deadline))[0]
            mask = self._read_exact(4, deadline) if b1 & 0x80 else None
            payload = self._read_exact(length, deadline)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            if opcode == 0x9:
                self._send_frame(0xA, payload)
                continue
            if opcode == 0xA:
                continue
            if opcode == 0x8:
                self.closed = True
                self.close_code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else None
                raise WebSocketError("closed by peer (code %s)" % self.close_code)
            message += payload
            if b0 & 0x80:
                return message.decode("utf-8")

    def recv_json(self, timeout=10):
        return json.loads(self.recv_message(timeout))

    def recv_until(self, predicate, timeout=10):
        """Reads frames until predicate(frame) is true; returns (matching frame, all frames)."""
        deadline = time.monotonic() + timeout
        seen = []
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise socket.timeout("no matching frame; got %r" % [f.get("c") for f in seen])
            frame = self.recv_json(remaining)
            seen.append(frame)
            if predicate(frame):
                return frame, seen

    def close(self):
        if not self.closed:
            try:
                self._send_frame(0x8, struct.pack("!H", 1000))
            except OSError:
                pass
        try:
            self.sock.close()
        except OSError:
            pass


def join_frame(room, rq="1", password="", user_name=None):
    return {"c": "R_C_J", "rq": rq, "r": {"n": room, "p": password}, "uN": user_name}


def text_frame(room, text, rq="2", password=""):
    return {"c": "TM", "rq": rq, "r": {"n": room, "p": password},
            "m": {"id": 0, "t": urllib.parse.quote(text), "rU": None, "rM": None}}


def chat_once(ws_url, cookie, origin, room, text, cafile=None, timeout=10):
    """Joins `room`, sends one message, returns (TM broadcast, RP of the send, frames of the join)."""
    ws = WebSocket(ws_url, cookie=cookie, origin=origin, cafile=cafile, timeout=timeout)
    try:
        ws.send_json({"p": "cp"})
        ws.send_json(join_frame(room, rq="1"))
        _, join_frames = ws.recv_until(lambda f: f.get("c") in ("RP", "ER") and f.get("rq") == "1",
                                       timeout)
        if join_frames[-1].get("c") != "RP":
            raise WebSocketError("join refused: %r" % join_frames[-1])
        ws.send_json(text_frame(room, text, rq="2"))
        broadcast, frames = ws.recv_until(lambda f: f.get("c") == "TM", timeout)
        reply, more = ws.recv_until(lambda f: f.get("c") in ("RP", "ER") and f.get("rq") == "2",
                                    timeout)
        return broadcast, reply, join_frames
    finally:
        ws.close()
