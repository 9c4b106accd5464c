#!/usr/bin/env python3
"""Client side of test_multinode.sh: users reach the gateway (nginx in its own network namespace)
from many distinct addresses of the host, as browsers on the Internet would.

Usage: multinode_checks.py GATEWAY_URL CAFILE SERVER_ID ADDRESS_PREFIX FIRST COUNT SECRET
  GATEWAY_URL     https://<gateway address>
  ADDRESS_PREFIX  e.g. 10.213.7. ; clients use ADDRESS_PREFIX + (FIRST .. FIRST+COUNT-1)
  SECRET          a word used in the room name, password and message texts, so that the caller
                  can look for it in the gateway's logs afterwards
Prints PASS:/FAIL: lines; exit status 1 when anything failed.
"""

import os
import sys
import threading
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "monitoring"))
import icclient  # noqa: E402

gateway, cafile, server_id, prefix, first, count, secret = sys.argv[1:8]
first, count = int(first), int(count)
results = []


def record(ok, what, detail=""):
    results.append(bool(ok))
    print(("PASS: " if ok else "FAIL: ") + what + ((" -- " + str(detail)) if detail and not ok else ""),
          flush=True)


def get(path, source, **kw):
    return icclient.http_request(gateway + path, cafile=cafile, source=source, **kw)


room = "crowd-" + secret
# A second room with a password (checking one is deliberately slow: PBKDF2), used by a few calls.
locked_room = "locked-" + secret
password = "pw-" + secret
ws_url = gateway.replace("https://", "wss://") + "/b/%s/ws_entry" % server_id
addresses = [prefix + str(first + i) for i in range(count)]

# ---------------------------------------------------------------- every client joins
# Each user: the page (session cookie), /pick_backend, then the WebSocket through /b/<id>/ and a
# join; all stay connected at once, as in a busy room. Behind a gateway whose address the server
# does not trust, they would all be one address and most would get 429.
sockets = {}
refused = {}
lock = threading.Lock()


def join(source):
    try:
        cookie = None
        status, headers, _ = get("/", source)
        for key, value in headers:
            if key.lower() == "set-cookie" and value.startswith("session="):
                cookie = value.split(";", 1)[0][len("session="):]
        status, _, body = get("/pick_backend?roomName=" + urllib.parse.quote(room), source)
        if status != 200:
            raise icclient.WebSocketError("pick_backend answered %d %r" % (status, body[:100]))
        ws = icclient.WebSocket(ws_url, cookie=cookie, origin=gateway, cafile=cafile, source=source)
        ws.send_json({"p": "cp"})
        ws.send_json(icclient.join_frame(room, rq="1"))
        _, frames = ws.recv_until(lambda f: f.get("c") in ("RP", "ER") and f.get("rq") == "1", 15)
        if frames[-1].get("c") != "RP":
            ws.close()
            raise icclient.WebSocketError("join refused: %r" % frames[-1])
        with lock:
            sockets[source] = ws
    except Exception as e:  # noqa: BLE001
        with lock:
            refused[source] = repr(e)


