#!/usr/bin/env python3
"""Static checks of everything under packaging/ that no daemon runs here (called by
test_manifests.sh): compose files, Kubernetes manifests, Dockerfiles, Grafana provisioning and
dashboards, Prometheus files, systemd units, INI files, the desktop entry and icon.

Usage: manifest_checks.py REPO_ROOT [BUILD_DIR]
Flags and metric names are checked against docs/interfaces.md (the fixed contract) and, when
BUILD_DIR/bin holds the programs, against their --help as well.
Prints PASS:/FAIL: lines; exit status 1 when anything failed.
"""

import configparser
import glob
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import yaml

REPO = os.path.abspath(sys.argv[1])
BUILD = os.path.abspath(sys.argv[2]) if len(sys.argv) > 2 and sys.argv[2] else None
PKG = os.path.join(REPO, "packaging")
failures = 0


def record(ok, what, detail=""):
    global failures
    if not ok:
        failures += 1
    print(("PASS: " if ok else "FAIL: ") + what + ((" -- " + str(detail)) if detail and not ok else ""))


def rel(path):
    return os.path.relpath(path, REPO)


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


# ---------------------------------------------------------------- the contract
interfaces = read(os.path.join(REPO, "docs", "interfaces.md"))


def flags_from_docs(program):
    section = interfaces.split("### " + program, 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    flags = set()
    for line in section.splitlines():
        if line.startswith("| `--"):
            flags.update(re.findall(r"`--([a-z0-9-]+)`", line.split("|")[1]))
    return flags


FLAGS = {p: flags_from_docs(p) for p in ("instantchat-server", "instantchat-balancer")}
for program in FLAGS:
    FLAGS[program].add("config")
    record(len(FLAGS[program]) > 8, "docs/interfaces.md lists the flags of " + program,
           sorted(FLAGS[program]))
if BUILD:
    for program in FLAGS:
        binary = os.path.join(BUILD, "bin", program)
        if os.access(binary, os.X_OK):
            out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=20).stdout
            helped = set(re.findall(r"--([a-z0-9-]+)", out)) - {"help", "version", "help-all"}
            missing = FLAGS[program] - helped
            record(not missing, "%s --help knows every documented flag" % program, sorted(missing))
            undocumented = helped - FLAGS[program]
            record(not undocumented, "docs/interfaces.md documents every flag of %s --help" % program,
                   sorted(undocumented))
            FLAGS[program] &= helped

metrics_section = interfaces.split("## Metrics", 1)[1].split("\n## ", 1)[0]
METRICS = set(re.findall(r"\b((?:instantchat|process)_[a-z_]+)", metrics_section))
record({"instantchat_connections", "instantchat_balancer_servers_up"} <= METRICS,
       "docs/interfaces.md lists the metric names", sorted(METRICS))


def documented_route(path):
    """A route documented in docs/interfaces.md: `/name` or GET /name."""
    segment = path.lstrip("/").split("/")[0]
    return re.search(r"[`\s]/%s\b" % re.escape(segment), interfaces) is not None


def env_to_flag(name):
    return name[len("INSTANTCHAT_"):].lower().replace("_", "-")


def known_metric(name):
    base = re.sub(r"_(bucket|sum|count)$", "", name)
    return name in METRICS or base in METRICS or name == "up"


def check_flags(where, program, args):
    """args: list of command-line words; every --flag must exist for the program."""
    bad = [a for a in args if a.startswith("--") and a[2:].split("=", 1)[0] not in FLAGS[program]]
    record(not bad, "%s: every flag exists in %s" % (where, program), bad)


def check_env(where, program, env):
    bad = [k for k in env if k.startswith("INSTANTCHAT_") and env_to_flag(k) not in FLAGS[program]]
    record(not bad, "%s: every INSTANTCHAT_* variable names a flag of %s" % (where, program), bad)


def load_yaml_docs(path):
    try:
        docs = [d for d in yaml.safe_load_all(read(path)) if d is not None]
        record(True, "%s parses as YAML" % rel(path))
        return docs
    except yaml.YAMLError as e:
        record(False, "%s parses as YAML" % rel(path), e)
        return []


PROJECT_IMAGES = {}   # image name -> Dockerfile


