#!/usr/bin/env python3
"""The documentation an admin follows, against the real programs (tests/packaging/test_docs.sh).

  doc_checks.py flags   REPO BUILD MANDIR   every flag a doc names exists; every --help flag is in
                                            the generated man page
  doc_checks.py metrics REPO METRICS_FILE...  every metric name the docs, alerts and dashboards use
                                            is exported; every exported family is in interfaces.md

Prints PASS:/FAIL: lines (tests/monitoring/lib.sh convention) and "N passed, N failed" last;
exits 1 on any failure.
"""
import glob
import gzip
import os
import re
import subprocess
import sys

PASSED = 0
FAILED = 0


def record(ok, what, detail=""):
    global PASSED, FAILED
    if ok:
        PASSED += 1
        print("PASS: %s" % what)
    else:
        FAILED += 1
        print("FAIL: %s%s" % (what, (" -- %s" % (detail,)) if detail != "" else ""))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def prose_docs(repo):
    """The Markdown an admin or a contributor reads, and what the packages ship."""
    files = ["README.md", "packaging/README.md", "server/README.md", "balancer/README.md",
             "desktop-client/README.md"] + sorted(os.path.relpath(p, repo) for p in
                                                  glob.glob(os.path.join(repo, "docs", "*.md")))
    return [f for f in files if os.path.exists(os.path.join(repo, f))]


def help_flags(binary):
    """Every long option of `binary --help`, aliases included (`--name, --nick <NICK>`)."""
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    out = subprocess.run([binary, "--help"], capture_output=True, text=True, timeout=30,
                         env=env).stdout
    flags = set()
    for line in out.splitlines():
        if not re.match(r"^  -", line):
            continue
        # The option column ends at the first run of two spaces after the names.
        names = re.split(r"(?<=\S)  +", line.strip(), maxsplit=1)[0]
        flags |= set(re.findall(r"--([a-z0-9][a-z0-9-]*)", names))
    return flags


# Options of other tools that the docs show in their commands (systemctl, docker, kubectl, cmake,
# scripts/test.sh). A new entry here must be a real option of the tool it names.
OTHER_TOOLS = {
    "now",          # systemctl enable --now
    "build",        # docker compose up --build; cmake --build
    "target",       # cmake --build build --target X
    "from-file",    # kubectl create secret generic --from-file
    "cert", "key",  # kubectl create secret tls --cert --key
    "quick",        # scripts/test.sh --quick
    "servers", "port",  # scripts/run-local.sh (also program flags)
}


def check_flags(repo, build, mandir):
    programs = {}
    for name in ("instantchat-server", "instantchat-balancer", "instantchat-desktop"):
        binary = os.path.join(build, "bin", name)
        if os.access(binary, os.X_OK):
            programs[name] = help_flags(binary)
    record({"instantchat-server", "instantchat-balancer"} <= set(programs),
           "the server and the balancer are built", sorted(programs))
    record(all(len(f) > 3 for f in programs.values()), "every program's --help lists its flags",
           {k: len(v) for k, v in programs.items()})
    known = set().union(*programs.values()) | OTHER_TOOLS

    # Docs: every --flag they name is a flag of one of our programs (or of the tool they run).
    for doc in prose_docs(repo):
        named = set(re.findall(r"(?<![\w-])--([a-z][a-z0-9-]*)", read(os.path.join(repo, doc))))
        unknown = sorted(named - known)
        record(not unknown, "%s names only flags the programs have" % doc, unknown)

    # INSTANTCHAT_<FLAG> variables in the docs name a flag (or one of the documented secrets and
    # the test runner's knobs).
    extra_env = {"CLUSTER_TOKEN", "ADMIN_PASSWORD", "FUZZ_SECONDS", "FUZZ_JOBS", "PUBLIC_HOST",
                 "RESOLVER", "CCACHE", "JOBS", "BUILD_DIR"}
    service_flags = programs.get("instantchat-server", set()) | programs.get("instantchat-balancer", set())
    for doc in prose_docs(repo):
        names = set(re.findall(r"\bINSTANTCHAT_([A-Z0-9_]+)", read(os.path.join(repo, doc))))
        bad = sorted("INSTANTCHAT_" + n for n in names
                     if n not in extra_env and n.lower().replace("_", "-") not in service_flags)
        record(not bad, "%s: every INSTANTCHAT_* variable names a flag" % doc, bad)

    # Man pages, as packaging/man/manpage.cmake writes them: every flag of --help is on the page.
    for name, flags in programs.items():
        page_path = os.path.join(mandir, name + ".1.gz")
        if not os.path.exists(page_path):
            record(False, "man page %s.1.gz generated" % name)
            continue
        page = gzip.open(page_path, "rt", encoding="utf-8").read()
        text = page.replace("\\-", "-").replace("\\&", "").replace("\\e", "\\")
        missing = sorted(f for f in flags if "--" + f not in text)
        record(not missing, "man %s shows every flag of its --help" % name, missing)
        record(re.search(r"^\.SH FILES", page, re.M) is not None or name == "instantchat-desktop",
               "man %s has a FILES section" % name)


