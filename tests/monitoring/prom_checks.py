#!/usr/bin/env python3
"""Helpers for test_prometheus.sh (python3 standard library, plus PyYAML for `render`).

  prom_checks.py render SHIPPED_DIR OUT_DIR BALANCER_ADDR
      Writes OUT_DIR/prometheus.yml and OUT_DIR/alerts.yml: the shipped files with the balancer
      address of the test, 1 s scrape/evaluation/discovery intervals and `for: 5s` on
      InstantchatServerDown. Fails when a field it rewrites is missing (the shipped file drifted).
  prom_checks.py traffic BALANCER_URL ROOM...
      Cookie, /pick_backend, WebSocket join + messages on each room's server, /r/ and /s/ calls,
      one 404, and enough /pick_backend requests to hit a rate limit.
  prom_checks.py targets PROM_URL BALANCER_URL SECONDS
      Every server listed by the balancer's /sd is a scraped target with health "up", and so is
      the balancer.
  prom_checks.py dashboards PROM_URL SECONDS DASHBOARD.json...
      Every PromQL expression of every panel returns data.
  prom_checks.py alert PROM_URL ALERTNAME LABEL=VALUE SECONDS
      The alert fires (state "firing") for a series with that label.
Prints PASS:/FAIL: lines; exit status 1 when anything failed.
"""

import json
import os
import sys
import time
import urllib.parse
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import icclient  # noqa: E402

failures = 0


def record(ok, what, detail=""):
    global failures
    if not ok:
        failures += 1
    print(("PASS: " if ok else "FAIL: ") + what + ((" -- " + detail) if detail and not ok else ""))
    sys.stdout.flush()