# ---------------------------------------------------------------- Dockerfiles
def dockerfile_checks():
    for path in sorted(glob.glob(os.path.join(PKG, "docker", "*.Dockerfile"))):
        text = read(path)
        name = "instantchat-" + os.path.basename(path).split(".")[0]
        PROJECT_IMAGES[name] = path
        lines = [l for l in text.replace("\\\n", " ").splitlines() if l and not l.startswith("#")]
        froms = [l.split()[1] for l in lines if l.startswith("FROM ")]
        record(froms == ["debian:bookworm-slim"], "%s is based on debian:bookworm-slim" % rel(path), froms)
        for line in lines:
            if line.startswith("COPY "):
                for src in line.split()[1:-1]:
                    if src.startswith("--"):
                        continue
                    matches = glob.glob(os.path.join(PKG, src))
                    record(bool(matches), "%s: COPY source %s exists (context packaging/)" % (rel(path), src))
        if name in ("instantchat-server", "instantchat-balancer"):
            record(re.search(r"apt-get install .*/tmp/debs/%s_\*\.deb" % name, text) is not None,
                   "%s installs the project's own %s .deb" % (rel(path), name))
            entry = re.search(r'ENTRYPOINT \[(.*)\]', text)
            words = json.loads("[" + entry.group(1) + "]") if entry else []
            record(words[:1] == ["/usr/bin/" + name], "%s runs /usr/bin/%s" % (rel(path), name), words)
            cmd = re.search(r'^CMD \[(.*)\]', text, re.M)
            check_flags(rel(path), name, words[1:] + (json.loads("[" + cmd.group(1) + "]") if cmd else []))
            port = "8081" if name == "instantchat-server" else "8080"
            record(re.search(r"^EXPOSE %s$" % port, text, re.M) is not None,
                   "%s exposes the default port %s" % (rel(path), port))
            record("USER 10001:10001" in text, "%s runs as the numeric non-root user 10001" % rel(path))
            record("/healthz" in text, "%s health check uses /healthz" % rel(path))
    record({"instantchat-server", "instantchat-balancer", "instantchat-gateway",
            "instantchat-prometheus"} <= set(PROJECT_IMAGES), "Dockerfiles for server, balancer, gateway, prometheus",
           sorted(PROJECT_IMAGES))
    # The gateway entrypoint edits the shipped nginx config: every pattern must still be there.
    entry = read(os.path.join(PKG, "docker", "gateway-entrypoint.sh"))
    conf = read(os.path.join(PKG, "nginx", "instantchat-gateway.conf"))
    patterns = re.findall(r'-e "s\|([^|]+)\|', entry)
    missing = [p for p in patterns if p not in conf]
    record(patterns and not missing, "gateway-entrypoint.sh rewrites lines that exist in instantchat-gateway.conf",
           missing)


# ---------------------------------------------------------------- compose
def compose_checks():
    readme = read(os.path.join(PKG, "README.md")) if os.path.exists(os.path.join(PKG, "README.md")) else ""
    for path in sorted(glob.glob(os.path.join(PKG, "compose", "*.yml"))):
        docs = load_yaml_docs(path)
        if not docs:
            continue
        compose = docs[0]
        services = compose.get("services", {})
        record(bool(services), "%s defines services" % rel(path))
        base = os.path.dirname(path)
        for name, svc in services.items():
            where = "%s service %s" % (rel(path), name)
            image = svc.get("image", "")
            repo_name = image.split(":")[0]
            record(repo_name in PROJECT_IMAGES, "%s: image %s is built from packaging/docker" % (where, image))
            build = svc.get("build")
            if build:
                context = os.path.normpath(os.path.join(base, build["context"]))
                dockerfile = os.path.join(context, build.get("dockerfile", "Dockerfile"))
                record(os.path.isfile(dockerfile), "%s: Dockerfile %s exists" % (where, rel(dockerfile)))
                record(os.path.normpath(dockerfile) == os.path.normpath(PROJECT_IMAGES.get(repo_name, "")),
                       "%s: image name matches its Dockerfile" % where, rel(dockerfile))
                record(os.path.normpath(context) == PKG, "%s: build context is packaging/" % where, context)
            env = svc.get("environment", {}) or {}
            program = {"instantchat-server": "instantchat-server",
                       "instantchat-balancer": "instantchat-balancer"}.get(repo_name)
            if program:
                check_env(where, program, env)
                check_flags(where, program, svc.get("command", []))
                port = str(env.get("INSTANTCHAT_PORT", "8081" if program == "instantchat-server" else "8080"))
                if "expose" in svc:
                    record(port in [str(p) for p in svc["expose"]], "%s: exposes its port %s" % (where, port))
            for key in ("INSTANTCHAT_BALANCER",):
                if key in env and svc.get("network_mode") != "host":
                    target = re.sub(r"^https?://", "", str(env[key]))
                    host, _, port = target.partition(":")
                    other = services.get(host, {})
                    other_port = str((other.get("environment") or {}).get("INSTANTCHAT_PORT", "8080"))
                    record(host in services and port == other_port,
                           "%s: %s=%s names the balancer service and its port" % (where, key, env[key]))
            if "INSTANTCHAT_ADVERTISE" in env:
                host, _, port = str(env["INSTANTCHAT_ADVERTISE"]).partition(":")
                record(host == name and port == str(env.get("INSTANTCHAT_PORT", "8081")),
                       "%s: advertises its own service name and port" % where, env["INSTANTCHAT_ADVERTISE"])
            for dep in svc.get("depends_on", []) or []:
                record(dep in services, "%s: depends_on %s exists" % (where, dep))
            for secret in svc.get("secrets", []) or []:
                record(secret in (compose.get("secrets") or {}), "%s: secret %s is declared" % (where, secret))
        for name, secret in (compose.get("secrets") or {}).items():
            file = secret.get("file", "")
            record(os.path.basename(file) in readme and "openssl rand" in readme,
                   "%s: secret file %s is one the README tells how to create" % (rel(path), file))
        advertised = [str((s.get("environment") or {}).get("INSTANTCHAT_ADVERTISE", "")) for s in services.values()]
        advertised = [a for a in advertised if a]
        record(len(advertised) == len(set(advertised)), "%s: servers advertise distinct addresses" % rel(path))