# A few at a time: nginx's per-address limits are not the point here, and the host is small.
for start in range(0, len(addresses), 10):
    threads = [threading.Thread(target=join, args=(a,)) for a in addresses[start:start + 10]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
print("distinct clients joined through the gateway: %d of %d" % (len(sockets), len(addresses)))
record(len(sockets) == len(addresses) and not refused,
       "%d clients from distinct addresses all joined one room through the gateway" % len(addresses),
       "refused: %d, e.g. %r" % (len(refused), sorted(refused.items())[:3]))

# ---------------------------------------------------------------- one client over its limit
# The first client opens more sockets than the server allows one address (the test configures
# max-connections-per-address=8): the server refuses the extra ones with 429 -- counted for that
# client alone, the other clients' sockets stay up.
source = addresses[0]
extra, statuses = [], []
cookie = None
_, headers, _ = get("/", source)
for key, value in headers:
    if key.lower() == "set-cookie" and value.startswith("session="):
        cookie = value.split(";", 1)[0][len("session="):]
for _ in range(10):
    try:
        extra.append(icclient.WebSocket(ws_url, cookie=cookie, origin=gateway, cafile=cafile,
                                        source=source))
        statuses.append(101)
    except icclient.WebSocketError as e:
        statuses.append(str(e))
refusals = [s for s in statuses if s != 101]
print("one address opening 10 more sockets: %d upgraded, refusals: %r"
      % (statuses.count(101), refusals[:2]))
allowed = 8 - (1 if source in sockets else 0)
record(statuses.count(101) == allowed and refusals
       and all(" 429 " in r and "too many connections from your address" in r for r in refusals),
       "one client over its per-address limit (8) gets 429 from the server (%d more, then refused)"
       % allowed, statuses)
for ws in extra:
    ws.close()
alive = 0
for ws in sockets.values():
    try:
        ws.send_json({"c": "TM", "rq": "9", "r": {"n": room, "p": ""},
                      "m": {"id": 0, "t": "still-here", "rU": None, "rM": None}})
        alive += 1
    except OSError:
        pass
record(alive == len(sockets), "the other clients are still connected (%d)" % alive)
for ws in sockets.values():
    ws.close()

# ------------------------------------------------------- plain-HTTP room calls, per client
# /s/: the balancer's write limit (burst 30 per address) counts each client, so 100 clients
# sending one message each are all served... (each to a room of its own: a room also limits the
# messages it takes per second, whoever sends them)
sent = {}


def send(source):
    own_room = "%s-%s" % (room, source.rsplit(".", 1)[1])
    status, _, body = get("/s/%s?m=%s" % (own_room, urllib.parse.quote("msg-" + secret)), source)
    with lock:
        sent[source] = (status, body[:80])


for start in range(0, len(addresses), 10):
    threads = [threading.Thread(target=send, args=(a,)) for a in addresses[start:start + 10]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
bad = {a: v for a, v in sent.items() if v[0] != 200}
record(not bad, "%d clients each sent a message over /s/" % len(sent),
       sorted(bad.items())[:3])

# ... while one client sending 45 in a row runs into the balancer's limit for that client (rooms
# of their own again, so that only the per-client limit is in play).
burst = []
for i in range(45):
    status, _, body = get("/s/burst-%s-%d?m=%s" % (secret, i, "burst"), addresses[1])
    burst.append((status, body[:60]))
balancer_429 = [b for s, b in burst if s == 429 and b.startswith(b"error: too many requests")]
print("one client, 45 messages in a row: %d served, %d refused by the balancer"
      % (sum(1 for s, _ in burst if s == 200), len(balancer_429)))
record(balancer_429 and burst[0][0] == 200, "one client over the balancer's per-address limit gets 429",
       sorted(set(s for s, _ in burst)))

# A password room over /s/ and /r/ with the password in X-Room-Password; an old client's ?p= still
# works (deprecated) -- none of it may reach the gateway's log.
status, _, body = get("/s/%s?m=%s" % (locked_room, "locked-msg-" + secret), addresses[2],
                      headers={"X-Room-Password": password})
record(status == 200, "/s/ creates a password room with X-Room-Password", (status, body[:80]))
status, _, body = get("/r/%s?l=1" % locked_room, addresses[2], headers={"X-Room-Password": password})
record(status == 200 and b"locked-msg-" in body, "/r/ with X-Room-Password reads it", (status, body[:80]))
status, _, body = get("/r/%s?p=%s&l=1" % (locked_room, password), addresses[2])
record(status == 200 and b"locked-msg-" in body, "deprecated ?p= still accepted", (status, body[:80]))
status, _, _ = get("/r/%s?l=1" % locked_room, addresses[2], headers={"X-Room-Password": "wrong"})
record(status == 403, "a wrong X-Room-Password is refused (403)", status)

# ---------------------------------------------------------------- the gateway's own 429
limited = None
for _ in range(60):
    status, headers, body = get("/pick_backend?roomName=burst", addresses[3])
    if status == 429:
        limited = (headers, body)
        break
record(limited is not None and b"gateway limit" in limited[1]
       and icclient.header(limited[0], "Retry-After") == "1",
       "nginx's own 429 is a short text with Retry-After", limited)

sys.exit(0 if all(results) else 1)
