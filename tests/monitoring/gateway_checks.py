#!/usr/bin/env python3
"""Client-side checks of the nginx gateway (called by test_gateway.sh).

Usage: gateway_checks.py HTTPS_BASE HTTP_BASE CAFILE ROOM
Prints one "PASS: ..." or "FAIL: ..." line per check.
"""

import json
import sys
import time
import traceback
import urllib.parse

sys.path.insert(0, __import__("os").path.dirname(__file__))
import icclient  # noqa: E402

https_base, http_base, cafile, room = sys.argv[1:5]
results = []


def record(ok, what, detail=""):
    results.append(ok)
    print(("PASS: " if ok else "FAIL: ") + what + ((" -- " + detail) if detail and not ok else ""))
    sys.stdout.flush()


def get(url, **kw):
    return icclient.http_request(url, cafile=cafile, **kw)


# 1. The home page through TLS sets the session cookie (Secure, since the public URL is https).
cookie = None
try:
    status, headers, _ = get(https_base + "/")
    set_cookie = [v for k, v in headers if k.lower() == "set-cookie" and v.startswith("session=")]
    record(status == 200 and bool(set_cookie), "GET / over https sets the session cookie",
           "status %d, Set-Cookie %r" % (status, set_cookie))
    if set_cookie:
        cookie = set_cookie[0].split(";", 1)[0][len("session="):]
        record("secure" in set_cookie[0].lower(), "session cookie is Secure behind the gateway",
               set_cookie[0])
    hsts = icclient.header(headers, "Strict-Transport-Security")
    record(bool(hsts), "HSTS header on https responses", repr(hsts))
except Exception as e:  # noqa: BLE001
    record(False, "GET / over https", repr(e))

# 2. /pick_backend answers a gateway route: <public host>/b/<server-id>
b_address = ""
try:
    status, headers, body = get(https_base + "/pick_backend?roomName=" + urllib.parse.quote(room))
    reply = json.loads(body)
    b_address = reply.get("bA", "")
    host = urllib.parse.urlsplit(https_base).netloc
    record(status == 200 and b_address.startswith(host + "/b/"),
           "/pick_backend answers bA = <public host>/b/<server-id>", "status %d, %r" % (status, reply))
except Exception as e:  # noqa: BLE001
    record(False, "/pick_backend through the gateway", repr(e))

# 3. Chat over wss through the gateway: join, send a message, see its broadcast and the RP.
if cookie and b_address:
    try:
        text = "hello through the gateway %d" % int(time.time())
        broadcast, reply, join_frames = icclient.chat_once(
            "wss://" + b_address + "/ws_entry", cookie, https_base, room, text, cafile=cafile)
        record(join_frames[-1].get("c") == "RP", "join over wss through nginx answered RP",
               repr(join_frames[-1]))
        got = urllib.parse.unquote(broadcast["m"][0]["t"])
        record(got == text, "TM broadcast arrives over wss through nginx", repr(broadcast))
        record(reply.get("c") == "RP" and reply.get("rq") == "2", "RP for the TM arrives",
               repr(reply))
    except Exception as e:  # noqa: BLE001
        traceback.print_exc()
        record(False, "chat over wss through nginx", repr(e))
else:
    record(False, "chat over wss through nginx", "no cookie or no bA")

# 4. The message is readable over plain http /r/ (the plain-HTTP room calls are not redirected).
try:
    status, headers, body = get(http_base + "/r/" + urllib.parse.quote(room) + "?quite=true")
    record(status == 200 and b"hello through the gateway" in body,
           "plain-http /r/<room> is proxied (not redirected) and shows the message",
           "status %d body %r" % (status, body[:200]))
    status, headers, body = get(http_base + "/s/" + urllib.parse.quote(room) + "?m=from%20curl")
    record(status == 200, "plain-http /s/<room> is proxied", "status %d body %r" % (status, body[:200]))
except Exception as e:  # noqa: BLE001
    record(False, "plain-http /r/ and /s/", repr(e))