def metric_mentions(text, ignore):
    """Metric names in a text: instantchat_* / process_*, with a regex alternation after a prefix
    (`instantchat_balancer_(a|b)`) expanded; nginx variables and upstreams are not metrics."""
    names = set()
    for m in re.finditer(r"\b((?:instantchat|process)_[a-z0-9_]*)(\(([a-z0-9_|]+)\))?", text):
        base, alternatives = m.group(1), m.group(3)
        if base.endswith("_") and alternatives:
            names |= {base + a for a in alternatives.split("|")}
        elif not base.endswith("_") and base not in ignore:
            names.add(base)
    return names


def check_metrics(repo, metric_files):
    exported = set()
    families = set()
    for path in metric_files:
        for line in read(path).splitlines():
            m = re.match(r"^# TYPE (\S+) (\S+)", line)
            if m:
                exported.add(m.group(1))
                families.add(m.group(1))
                if m.group(2) in ("histogram", "summary"):
                    exported |= {m.group(1) + s for s in ("_bucket", "_sum", "_count")}
    record(len(exported) > 20, "the programs export their metric families", len(exported))

    ignore = set()
    for conf in glob.glob(os.path.join(repo, "packaging", "nginx", "*")):
        ignore |= set(re.findall(r"\b(instantchat_[a-z0-9_]+)", read(conf)))

    sources = prose_docs(repo) + ["packaging/prometheus/alerts.yml", "packaging/prometheus/prometheus.yml"]
    sources += sorted(os.path.relpath(p, repo) for p in
                      glob.glob(os.path.join(repo, "packaging", "grafana", "dashboards", "*.json")))
    for src in sources:
        named = metric_mentions(read(os.path.join(repo, src)), ignore)
        unknown = sorted(n for n in named if n not in exported)
        record(not unknown, "%s: every metric it names is exported (%d named)" % (src, len(named)),
               unknown)

    interfaces = read(os.path.join(repo, "docs", "interfaces.md"))
    section = interfaces.split("## Metrics", 1)[1].split("\n## ", 1)[0]
    documented = metric_mentions(section, ignore)
    # Documented label values (`name{label="a|b"}`) are the ones exported, each with a sample.
    samples = set()
    for path in metric_files:
        for line in read(path).splitlines():
            m = re.match(r"^([a-z_]+)\{([^}]*)\} ", line)
            if m:
                for label, value in re.findall(r'([a-z_]+)="([^"]*)"', m.group(2)):
                    samples.add((m.group(1), label, value))
    listed = re.findall(r'\b((?:instantchat|process)_[a-z0-9_]+)\{([a-z_]+)="([^"]+)"\}', section)
    for name, label, values in listed:
        missing = [v for v in values.split("|") if (name, label, v) not in samples]
        record(not missing, "%s{%s=...} exports the documented values %s" % (name, label, values),
               missing)
    record(len(listed) >= 3, "docs/interfaces.md lists label values", listed)

    undocumented = sorted(n for n in families if n not in documented)
    record(not undocumented, "docs/interfaces.md \"Metrics\" names every exported family",
           undocumented)


def main():
    mode = sys.argv[1]
    if mode == "flags":
        check_flags(sys.argv[2], sys.argv[3], sys.argv[4])
    elif mode == "metrics":
        check_metrics(sys.argv[2], sys.argv[3:])
    else:
        sys.exit("unknown mode " + mode)
    print("doc_checks.py %s: %d checks passed, %d checks failed" % (mode, PASSED, FAILED))
    sys.exit(1 if FAILED else 0)


if __name__ == "__main__":
    main()