def get_json(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.loads(resp.read())


def query(prom, expr):
    url = prom + "/api/v1/query?" + urllib.parse.urlencode({"query": expr})
    reply = get_json(url)
    if reply.get("status") != "success":
        raise RuntimeError("query failed: %r" % reply)
    return reply["data"]["result"]


# ---------------------------------------------------------------- render
def render(shipped, out, balancer):
    import yaml

    with open(os.path.join(shipped, "prometheus.yml")) as f:
        config = yaml.safe_load(f)
    with open(os.path.join(shipped, "alerts.yml")) as f:
        rules = yaml.safe_load(f)

    config["global"]["scrape_interval"] = "1s"
    config["global"]["evaluation_interval"] = "1s"
    config["global"]["scrape_timeout"] = "1s"
    config["rule_files"] = [os.path.join(out, "alerts.yml")]
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    record(set(jobs) >= {"instantchat-balancer", "instantchat-server"},
           "shipped prometheus.yml has the instantchat-balancer and instantchat-server jobs",
           repr(sorted(jobs)))
    balancer_job = jobs["instantchat-balancer"]
    targets = balancer_job["static_configs"][0]["targets"]
    record(targets == ["127.0.0.1:8080"], "balancer job scrapes the balancer's default address",
           repr(targets))
    balancer_job["static_configs"][0]["targets"] = [balancer]
    sd = jobs["instantchat-server"]["http_sd_configs"][0]
    record(sd["url"] == "http://127.0.0.1:8080/sd", "server job discovers servers from the balancer's /sd",
           repr(sd["url"]))
    sd["url"] = "http://%s/sd" % balancer
    sd["refresh_interval"] = "1s"

    found = False
    for group in rules["groups"]:
        for rule in group["rules"]:
            if rule.get("alert") == "InstantchatServerDown":
                rule["for"] = "5s"
                found = True
    record(found, "alerts.yml has InstantchatServerDown")

    with open(os.path.join(out, "prometheus.yml"), "w") as f:
        yaml.safe_dump(config, f, sort_keys=False)
    with open(os.path.join(out, "alerts.yml"), "w") as f:
        yaml.safe_dump(rules, f, sort_keys=False)


# ---------------------------------------------------------------- traffic
def traffic(balancer_url, rooms):
    cookie = icclient.session_cookie(balancer_url)
    origin = balancer_url
    for index, room in enumerate(rooms):
        status, _, body = icclient.http_request(
            balancer_url + "/pick_backend?roomName=" + urllib.parse.quote(room))
        reply = json.loads(body)
        record(status == 200 and bool(reply.get("bA")), "traffic: /pick_backend %s" % room, repr(reply))
        if not reply.get("bA"):
            continue
        ws = icclient.WebSocket("ws://%s/ws_entry" % reply["bA"], cookie=cookie, origin=origin)
        try:
            ws.send_json({"p": "cp"})
            ws.send_json(icclient.join_frame(room, rq="j"))
            ws.recv_until(lambda f: f.get("c") in ("RP", "ER") and f.get("rq") == "j")
            sent = 0
            for i in range(20):
                ws.send_json(icclient.text_frame(room, "traffic %d" % i, rq="t%d" % i))
                frame, _ = ws.recv_until(lambda f: f.get("c") in ("RP", "ER")
                                         and f.get("rq") == "t%d" % i)
                sent += frame.get("c") == "RP"
            # A frame with a wrongly typed key: ER 103 (counted in instantchat_errors_total).
            ws.send_json({"c": "TM", "rq": "bad", "r": {"n": room, "p": ""}, "m": "not an object"})
            ws.recv_until(lambda f: f.get("c") in ("RP", "ER") and f.get("rq") == "bad")
            record(sent == 20, "traffic: 20 messages sent in %s over WebSocket" % room,
                   "%d RP" % sent)
        except Exception as e:  # noqa: BLE001
            record(False, "traffic: chat in %s" % room, repr(e))
        finally:
            ws.close()
        quoted = urllib.parse.quote(room)
        status, _, _ = icclient.http_request(balancer_url + "/s/%s?m=http%%20message" % quoted)
        record(status == 200, "traffic: /s/%s" % room, "status %d" % status)
        status, _, _ = icclient.http_request(balancer_url + "/r/%s?quite=true" % quoted)
        record(status == 200, "traffic: /r/%s" % room, "status %d" % status)
    status, _, _ = icclient.http_request(balancer_url + "/static/does-not-exist.js")
    record(status == 404, "traffic: a missing static file answers 404", "status %d" % status)
    # Rate limits: a quick burst of sends to one room from one client address.
    limited = 0
    for i in range(200):
        status, _, _ = icclient.http_request(
            balancer_url + "/s/%s?m=burst%%20%d" % (urllib.parse.quote(rooms[0]), i))
        limited += status == 429
        if limited >= 3:
            break
    record(limited > 0, "traffic: a burst of /s/ requests gets 429 (rate limit)",
           "no 429 in 200 requests")


# ---------------------------------------------------------------- targets
def targets(prom, balancer_url, seconds):
    deadline = time.monotonic() + seconds
    problem = ""
    while time.monotonic() < deadline:
        try:
            sd = get_json(balancer_url + "/sd")
            addresses = sorted(a for group in sd for a in group.get("targets", []))
            active = get_json(prom + "/api/v1/targets?state=active")["data"]["activeTargets"]
            servers = {t["discoveredLabels"]["__address__"]: t
                       for t in active if t["labels"]["job"] == "instantchat-server"}
            balancers = [t for t in active if t["labels"]["job"] == "instantchat-balancer"]
            missing = [a for a in addresses if a not in servers]
            down = [a for a in addresses if a in servers and servers[a]["health"] != "up"]
            no_id = [a for a in addresses if a in servers and not servers[a]["labels"].get("server_id")]
            if (len(addresses) >= 2 and not missing and not down and not no_id and balancers
                    and all(b["health"] == "up" for b in balancers)):
                record(True, "every server in /sd (%s) is discovered, scraped and up, with a server_id label"
                       % ", ".join(addresses))
                record(True, "the balancer is scraped and up")
                return
            problem = "sd=%r missing=%r down=%r no_server_id=%r balancers=%r" % (
                addresses, missing, down, no_id, [(b["health"], b.get("lastError")) for b in balancers])
        except Exception as e:  # noqa: BLE001
            problem = repr(e)
        time.sleep(1)
    record(False, "every server discovered via /sd is up, and the balancer is up", problem)


# ---------------------------------------------------------------- dashboards
def dashboard_exprs(path):
    with open(path) as f:
        dash = json.load(f)
    for panel in dash.get("panels", []):
        for sub in [panel] + panel.get("panels", []):
            for target in sub.get("targets", []):
                if target.get("expr"):
                    yield dash["title"], sub["title"], target["expr"]


def substitute(expr):
    # Grafana's interval variables, as wide as the test stack's whole life: every sample of the
    # generated traffic lies inside the window however slow the machine is.
    for name, value in (("$__rate_interval", "5m"), ("$__interval", "1m"), ("$__range", "5m"),
                        ("$server_id", ".*")):
        expr = expr.replace(name, value)
    return expr


def dashboards(prom, seconds, paths):
    pending = [(d, p, e) for path in paths for (d, p, e) in dashboard_exprs(path)]
    record(len(pending) > 0, "dashboards hold PromQL expressions", repr(paths))
    deadline = time.monotonic() + seconds
    last = {}
    while pending and time.monotonic() < deadline:
        still = []
        for item in pending:
            try:
                result = query(prom, substitute(item[2]))
                values = [r["value"][1] for r in result]
                ok = any(v.lower() not in ("nan", "+inf", "-inf") for v in values)
                last[item] = "no numeric sample: %r" % values[:5]
            except Exception as e:  # noqa: BLE001
                ok = False
                last[item] = repr(e)
            if ok:
                record(True, "dashboard %s / %s returns data: %s" % item)
            else:
                still.append(item)
        pending = still
        if pending:
            time.sleep(2)
    for item in pending:
        record(False, "dashboard %s / %s returns data: %s" % item, last.get(item, ""))


# ---------------------------------------------------------------- alert
def alert(prom, name, label, seconds):
    key, _, value = label.partition("=")
    deadline = time.monotonic() + seconds
    seen = []
    while time.monotonic() < deadline:
        alerts = get_json(prom + "/api/v1/alerts")["data"]["alerts"]
        seen = [(a["labels"].get("alertname"), a["labels"].get(key), a["state"]) for a in alerts]
        for a in alerts:
            if (a["labels"].get("alertname") == name and a["labels"].get(key) == value
                    and a["state"] == "firing"):
                record(True, "alert %s fires for %s" % (name, label))
                return
        time.sleep(1)
    record(False, "alert %s fires for %s" % (name, label), "alerts seen: %r" % seen)


def main():
    command, args = sys.argv[1], sys.argv[2:]
    if command == "render":
        render(*args)
    elif command == "traffic":
        traffic(args[0], args[1:])
    elif command == "targets":
        targets(args[0], args[1], float(args[2]))
    elif command == "dashboards":
        dashboards(args[0], float(args[1]), args[2:])
    elif command == "alert":
        alert(args[0], args[1], args[2], float(args[3]))
    else:
        raise SystemExit("unknown command " + command)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
