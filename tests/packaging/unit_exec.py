#!/usr/bin/env python3
"""Runs an installed systemd service the way systemd would, for machines where systemd is not
PID 1 (containers, CI): used by test_debs.sh.

Usage: unit_exec.py UNIT_FILE [INSTANCE]

Reads User=, Environment=, EnvironmentFile=, LoadCredential=/SetCredential= and ExecStart= from
the unit, expands %i (instance) and %d (credentials directory), copies the credentials into a
private directory owned by the unit's user (what systemd does), and execs the ExecStart command
through `runuser -u USER --` with exactly that environment. The credentials directory is left for
the caller to remove (its path is printed on stderr as "credentials: DIR").
"""

import os
import pwd
import shlex
import sys
import tempfile


def parse_unit(path):
    settings = []
    section = None
    with open(path) as f:
        lines = f.read().replace("\\\n", " ").splitlines()
    for line in lines:
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        settings.append((section, key.strip(), value.strip()))
    return settings


def unescape(value):
    # Enough of systemd's C-style escapes for SetCredential= values.
    return value.encode().decode("unicode_escape")


def main():
    unit = sys.argv[1]
    instance = sys.argv[2] if len(sys.argv) > 2 else ""
    settings = [(k, v) for s, k, v in parse_unit(unit) if s == "Service"]
    user = next((v for k, v in settings if k == "User"), "root")
    pw = pwd.getpwnam(user)

    creds = tempfile.mkdtemp(prefix="instantchat-credentials.")
    loaded = {}
    fallback = {}
    for key, value in settings:
        if key == "LoadCredential":
            cid, _, source = value.partition(":")
            loaded[cid] = source
        elif key == "SetCredential":
            cid, _, data = value.partition(":")
            fallback[cid] = unescape(data)
    for cid in set(loaded) | set(fallback):
        data = None
        if cid in loaded:
            try:
                with open(loaded[cid], "rb") as f:
                    data = f.read()
            except OSError:
                if cid not in fallback:
                    sys.exit("credential %s: cannot read %s (systemd would refuse to start)" % (cid, loaded[cid]))
        if data is None:
            data = fallback[cid].encode()
        target = os.path.join(creds, cid)
        with open(target, "wb") as f:
            f.write(data)
        os.chown(target, pw.pw_uid, pw.pw_gid)
        os.chmod(target, 0o400)
    os.chown(creds, pw.pw_uid, pw.pw_gid)
    os.chmod(creds, 0o500)
    print("credentials: " + creds, file=sys.stderr)

    def expand(text):
        return text.replace("%i", instance).replace("%d", creds).replace("%%", "%")

    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": pw.pw_dir,
           "USER": user, "LOGNAME": user, "CREDENTIALS_DIRECTORY": creds}
    for key, value in settings:
        if key == "EnvironmentFile":
            optional = value.startswith("-")
            path = expand(value.lstrip("-"))
            try:
                with open(path) as f:
                    for line in f:
                        line = line.strip()
                        if line and not line.startswith(("#", ";")) and "=" in line:
                            k, _, v = line.partition("=")
                            env[k.strip()] = v.strip().strip('"')
            except OSError:
                if not optional:
                    sys.exit("EnvironmentFile %s missing" % path)
        elif key == "Environment":
            for word in shlex.split(value):
                k, _, v = word.partition("=")
                env[k] = expand(v)
    exec_start = next(v for k, v in settings if k == "ExecStart")
    argv = [expand(word) for word in shlex.split(exec_start.lstrip("-@+!"))]
    command = ["runuser", "-u", user, "--", "env", "-i"] + ["%s=%s" % kv for kv in env.items()] + argv
    print("exec: " + " ".join(shlex.quote(c) for c in command), file=sys.stderr)
    sys.stderr.flush()
    os.execvp(command[0], command)


if __name__ == "__main__":
    main()