# 5. Everything else on plain http redirects to https.
for path in ("/", "/some-room", "/pick_backend?roomName=x"):
    try:
        status, headers, _ = get(http_base + path)
        location = icclient.header(headers, "Location") or ""
        record(status == 301 and location.startswith("https://"),
               "http %s redirects to https" % path, "status %d Location %r" % (status, location))
    except Exception as e:  # noqa: BLE001
        record(False, "http %s redirects" % path, repr(e))

# 6. Internal and operator routes are not reachable through the gateway (http or https).
blocked = ["/metrics", "/sd", "/admin", "/admin/", "/admin/api/servers", "/ADMIN",
           "/internal/route-check?id=127.0.0.1-1", "/internal/rooms", "/internal/heartbeat",
           "//metrics", "/%6Detrics"]
for base in (https_base, http_base):
    for path in blocked:
        try:
            status, _, body = get(base + path)
            record(status in (403, 404), "%s%s is refused" % (base.split(":")[0], path),
                   "status %d body %r" % (status, body[:120]))
        except Exception as e:  # noqa: BLE001
            record(False, "%s%s is refused" % (base, path), repr(e))
try:
    status, _, _ = get(https_base + "/internal/heartbeat", method="POST", body=b"{}",
                       headers={"Content-Type": "application/json"})
    record(status in (403, 404), "POST /internal/heartbeat is refused", "status %d" % status)
except Exception as e:  # noqa: BLE001
    record(False, "POST /internal/heartbeat is refused", repr(e))

# 7. /b/ routes: an unknown server id is refused (no open proxy), and only ws_entry is routed.
if b_address:
    known_id = b_address.split("/b/", 1)[1].strip("/")
    host, _, port = known_id.rpartition("-")
    attempts = {
        "unknown server id": "/b/127.0.0.1-1/ws_entry",
        "unknown host name": "/b/example.org-80/ws_entry",
        "malformed id": "/b/no_port_here/ws_entry",
        "other path of a known server": "/b/%s/metrics" % known_id,
        "/hw of a known server": "/b/%s/hw" % known_id,
        "path traversal": "/b/%s/../metrics" % known_id,
    }
    for what, path in attempts.items():
        try:
            status, _, body = get(https_base + path,
                                  headers={"Upgrade": "websocket", "Connection": "Upgrade",
                                           "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==",
                                           "Sec-WebSocket-Version": "13", "Origin": https_base,
                                           "Cookie": "session=%s" % cookie})
            record(status in (403, 404), "/b/ %s is refused (%s)" % (what, path),
                   "status %d body %r" % (status, body[:120]))
        except Exception as e:  # noqa: BLE001
            record(False, "/b/ %s is refused" % what, repr(e))
    try:
        icclient.WebSocket("wss://" + urllib.parse.urlsplit(https_base).netloc
                           + "/b/127.0.0.1-1/ws_entry", cookie=cookie, origin=https_base,
                           cafile=cafile).close()
        record(False, "WebSocket to an unknown server id is refused", "upgrade succeeded")
    except icclient.WebSocketError as e:
        record("403" in str(e) or "404" in str(e), "WebSocket to an unknown server id is refused",
               str(e))
    except Exception as e:  # noqa: BLE001
        record(False, "WebSocket to an unknown server id is refused", repr(e))

# 8. limit_req per client address: a burst far above the configured rate gets 429s, from nginx
# itself (its own short text and a Retry-After), not from the balancer's limits.
statuses = []
limited = None
for _ in range(120):
    try:
        status, headers, body = get(https_base + "/pick_backend?roomName=burst-room", timeout=5)
        statuses.append(status)
        if status == 429 and limited is None:
            limited = (headers, body)
    except Exception:  # noqa: BLE001
        statuses.append(0)
record(429 in statuses and 200 in statuses, "limit_req answers 429 to a burst from one address",
       "statuses seen: %r" % sorted(set(statuses)))
if limited is not None:
    headers, body = limited
    record(b"gateway limit" in body and len(body) < 200
           and (icclient.header(headers, "Content-Type") or "").startswith("text/plain")
           and icclient.header(headers, "Retry-After") == "1",
           "nginx's 429 is a short text with Retry-After: 1",
           "headers %r body %r" % (headers, body[:200]))

sys.exit(0 if all(results) else 1)
