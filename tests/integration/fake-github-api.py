#!/usr/bin/env python3
"""A stand-in for GitHub's REST API, just the deploy-key endpoints.

    fake-github-api.py --dir DIR [--token TOKEN] [--first-id N]

Listens on 127.0.0.1 on a free port and writes it to DIR/port.  Serves

    POST   /repos/OWNER/REPO/keys        201 {"id": N, ...}
    GET    /repos/OWNER/REPO/keys        200 [ ... ]
    GET    /repos/OWNER/REPO/keys/ID     200 or 404
    DELETE /repos/OWNER/REPO/keys/ID     204 or 404
    GET    /repos/OWNER/REPO             200 {"permissions": {"admin": true}}

and records every request as one JSON line in DIR/requests.jsonl (method,
path, headers with the Authorization value replaced by its scheme and
"<redacted>", body).  The registered keys are written to
DIR/authorized_keys after every change (what the fake git server lets in).

Control, not recorded:
    POST /_fake/fail  {"status": 404, "times": 1, "method": "POST"}
        the next `times` requests (of that method, if given) get `status`
    POST /_fake/reset  forget failures (keys stay)

With --token, any other bearer token gets 401 "Bad credentials".
"""
import argparse
import json
import os
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {"keys": {}, "next_id": 1000, "fail": []}
KEY_PATH = re.compile(r"^/repos/([A-Za-z0-9-]+)/([A-Za-z0-9._-]+)/keys(?:/(\d+))?$")
REPO_PATH = re.compile(r"^/repos/([A-Za-z0-9-]+)/([A-Za-z0-9._-]+)$")


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.chmod(tmp, 0o644)
    os.rename(tmp, path)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-github/1"

    def log_message(self, *args):
        pass

    def reply(self, status, obj=None, headers=None):
        body = b"" if obj is None else json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def record(self, raw):
        hdrs = {}
        for k, v in self.headers.items():
            if k.lower() == "authorization":
                v = v.split(" ", 1)[0] + " <redacted>"
            hdrs[k] = v
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        line = json.dumps({"method": self.command, "path": self.path,
                           "headers": hdrs, "body": body})
        with open(os.path.join(ARGS.dir, "requests.jsonl"), "a") as f:
            f.write(line + "\n")

    def save_keys(self):
        lines = []
        for repo in STATE["keys"].values():
            for k in repo.values():
                lines.append(k["key"] + "\n")
        write_atomic(os.path.join(ARGS.dir, "authorized_keys"), "".join(lines))

    def handle_any(self):
        raw = self.read_body()
        if self.path.startswith("/_fake/"):
            return self.control(raw)
        with LOCK:
            self.record(raw)
            for f in STATE["fail"]:
                if f["times"] > 0 and f.get("method") in (None, self.command):
                    f["times"] -= 1
                    return self.reply(f["status"], {
                        "message": f.get("message", "fake failure %d" % f["status"]),
                        "errors": f.get("errors", [])})
            if ARGS.token:
                auth = self.headers.get("Authorization", "")
                if auth not in ("Bearer " + ARGS.token, "token " + ARGS.token):
                    return self.reply(401, {"message": "Bad credentials"})
            return self.route(raw)

    def route(self, raw):
        m = KEY_PATH.match(self.path)
        if m:
            slug = m.group(1) + "/" + m.group(2)
            keys = STATE["keys"].setdefault(slug, {})
            kid = m.group(3)
            if kid is None and self.command == "POST":
                try:
                    req = json.loads(raw)
                    key = " ".join(req["key"].split()[:2])
                except (ValueError, KeyError, AttributeError):
                    return self.reply(422, {"message": "Validation Failed",
                                            "errors": [{"message": "key is invalid"}]})
                for repo in STATE["keys"].values():
                    if any(k["key"] == key for k in repo.values()):
                        return self.reply(422, {"message": "Validation Failed",
                                                "errors": [{"message": "key is already in use"}]})
                kid = STATE["next_id"]
                STATE["next_id"] += 1
                obj = {"id": kid, "key": key, "title": req.get("title"),
                       "read_only": bool(req.get("read_only", True)),
                       "verified": True}
                keys[kid] = obj
                self.save_keys()
                return self.reply(201, obj)
            if kid is None and self.command == "GET":
                return self.reply(200, list(keys.values()))
            if kid is not None:
                kid = int(kid)
                if kid not in keys:
                    return self.reply(404, {"message": "Not Found"})
                if self.command == "GET":
                    return self.reply(200, keys[kid])
                if self.command == "DELETE":
                    del keys[kid]
                    self.save_keys()
                    return self.reply(204)
            return self.reply(405, {"message": "Method Not Allowed"})
        m = REPO_PATH.match(self.path)
        if m and self.command == "GET":
            return self.reply(200, {"full_name": m.group(1) + "/" + m.group(2),
                                    "permissions": {"admin": True, "push": True}})
        return self.reply(404, {"message": "Not Found"})

    def control(self, raw):
        with LOCK:
            if self.path == "/_fake/fail":
                f = json.loads(raw or b"{}")
                f.setdefault("times", 1)
                STATE["fail"].append(f)
            elif self.path == "/_fake/reset":
                STATE["fail"] = []
            else:
                return self.reply(404, {"message": "no such control"})
        return self.reply(200, {"ok": True})

    do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = handle_any


def main():
    global ARGS
    p = argparse.ArgumentParser()
    p.add_argument("--dir", required=True)
    p.add_argument("--token")
    p.add_argument("--first-id", type=int, default=1000)
    ARGS = p.parse_args()
    STATE["next_id"] = ARGS.first_id
    write_atomic(os.path.join(ARGS.dir, "authorized_keys"), "")
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    write_atomic(os.path.join(ARGS.dir, "port"), "%d\n" % srv.server_address[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
