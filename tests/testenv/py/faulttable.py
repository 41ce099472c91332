"""The fault table and its small HTTP control API ($GANTRY_FAULTS_ENDPOINT).

A rule makes matching EC2 calls fail the way AWS does when it is out of capacity or
throttling. Rules are JSON objects:

  {"code": "InsufficientInstanceCapacity",   # required: the AWS error code to return
   "action": "RunInstances",                 # EC2 action, "*" (default) for any
   "instanceType": "g5.xlarge",              # "*" (default) for any
   "zone": "us-east-1a",                     # "*" (default) for any
   "capacityType": "spot",                   # "spot", "on-demand" or "*" (default)
   "message": "...",                         # optional; an AWS-worded default otherwise
   "httpStatus": 500,                        # optional; AWS's status for the code otherwise
   "afterSeconds": 0, "forSeconds": null,    # active window, relative to when it was added
   "times": null}                            # fire at most this many times (null: no limit)

Endpoints (JSON in and out):
  GET /healthz                        -> {"ok": true}
  GET /faults                         -> [rule + "id" + "hits"]
  POST /faults   (rule)               -> rule with its "id"
  DELETE /faults, DELETE /faults/<id> -> removes all, or one
  POST /spot-prices {"instanceType", "zone", "price"} -> overrides the modelled spot price
  DELETE /spot-prices                 -> drops the overrides
  GET /calls, DELETE /calls           -> EC2/Pricing calls seen (action, types, zones, fault)
  POST /reset                         -> all of the above cleared, moto's state (not IAM) wiped
"""

import json
import re
import threading
import time

# Codes that fail a whole request; any other code fails single CreateFleet overrides
# (errorSet items) and whole RunInstances requests.
REQUEST_LEVEL = {"RequestLimitExceeded", "InternalError", "ServiceUnavailable", "Unavailable",
                 "UnauthorizedOperation"}
HTTP_STATUS = {"InsufficientInstanceCapacity": 500, "InsufficientCapacity": 500,
               "InternalError": 500, "RequestLimitExceeded": 503, "ServiceUnavailable": 503,
               "Unavailable": 503, "UnauthorizedOperation": 403}
RULE_KEYS = {"code", "action", "instanceType", "zone", "capacityType", "message", "httpStatus",
             "afterSeconds", "forSeconds", "times"}


class FaultTable:
    """Thread-safe: the EC2 server and the control server share one instance."""

    def __init__(self):
        self._lock = threading.Lock()
        self._rules = []
        self._next_id = 1
        self.spot_overrides = {}  # (type, zone) -> price
        self._calls = []

    def add(self, rule):
        unknown = set(rule) - RULE_KEYS
        if unknown or not isinstance(rule.get("code"), str):
            raise ValueError(f"a rule needs a string 'code'; unknown keys: {sorted(unknown)}")
        with self._lock:
            rule = dict(rule, id=self._next_id, hits=0, added=time.time())
            self._next_id += 1
            self._rules.append(rule)
            return _public(rule)

    def remove(self, rule_id=None):
        with self._lock:
            self._rules = [r for r in self._rules if rule_id is not None and r["id"] != rule_id]

    def rules(self):
        with self._lock:
            return [_public(r) for r in self._rules]

    def match(self, action, instance_type=None, zone=None, capacity_type=None,
              request_level=False):
        """The first active rule matching, with its hit counted; None if none does.
        request_level: only rules whose code fails a whole request (throttling etc.)."""
        now = time.time()
        with self._lock:
            for r in self._rules:
                if request_level != (r["code"] in REQUEST_LEVEL):
                    continue
                if not (_eq(r.get("action"), action)
                        and _eq(r.get("instanceType"), instance_type)
                        and _eq(r.get("zone"), zone)
                        and _eq(r.get("capacityType"), capacity_type)):
                    continue
                start = r["added"] + (r.get("afterSeconds") or 0)
                end = start + r["forSeconds"] if r.get("forSeconds") is not None else None
                if now < start or (end is not None and now >= end):
                    continue
                if r.get("times") is not None and r["hits"] >= r["times"]:
                    continue
                r["hits"] += 1
                return dict(r)
        return None

    def record(self, call):
        with self._lock:
            self._calls.append(dict(call, time=time.time()))
            del self._calls[:-1000]

    def calls(self):
        with self._lock:
            return list(self._calls)

    def clear_calls(self):
        with self._lock:
            self._calls = []

    def clear(self):
        with self._lock:
            self._rules, self._calls, self.spot_overrides = [], [], {}


def _eq(want, got):
    return want in (None, "*") or want == got


def _public(rule):
    return {k: v for k, v in rule.items() if k != "added"}


def status_for(rule):
    return int(rule.get("httpStatus") or HTTP_STATUS.get(rule["code"], 400))


class ControlApp:
    """WSGI app for the control endpoint. reset_backend() wipes moto's state."""

    def __init__(self, table, reset_backend):
        self.table = table
        self.reset_backend = reset_backend

    def __call__(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "/").rstrip("/")
        try:
            size = int(environ.get("CONTENT_LENGTH") or 0)
            body = json.loads(environ["wsgi.input"].read(size) or b"null") if size else None
            status, out = self.route(method, path, body)
        except (ValueError, KeyError, TypeError) as e:
            status, out = 400, {"error": str(e)}
        data = json.dumps(out).encode()
        start_response(f"{status} {'OK' if status < 400 else 'Error'}",
                       [("Content-Type", "application/json"), ("Content-Length", str(len(data)))])
        return [data]

    def route(self, method, path, body):
        t = self.table
        if path == "/healthz":
            return 200, {"ok": True}
        if path == "/faults":
            if method == "GET":
                return 200, t.rules()
            if method == "POST":
                return 200, t.add(body)
            if method == "DELETE":
                t.remove()
                return 200, {}
        m = re.fullmatch(r"/faults/(\d+)", path)
        if m and method == "DELETE":
            t.remove(int(m.group(1)))
            return 200, {}
        if path == "/spot-prices":
            if method == "POST":
                t.spot_overrides[(body["instanceType"], body["zone"])] = float(body["price"])
                return 200, {}
            if method == "DELETE":
                t.spot_overrides.clear()
                return 200, {}
        if path == "/calls":
            if method == "GET":
                return 200, t.calls()
            if method == "DELETE":
                t.clear_calls()
                return 200, {}
        if path == "/reset" and method == "POST":
            t.clear()
            self.reset_backend()
            return 200, {}
        return 404, {"error": f"no route {method} {path}"}