# ---------------------------------------------------------------- Kubernetes
def k8s_checks():
    objects = []
    for path in sorted(glob.glob(os.path.join(PKG, "k8s", "*.yaml"))):
        for doc in load_yaml_docs(path):
            objects.append((path, doc))
    kinds = {}
    for path, obj in objects:
        kinds.setdefault(obj.get("kind"), []).append(obj)
        if obj.get("kind") == "Kustomization":
            for res in obj.get("resources", []):
                record(os.path.isfile(os.path.join(PKG, "k8s", res)), "kustomization resource %s exists" % res)
            listed = set(obj.get("resources", []))
            files = {os.path.basename(p) for p in glob.glob(os.path.join(PKG, "k8s", "*.yaml"))} - {"kustomization.yaml"}
            record(files == listed, "kustomization lists every manifest", sorted(files ^ listed))
            continue
        meta = obj.get("metadata", {})
        ok = all(obj.get(k) for k in ("apiVersion", "kind")) and meta.get("name")
        record(bool(ok), "%s: %s/%s has apiVersion, kind, name" % (rel(path), obj.get("kind"), meta.get("name")))
        if obj.get("kind") != "Namespace":
            record(meta.get("namespace") == "instantchat",
                   "%s: %s/%s is in namespace instantchat" % (rel(path), obj["kind"], meta.get("name")))

    services = {o["metadata"]["name"]: o for o in kinds.get("Service", [])}
    workloads = kinds.get("Deployment", []) + kinds.get("StatefulSet", [])
    pod_labels = []
    for w in workloads:
        name = w["metadata"]["name"]
        spec = w["spec"]
        labels = spec["template"]["metadata"]["labels"]
        sel = spec["selector"]["matchLabels"]
        record(all(labels.get(k) == v for k, v in sel.items()), "%s: selector matches its pod labels" % name)
        containers = spec["template"]["spec"]["containers"]
        ports = {p.get("name"): p["containerPort"] for c in containers for p in c.get("ports", [])}
        replicas = spec.get("replicas", 1)
        pod_names = ["%s-%d" % (name, i) for i in range(replicas)] if w["kind"] == "StatefulSet" else []
        pod_labels.append((labels, ports, pod_names, w))
        for c in containers:
            image = c["image"].split(":")[0]
            record(image in PROJECT_IMAGES, "%s: image %s is built from packaging/docker" % (name, c["image"]))
            program = image if image in FLAGS else None
            if program:
                check_flags("k8s " + name, program, c.get("args", []))
                check_env("k8s " + name, program, {e["name"]: e.get("value") for e in c.get("env", [])})
            for probe in ("readinessProbe", "livenessProbe"):
                http = c.get(probe, {}).get("httpGet")
                if http:
                    record(http["path"] in ("/healthz", "/livez", "/-/ready", "/-/healthy"),
                           "%s: %s uses a health route" % (name, probe), http)
                    record(http["port"] in ports or http["port"] in ports.values(),
                           "%s: %s port exists" % (name, probe), http["port"])
            sc = c.get("securityContext", {})
            if program:
                record(sc.get("allowPrivilegeEscalation") is False and sc.get("readOnlyRootFilesystem") is True,
                       "%s: container is locked down (no privilege escalation, read-only root)" % name)
                record(spec["template"]["spec"].get("securityContext", {}).get("runAsNonRoot") is True,
                       "%s: runs as non-root" % name)
                secret_files = [e.get("value", "") for e in c.get("env", []) if e["name"].endswith("_FILE")]
                mounts = [m["mountPath"] for m in c.get("volumeMounts", [])]
                record(all(any(f.startswith(m + "/") for m in mounts) for f in secret_files),
                       "%s: secret files are on mounted volumes" % name, secret_files)
                record(not any(re.search(r"token|password", a, re.I) and not a.startswith("--")
                               and "file" not in a for a in c.get("args", [])),
                       "%s: no secret on the command line" % name)
        if w["kind"] == "StatefulSet":
            headless = services.get(spec["serviceName"], {})
            record(headless.get("spec", {}).get("clusterIP") == "None",
                   "%s: serviceName %s is a headless Service" % (name, spec["serviceName"]))
            args = containers[0].get("args", [])
            argmap = dict(zip(args[::2], args[1::2]))
            record(argmap.get("--server-id") == "$(POD_NAME)", "%s: --server-id is the pod name" % name, argmap)
            record(argmap.get("--advertise") == "$(POD_NAME).%s:%s" % (spec["serviceName"], argmap.get("--port")),
                   "%s: --advertise is the pod's stable DNS name and port" % name, argmap.get("--advertise"))
            balancer = re.sub(r"^https?://", "", argmap.get("--balancer", ""))
            bhost, _, bport = balancer.partition(":")
            bsvc = services.get(bhost, {})
            record(bport and int(bport) in [p["port"] for p in bsvc.get("spec", {}).get("ports", [])],
                   "%s: --balancer names the balancer Service and its port" % name, argmap.get("--balancer"))
            envs = {e["name"] for e in containers[0].get("env", [])}
            record("POD_NAME" in envs, "%s: POD_NAME comes from the downward API" % name)
        if w["metadata"]["name"] == "instantchat-balancer":
            args = containers[0].get("args", [])
            argmap = dict(zip(args[::2], args[1::2]))
            record(argmap.get("--gateway-routes") == "on" and argmap.get("--public-url", "").startswith("https://"),
                   "balancer runs with --gateway-routes on and an https --public-url", argmap)

    for name, svc in services.items():
        sel = svc["spec"].get("selector")
        if name == "instantchat-blocked":
            record(not sel, "instantchat-blocked has no endpoints (blocked routes go nowhere)")
            continue
        matches = []
        for labels, ports, pod_names, w in pod_labels:
            want = dict(sel or {})
            pod = want.pop("statefulset.kubernetes.io/pod-name", None)
            if all(labels.get(k) == v for k, v in want.items()) and (pod is None or pod in pod_names):
                matches.append((ports, w))
        record(bool(matches), "Service %s selects pods of a workload" % name, sel)
        for p in svc["spec"]["ports"]:
            tp = p.get("targetPort", p["port"])
            record(all(tp in ports or tp in ports.values() for ports, _ in matches),
                   "Service %s targetPort %s exists on its pods" % (name, tp))

    server_pods = [n for _, _, names, _ in pod_labels for n in names]
    routed = set()
    for ing in kinds.get("Ingress", []):
        for rule in ing["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                svc = services.get(backend["name"])
                record(svc is not None and backend["port"]["number"] in [p["port"] for p in svc["spec"]["ports"]],
                       "Ingress %s path %s -> existing Service %s:%s" % (
                           ing["metadata"]["name"], path["path"], backend["name"], backend["port"]["number"]))
                m = re.fullmatch(r"/b/([^/]+)/ws_entry", path["path"])
                if m:
                    routed.add(m.group(1))
                    record(backend["name"] == m.group(1), "Ingress /b/%s/ws_entry goes to that pod's Service" % m.group(1))
                elif path["path"] != "/":
                    record(documented_route(path["path"]),
                           "Ingress path %s is a documented route" % path["path"])
    record(set(server_pods) == routed, "every server pod has its /b/<pod>/ws_entry Ingress route",
           sorted(set(server_pods) ^ routed))
    blocked = {p["path"] for ing in kinds.get("Ingress", []) for r in ing["spec"]["rules"]
               for p in r["http"]["paths"] if p["backend"]["service"]["name"] == "instantchat-blocked"}
    record({"/metrics", "/sd", "/admin", "/internal"} <= blocked, "Ingress keeps /metrics /sd /admin /internal private",
           sorted(blocked))

    # Prometheus ConfigMap = shipped files.
    cms = [o for o in kinds.get("ConfigMap", []) if o["metadata"]["name"] == "instantchat-prometheus"]
    if cms:
        data = cms[0]["data"]
        shipped = read(os.path.join(PKG, "prometheus", "prometheus.yml")).replace("127.0.0.1:8080", "instantchat-balancer:8080")
        record(yaml.safe_load(data["prometheus.yml"]) == yaml.safe_load(shipped),
               "k8s Prometheus config = packaging/prometheus/prometheus.yml with the balancer Service address")
        record(yaml.safe_load(data["alerts.yml"]) == yaml.safe_load(read(os.path.join(PKG, "prometheus", "alerts.yml"))),
               "k8s alert rules = packaging/prometheus/alerts.yml")
    else:
        record(False, "k8s has the instantchat-prometheus ConfigMap")
    readme = read(os.path.join(PKG, "README.md")) if os.path.exists(os.path.join(PKG, "README.md")) else ""
    for secret in ("instantchat-secrets", "instantchat-tls"):
        record(secret in readme, "README tells how to create the k8s secret %s" % secret)


# ---------------------------------------------------------------- Prometheus and Grafana
def monitoring_checks():
    prom = load_yaml_docs(os.path.join(PKG, "prometheus", "prometheus.yml"))[0]
    jobs = {j["job_name"]: j for j in prom["scrape_configs"]}
    sd = jobs.get("instantchat-server", {}).get("http_sd_configs", [{}])[0].get("url", "")
    record(sd.endswith("/sd") and "`GET /sd`" in interfaces, "servers are discovered from the balancer's documented /sd", sd)
    record(all(j.get("metrics_path", "/metrics") == "/metrics" for j in jobs.values()), "jobs scrape /metrics")
    rules = load_yaml_docs(os.path.join(PKG, "prometheus", "alerts.yml"))[0]
    names = set()
    for group in rules["groups"]:
        for rule in group["rules"]:
            names.add(rule["alert"])
            used = set(re.findall(r"\b([a-z_]+_(?:total|seconds|bytes|connections|up|known|fds|rooms|online|bucket))\b", rule["expr"]))
            bad = [m for m in used if not known_metric(m)]
            record(not bad, "alert %s uses documented metric names" % rule["alert"], bad)
    record({"InstantchatServerDown", "InstantchatServerNearConnectionCeiling", "InstantchatServerHighCpu",
            "InstantchatSlowClientsDropped", "InstantchatBalancerNoLiveServer"} <= names,
           "alerts: server down, connection ceiling, high CPU, slow clients, no live server", sorted(names))

    ds_docs = load_yaml_docs(os.path.join(PKG, "grafana", "provisioning", "datasources", "instantchat.yml"))
    ds_uids = {d["uid"] for d in ds_docs[0]["datasources"]} if ds_docs else set()
    record("instantchat-prometheus" in ds_uids and ds_docs[0]["datasources"][0]["type"] == "prometheus",
           "Grafana provisions the Prometheus data source instantchat-prometheus")
    prov = load_yaml_docs(os.path.join(PKG, "grafana", "provisioning", "dashboards", "instantchat.yml"))
    prov_path = prov[0]["providers"][0]["options"]["path"] if prov else ""
    readme = read(os.path.join(PKG, "README.md")) if os.path.exists(os.path.join(PKG, "README.md")) else ""
    record(bool(prov_path) and prov_path in readme, "dashboard provider folder %s is the one the README copies to" % prov_path)

    uids = set()
    titles = set()
    for path in sorted(glob.glob(os.path.join(PKG, "grafana", "dashboards", "*.json"))):
        try:
            dash = json.loads(read(path))
            record(True, "%s parses as JSON" % rel(path))
        except ValueError as e:
            record(False, "%s parses as JSON" % rel(path), e)
            continue
        record(dash.get("uid") and dash["uid"] not in uids, "%s has a unique uid" % rel(path))
        uids.add(dash.get("uid"))
        titles.add(dash.get("title"))
        panels = dash.get("panels", [])
        record(len(panels) >= 5, "%s has panels" % rel(path), len(panels))
        ids = [p.get("id") for p in panels]
        record(len(ids) == len(set(ids)), "%s panel ids are unique" % rel(path))
        for var in dash.get("templating", {}).get("list", []):
            if var.get("type") == "query":
                record(var.get("datasource", {}).get("uid") in ds_uids,
                       "%s variable %s uses the provisioned data source" % (rel(path), var.get("name")))
        for p in panels:
            where = "%s panel '%s'" % (os.path.basename(path), p.get("title"))
            record((p.get("datasource") or {}).get("uid") in ds_uids, "%s has the provisioned data source" % where,
                   p.get("datasource"))
            targets = p.get("targets", [])
            exprs = [t.get("expr", "") for t in targets]
            record(bool(targets) and all(e.strip() for e in exprs), "%s has a query" % where)
            record(all((t.get("datasource") or p.get("datasource") or {}).get("uid") in ds_uids for t in targets),
                   "%s queries use the provisioned data source" % where)
            used = set()
            for e in exprs:
                cleaned = re.sub(r"\{[^}]*\}", "", e)
                cleaned = re.sub(r"\[[^\]]*\]", "", cleaned)
                used |= {m for m in re.findall(r"\b([a-z_]+_[a-z_]+)\b", cleaned)
                         if m.startswith(("instantchat_", "process_"))}
            bad = [m for m in used if not known_metric(m)]
            record(not bad, "%s uses documented metric names" % where, bad)
            gp = p.get("gridPos", {})
            record(all(k in gp for k in ("h", "w", "x", "y")), "%s has a grid position" % where)
    text = " ".join(t.lower() for t in titles)
    record("service" in text and "balancer" in text, "a service dashboard and a balancer dashboard", titles)
    service = json.loads(read(os.path.join(PKG, "grafana", "dashboards", "instantchat-service.json")))
    all_exprs = " ".join(t["expr"] for p in service["panels"] for t in p["targets"])
    for metric in ("instantchat_rooms", "instantchat_users_online", "instantchat_messages_received_total",
                   "instantchat_frames_delivered_total", "instantchat_broadcast_latency_seconds_bucket",
                   "instantchat_slow_clients_dropped_total", "instantchat_rate_limited_total",
                   "instantchat_connections"):
        record(metric in all_exprs, "service dashboard shows %s" % metric)
    for q in ("0.5", "0.9", "0.99"):
        record("histogram_quantile(%s, sum by (le) (rate(instantchat_broadcast_latency_seconds_bucket" % q in all_exprs,
               "service dashboard shows broadcast latency p%s" % q.replace("0.", "").ljust(2, "0"))
    balancer = json.loads(read(os.path.join(PKG, "grafana", "dashboards", "instantchat-balancer.json")))
    all_exprs = " ".join(t["expr"] for p in balancer["panels"] for t in p["targets"])
    for metric in ("instantchat_balancer_requests_total", "instantchat_balancer_placements_total",
                   "instantchat_balancer_servers_up"):
        record(metric in all_exprs, "balancer dashboard shows %s" % metric)
    record("by (route, status)" in all_exprs, "balancer dashboard splits requests by route and status")


# ---------------------------------------------------------------- units, INI files, desktop entry
def system_checks():
    for conf, program in (("server.conf", "instantchat-server"), ("balancer.conf", "instantchat-balancer")):
        path = os.path.join(PKG, "etc", conf)
        parser = configparser.ConfigParser(interpolation=None, comment_prefixes=(";",))
        try:
            parser.read_string("[General]\n" + read(path))
            keys = set(parser["General"].keys())
            record(True, "%s parses as INI" % rel(path))
        except configparser.Error as e:
            record(False, "%s parses as INI" % rel(path), e)
            continue
        bad = sorted(keys - FLAGS[program])
        record(not bad, "%s: every key is a flag of %s" % (rel(path), program), bad)
        record(not {"cluster-token-file", "admin-password-file"} & keys,
               "%s holds no secret settings (they come as credentials)" % rel(path))

    for unit, program in (("instantchat-server@.service", "instantchat-server"),
                          ("instantchat-balancer.service", "instantchat-balancer")):
        path = os.path.join(PKG, "systemd", unit)
        text = read(path)
        settings = {}
        for line in text.splitlines():
            if "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                settings.setdefault(k.strip(), []).append(v.strip())
        exec_start = settings.get("ExecStart", [""])[0].split()
        record(exec_start[:1] == ["/usr/bin/" + program], "%s runs /usr/bin/%s" % (unit, program), exec_start)
        check_flags(unit, program, exec_start[1:])
        record("--config" in exec_start and "/etc/instantchat/%s.conf" % program.split("-")[1] in exec_start,
               "%s reads /etc/instantchat/%s.conf" % (unit, program.split("-")[1]))
        record(not any(re.search(r"token|password", w, re.I) for w in exec_start),
               "%s has no secret on the command line" % unit)
        env = {}
        for e in settings.get("Environment", []):
            k, v = e.split("=", 1)
            env[k] = v
        check_env(unit, program, env)
        record(env.get("INSTANTCHAT_CLUSTER_TOKEN_FILE") == "%d/cluster-token"
               and "cluster-token:/etc/instantchat/cluster-token" in settings.get("LoadCredential", []),
               "%s gets the cluster token as a systemd credential" % unit)
        for key, want in (("User", "instantchat"), ("ProtectSystem", "strict"), ("ProtectHome", "yes"),
                          ("NoNewPrivileges", "yes"), ("PrivateTmp", "yes"), ("Restart", "on-failure")):
            record(settings.get(key) == [want], "%s: %s=%s" % (unit, key, want), settings.get(key))
        record(bool(settings.get("RestrictAddressFamilies")), "%s: RestrictAddressFamilies set" % unit)
        record(settings.get("CapabilityBoundingSet") == [""], "%s: no capabilities" % unit)
        if program == "instantchat-server":
            record("--port" in exec_start and exec_start[exec_start.index("--port") + 1] == "%i",
                   "%s: the instance name is the port" % unit)
        else:
            record(env.get("INSTANTCHAT_ADMIN_PASSWORD_FILE") == "%d/admin-password",
                   "%s gets the admin password as a systemd credential" % unit)

    desktop = os.path.join(PKG, "desktop", "instantchat-desktop.desktop")
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read_string(read(desktop))
    de = entry["Desktop Entry"]
    record("x-scheme-handler/instantchat" in de.get("MimeType", "").split(";"),
           "desktop entry registers x-scheme-handler/instantchat")
    record(de.get("Exec", "").split()[:1] == ["instantchat-desktop"] and "%u" in de.get("Exec", ""),
           "desktop entry runs instantchat-desktop with the URL (%u)")
    record(de.get("Icon") == "instantchat", "desktop entry uses the instantchat icon")
    validate = subprocess.run(["sh", "-c", "command -v desktop-file-validate"], capture_output=True, text=True)
    if validate.returncode == 0:
        out = subprocess.run(["desktop-file-validate", desktop], capture_output=True, text=True)
        record(out.returncode == 0 and "error" not in out.stdout.lower(), "desktop-file-validate accepts the entry",
               out.stdout + out.stderr)
    svg = os.path.join(PKG, "desktop", "instantchat.svg")
    try:
        root = ET.parse(svg).getroot()
        record(root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox"), "icon is an SVG with a viewBox")
    except ET.ParseError as e:
        record(False, "icon is an SVG", e)



# ---------------------------------------------------------------- deployment shapes
def project_version():
    m = re.search(r"project\(instantchat VERSION ([0-9.]+)", read(os.path.join(REPO, "CMakeLists.txt")))
    return m.group(1) if m else None


def deployment_checks():
    """What every shipped shape must set: trusted proxies, pinned images, sane probes, a gateway
    that logs no secrets, Kubernetes isolation and budgets."""
    version = project_version()
    # Trusted proxies: the conf files, every compose service of a program, every k8s program.
    for conf in ("server.conf", "balancer.conf"):
        text = read(os.path.join(PKG, "etc", conf))
        record(re.search(r"^trusted-proxies=\S", text, re.M) is not None,
               "etc/%s sets trusted-proxies explicitly" % conf)
    for path in sorted(glob.glob(os.path.join(PKG, "compose", "*.yml"))):
        compose = load_yaml_docs(path)[0]
        services = compose.get("services", {})
        gateway_ip = None
        for name, svc in services.items():
            for net in (svc.get("networks") or {}).values() if isinstance(svc.get("networks"), dict) else []:
                if name == "gateway" and net and net.get("ipv4_address"):
                    gateway_ip = net["ipv4_address"]
        for name, svc in services.items():
            image = svc.get("image", "")
            record(image.endswith(":" + version), "%s %s: image %s is tagged with the project version %s"
                   % (rel(path), name, image, version))
            if image.split(":")[0] in FLAGS:
                env = svc.get("environment") or {}
                trusted = str(env.get("INSTANTCHAT_TRUSTED_PROXIES", ""))
                record(bool(trusted), "%s %s sets INSTANTCHAT_TRUSTED_PROXIES" % (rel(path), name))
                if gateway_ip:
                    record(trusted == gateway_ip, "%s %s trusts the gateway's fixed address %s"
                           % (rel(path), name, gateway_ip), trusted)
    objects = [d for p in sorted(glob.glob(os.path.join(PKG, "k8s", "*.yaml"))) for d in load_yaml_docs(p)]
    kinds = {}
    for o in objects:
        kinds.setdefault(o.get("kind"), []).append(o)
    for w in kinds.get("Deployment", []) + kinds.get("StatefulSet", []):
        name = w["metadata"]["name"]
        pod = w["spec"]["template"]["spec"]
        for c in pod["containers"]:
            record(c["image"].endswith(":" + version) and ":latest" not in c["image"],
                   "k8s %s: image %s is pinned to the project version %s" % (name, c["image"], version))
            record(bool(c.get("resources", {}).get("requests")) and bool(c.get("resources", {}).get("limits")),
                   "k8s %s: resources requested and limited" % name)
            sc = c.get("securityContext", {})
            record(sc.get("allowPrivilegeEscalation") is False and sc.get("readOnlyRootFilesystem") is True
                   and sc.get("capabilities", {}).get("drop") == ["ALL"],
                   "k8s %s: container securityContext locked down" % name)
            image = c["image"].split(":")[0]
            if image in FLAGS:
                args = c.get("args", [])
                record("--trusted-proxies" in args, "k8s %s sets --trusted-proxies" % name, args)
        record(pod.get("securityContext", {}).get("runAsNonRoot") is True
               and isinstance(pod.get("securityContext", {}).get("runAsUser"), int),
               "k8s %s: pod runs as a numeric non-root user" % name)
        if name == "instantchat-server":
            c = pod["containers"][0]
            record(c["livenessProbe"]["httpGet"]["path"] == "/livez"
                   and c["readinessProbe"]["httpGet"]["path"] == "/healthz",
                   "k8s servers: liveness /livez (a balancer outage never restarts them), readiness /healthz")
    policies = kinds.get("NetworkPolicy", [])
    selected = {p["spec"]["podSelector"].get("matchLabels", {}).get("app.kubernetes.io/name", "*") for p in policies}
    record({"*", "instantchat-server", "instantchat-balancer"} <= selected,
           "k8s NetworkPolicies: default deny plus servers and balancer", sorted(selected))
    budgets = {p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] for p in kinds.get("PodDisruptionBudget", [])}
    record("instantchat-server" in budgets, "k8s PodDisruptionBudget for the servers", sorted(budgets))
    kustomization = next((o for o in objects if o.get("kind") == "Kustomization"), {})
    images = {i["name"]: i.get("newTag") for i in kustomization.get("images", [])}
    used = {c["image"].split(":")[0] for w in kinds.get("Deployment", []) + kinds.get("StatefulSet", [])
            for c in w["spec"]["template"]["spec"]["containers"]}
    record(used <= set(images) and all(t == version for t in images.values()),
           "kustomization images: every manifest image, tag %s" % version, images)

    # Docker health checks: HTTP/1.1 with a Host header (HTTP/1.0 without Host gets 400).
    for name in ("server", "balancer"):
        text = read(os.path.join(PKG, "docker", "%s.Dockerfile" % name))
        hc = re.search(r"^HEALTHCHECK .*?\n(?!\s)", text, re.M | re.S)
        hc = hc.group(0) if hc else ""
        record("HTTP/1.1" in hc and "Host: " in hc and "/healthz" in hc,
               "%s.Dockerfile HEALTHCHECK sends HTTP/1.1 with Host to /healthz" % name, hc)

    # The gateway: no request URI, query string or address in its logs; its own 429 is short.
    gw = read(os.path.join(PKG, "nginx", "instantchat-gateway.conf"))
    formats = re.findall(r"log_format\s+(\S+)\s+'([^;]*)';", gw)
    record(formats and all(not re.search(r"\$(request\b|request_uri|uri|args|query_string|arg_|remote_addr|http_)", f)
                           for _, f in formats), "gateway log_format has no URI, query, address or header", formats)
    access = re.findall(r"^\s*access_log\s+([^;]+);", gw, re.M)
    record(access and all(a.split()[-1] == "instantchat_private" or a.strip() == "off" for a in access),
           "every gateway access_log uses the private format", access)
    errors = re.findall(r"^\s*error_log\s+([^;]+);", gw, re.M)
    record(errors and all(e.split()[-1] == "crit" for e in errors),
           "gateway error_log at crit (nginx logs request lines at error level)", errors)
    record("snakeoil" not in gw, "gateway does not point at the snakeoil certificate")
    record("Retry-After" in gw and "error_page 429" in gw, "gateway's own 429 has a text and Retry-After")

for step in (dockerfile_checks, compose_checks, k8s_checks, monitoring_checks, system_checks,
             deployment_checks):
    try:
        step()
    except Exception as e:  # noqa: BLE001
        import traceback
        traceback.print_exc()
        record(False, "%s ran without error" % step.__name__, repr(e))

sys.exit(1 if failures else 0)
