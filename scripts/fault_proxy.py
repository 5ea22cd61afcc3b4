#!/usr/bin/env python3
"""A fault-injecting HTTP/1.1 reverse proxy for dynamate's tests (Python 3 stdlib only).

`scripts/servers.sh` starts one in front of moto and one in front of dynalite. Clients point
their DynamoDB/S3 endpoint at the proxy exactly as at the server behind it; a request that no
rule matches is forwarded unchanged (headers and body byte for byte) and the upstream answer is
returned unchanged. Tests drive it through a control API on the same port:

  POST   /__fault/rules       {"match": {...}, "action": {...}, "times": N} -> {"id": "<id>"}
  GET    /__fault/rules/<id>  -> {"hits": n, "times": [t1, ...]}  (time.monotonic() seconds)
  DELETE /__fault/rules/<id>  removes the rule

`times` is how many matching requests the rule applies to (default 1; -1 = unlimited). Rules
are checked in creation order and the first live matching rule applies.

match (all optional, all must hold):
  "service":   "dynamodb" (the request has an X-Amz-Target header) or "s3"; KMS requests carry
               X-Amz-Target too, so they count as "dynamodb" (match them by operation)
  "operation": the operation from X-Amz-Target (e.g. "BatchWriteItem", or KMS "Decrypt"), or
               for S3 the HTTP method ("PUT", "GET", "HEAD", "DELETE")
  "contains":  a substring of the request path+query or body (a test's unique table or bucket)

action ("kind"):
  {"kind": "unprocessed", "keep": K}   BatchWriteItem/BatchGetItem: forward only the first K
                                       requests/keys per table, answer with the rest added to
                                       UnprocessedItems/UnprocessedKeys (K = 0: nothing forwarded)
  {"kind": "throttle", "type": T}      DynamoDB 400 with __type T (default
                                       ProvisionedThroughputExceededException)
  {"kind": "status", "status": S, "body": B}  answer S without forwarding
  {"kind": "s3_error", "status": S, "code": C}  S3 XML error, without forwarding
  {"kind": "drop"}                     close the connection without answering
  {"kind": "delay", "seconds": S}      wait, then forward
  {"kind": "after", "then": ACTION}    forward first, then answer with ACTION (one that does not
                                       forward itself) instead of the upstream answer

Usage: fault_proxy.py --upstream http://127.0.0.1:PORT [--host 127.0.0.1] --port PORT
"""

import argparse
import http.client
import itertools
import json
import socket
import sys
import threading
import time
import urllib.parse
import zlib
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CONTROL_PREFIX = "/__fault/"
DYNAMODB_JSON = "application/x-amz-json-1.0"
DYNAMODB_ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"
# Headers that describe one connection, not the message: never copied between hops.
HOP_BY_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
              "trailer", "upgrade", "expect"}
S3_DEFAULT_CODES = {
    400: "BadRequest", 403: "AccessDenied", 404: "NoSuchKey", 409: "ConditionalRequestConflict",
    412: "PreconditionFailed", 500: "InternalError", 503: "SlowDown",
}
# Actions that answer without forwarding: the only ones allowed as "after"'s "then".
TERMINAL_KINDS = {"throttle", "status", "s3_error", "drop"}
ALL_KINDS = TERMINAL_KINDS | {"unprocessed", "delay", "after"}


class RuleError(ValueError):
    """A rule the control API refuses (answered 400 with this message)."""


def validate_action(action, nested=False):
    if not isinstance(action, dict) or action.get("kind") not in ALL_KINDS:
        raise RuleError(f"action must be an object with kind in {sorted(ALL_KINDS)}, got {action!r}")
    kind = action["kind"]
    if nested and kind not in TERMINAL_KINDS:
        raise RuleError(f"'after' needs a 'then' that answers without forwarding "
                        f"({sorted(TERMINAL_KINDS)}), got {kind!r}")
    if kind == "unprocessed" and not (isinstance(action.get("keep"), int) and action["keep"] >= 0):
        raise RuleError("unprocessed needs 'keep': a non-negative integer")
    if kind in ("status", "s3_error") and not isinstance(action.get("status"), int):
        raise RuleError(f"{kind} needs 'status': an HTTP status code")
    if kind == "delay" and not isinstance(action.get("seconds"), (int, float)):
        raise RuleError("delay needs 'seconds': a number")
    if kind == "after":
        validate_action(action.get("then"), nested=True)


class Rule:
    def __init__(self, rule_id, spec):
        if not isinstance(spec, dict):
            raise RuleError("a rule is a JSON object {match, action, times}")
        self.id = rule_id
        self.match = spec.get("match") or {}
        if not isinstance(self.match, dict):
            raise RuleError("match must be an object")
        unknown = set(self.match) - {"service", "operation", "contains"}
        if unknown:
            raise RuleError(f"unknown match fields {sorted(unknown)}")
        if self.match.get("service") not in (None, "dynamodb", "s3"):
            raise RuleError("match.service must be 'dynamodb' or 's3'")
        self.action = spec.get("action")
        validate_action(self.action)
        self.times = spec.get("times", 1)
        if not isinstance(self.times, int) or self.times < -1:
            raise RuleError("times must be a non-negative integer or -1 (unlimited)")
        self.hit_times = []

    def live(self):
        return self.times == -1 or len(self.hit_times) < self.times

    def matches(self, request):
        service = self.match.get("service")
        if service is not None and service != request.service:
            return False
        operation = self.match.get("operation")
        if operation is not None and operation != request.operation:
            return False
        contains = self.match.get("contains")
        if contains is not None:
            needle = contains.encode("utf-8")
            if needle not in request.path.encode("utf-8") and needle not in request.body:
                return False
        return True


class Rules:
    def __init__(self):
        self.lock = threading.Lock()
        self.rules = {}  # insertion-ordered: creation order
        self.ids = itertools.count(1)

    def add(self, spec):
        with self.lock:
            rule = Rule(str(next(self.ids)), spec)
            self.rules[rule.id] = rule
            return rule.id

    def take(self, request):
        """The first live rule matching `request`, with this request recorded as a hit."""
        with self.lock:
            for rule in self.rules.values():
                if rule.live() and rule.matches(request):
                    rule.hit_times.append(time.monotonic())
                    return rule
        return None

    def hits(self, rule_id):
        with self.lock:
            rule = self.rules.get(rule_id)
            return None if rule is None else {"hits": len(rule.hit_times),
                                              "times": list(rule.hit_times)}

    def remove(self, rule_id):
        with self.lock:
            return self.rules.pop(rule_id, None) is not None


class Request:
    def __init__(self, method, path, headers, body):
        self.method = method
        self.path = path
        self.headers = headers  # list of (name, value), as received
        self.body = body  # raw bytes (still chunk-encoded if sent that way)
        target = self.header("x-amz-target")
        self.service = "dynamodb" if target is not None else "s3"
        self.operation = target.rsplit(".", 1)[-1] if target is not None else method

    def header(self, name):
        for key, value in self.headers:
            if key.lower() == name:
                return value
        return None


class Response:
    def __init__(self, status, reason, headers, body):
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body


def dynamodb_error(status, error_type, message):
    body = json.dumps({"__type": error_type, "message": message}).encode()
    return json_response(status, body)


def json_response(status, body, extra_headers=()):
    headers = [("Content-Type", DYNAMODB_JSON), ("x-amzn-RequestId", "fault-proxy"),
               ("x-amz-crc32", str(zlib.crc32(body)))]
    headers.extend(extra_headers)
    return Response(status, http.client.responses.get(status, ""), headers, body)


def s3_error(status, code, message, method):
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message><RequestId>fault-proxy</RequestId></Error>").encode()
    headers = [("Content-Type", "application/xml"), ("x-amz-request-id", "fault-proxy")]
    # A HEAD answer has no body; S3 then reports only the status.
    return Response(status, http.client.responses.get(status, ""), headers,
                    b"" if method == "HEAD" else body)


class Proxy:
    def __init__(self, upstream):
        parsed = urllib.parse.urlsplit(upstream)
        if parsed.scheme != "http" or not parsed.hostname:
            raise SystemExit(f"--upstream must be http://HOST:PORT, got {upstream!r}")
        self.upstream_host = parsed.hostname
        self.upstream_port = parsed.port or 80
        self.rules = Rules()

    def forward(self, request, body=None):
        """Sends `request` upstream (with `body` instead of its own if given)."""
        body = request.body if body is None else body
        connection = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            connection.putrequest(request.method, request.path, skip_host=True,
                                  skip_accept_encoding=True)
            for name, value in request.headers:
                lower = name.lower()
                if lower == "expect":
                    continue  # 100-continue was answered here already
                if lower == "content-length" and body is not request.body:
                    value = str(len(body))
                connection.putheader(name, value)
            connection.endheaders(body if body else None)
            answer = connection.getresponse()
            data = answer.read()
            headers = [(k, v) for k, v in answer.getheaders() if k.lower() not in HOP_BY_HOP]
            chunked = (answer.getheader("Transfer-Encoding") or "").lower() == "chunked"
            if chunked and request.method != "HEAD":
                headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
                headers.append(("Content-Length", str(len(data))))
            return Response(answer.status, answer.reason, headers, data)
        finally:
            connection.close()

    def act(self, action, request):
        """The answer to `request` under `action`; None means drop the connection."""
        kind = action["kind"]
        if kind == "drop":
            return None
        if kind == "delay":
            time.sleep(float(action["seconds"]))
            return self.forward(request)
        if kind == "after":
            self.forward(request)
            return self.act(action["then"], request)
        if kind == "throttle":
            error_type = action.get("type") or "ProvisionedThroughputExceededException"
            if "#" not in error_type:
                error_type = DYNAMODB_ERROR_PREFIX + error_type
            return dynamodb_error(400, error_type, "Throughput exceeded (injected by fault proxy)")
        if kind == "status":
            status = action["status"]
            body = action.get("body")
            if request.service == "dynamodb":
                if body is None:
                    return dynamodb_error(status, "com.amazon.coral.service#InternalServerError",
                                          f"Injected HTTP {status} (fault proxy)")
                return json_response(status, body.encode())
            if body is None:
                return s3_error(status, S3_DEFAULT_CODES.get(status, "InternalError"),
                                f"Injected HTTP {status} (fault proxy)", request.method)
            return Response(status, http.client.responses.get(status, ""),
                            [("Content-Type", "application/xml")], body.encode())
        if kind == "s3_error":
            status = action["status"]
            code = action.get("code") or S3_DEFAULT_CODES.get(status, "InternalError")
            message = action.get("message") or f"{code} (injected by fault proxy)"
            return s3_error(status, code, message, request.method)
        if kind == "unprocessed":
            return self.unprocessed(request, action["keep"])
        raise AssertionError(kind)

    def unprocessed(self, request, keep):
        if request.operation not in ("BatchWriteItem", "BatchGetItem"):
            return self.forward(request)
        payload = json.loads(request.body or b"{}")
        items = payload.get("RequestItems") or {}
        kept, rest = {}, {}
        for table, entry in items.items():
            if request.operation == "BatchWriteItem":
                if entry[:keep]:
                    kept[table] = entry[:keep]
                if entry[keep:]:
                    rest[table] = entry[keep:]
            else:
                keys = entry.get("Keys") or []
                if keys[:keep]:
                    kept[table] = dict(entry, Keys=keys[:keep])
                if keys[keep:]:
                    rest[table] = dict(entry, Keys=keys[keep:])
        leftover_field = "UnprocessedItems" if request.operation == "BatchWriteItem" \
            else "UnprocessedKeys"
        if kept:
            answer = self.forward(request, json.dumps(dict(payload, RequestItems=kept)).encode())
            if answer.status != 200:
                return answer
            result = json.loads(answer.body or b"{}")
        else:
            result = {"UnprocessedItems": {}} if request.operation == "BatchWriteItem" \
                else {"Responses": {table: [] for table in items}, "UnprocessedKeys": {}}
        leftovers = result.get(leftover_field) or {}
        for table, entry in rest.items():
            if request.operation == "BatchWriteItem":
                leftovers.setdefault(table, []).extend(entry)
            elif table in leftovers:
                leftovers[table]["Keys"].extend(entry["Keys"])
            else:
                leftovers[table] = entry
        result[leftover_field] = leftovers
        return json_response(200, json.dumps(result).encode())


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "dynamate-fault-proxy"
    proxy = None  # set in main()

    def do_request(self):
        body = self.read_body()
        if self.path.startswith(CONTROL_PREFIX):
            return self.control(body)
        request = Request(self.command, self.path, list(self.headers.items()), body)
        rule = self.proxy.rules.take(request)
        try:
            if rule is None:
                answer = self.proxy.forward(request)
            else:
                sys.stderr.write(f"rule {rule.id} ({rule.action['kind']}): {request.method} "
                                 f"{request.path} {request.operation}\n")
                answer = self.proxy.act(rule.action, request)
        except (OSError, http.client.HTTPException) as error:
            answer = Response(502, "Bad Gateway", [("Content-Type", "text/plain")],
                              f"fault proxy: upstream failed: {error}".encode())
        if answer is None:
            self.drop()
        else:
            self.send(answer)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = do_request

    def read_body(self):
        if (self.headers.get("Transfer-Encoding") or "").lower() == "chunked":
            # Kept encoded (forwarded byte for byte with its Transfer-Encoding header).
            raw = bytearray()
            while True:
                line = self.rfile.readline()
                raw += line
                size = int(line.split(b";", 1)[0].strip(), 16)
                if size == 0:
                    while True:  # trailers, up to the empty line
                        line = self.rfile.readline()
                        raw += line
                        if line in (b"\r\n", b"\n", b""):
                            return bytes(raw)
                raw += self.rfile.read(size + 2)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def drop(self):
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def send(self, answer):
        self.send_response_only(answer.status, answer.reason)
        has_length = False
        for name, value in answer.headers:
            if name.lower() in HOP_BY_HOP:
                continue
            has_length |= name.lower() == "content-length"
            self.send_header(name, value)
        if not has_length:
            self.send_header("Content-Length", str(len(answer.body)))
        self.end_headers()
        if self.command != "HEAD" and answer.body:
            self.wfile.write(answer.body)

    def control(self, body):
        path = self.path[len(CONTROL_PREFIX):].split("?", 1)[0].strip("/")
        parts = path.split("/")
        rules = self.proxy.rules
        try:
            if parts == ["rules"] and self.command == "POST":
                try:
                    spec = json.loads(body or b"null")
                except ValueError as error:
                    raise RuleError(f"the rule is not JSON: {error}") from None
                return self.reply(200, {"id": rules.add(spec)})
            if len(parts) == 2 and parts[0] == "rules" and self.command == "GET":
                hits = rules.hits(parts[1])
                if hits is None:
                    return self.reply(404, {"error": f"no rule {parts[1]!r}"})
                return self.reply(200, hits)
            if len(parts) == 2 and parts[0] == "rules" and self.command == "DELETE":
                if not rules.remove(parts[1]):
                    return self.reply(404, {"error": f"no rule {parts[1]!r}"})
                return self.reply(200, {})
            if parts == ["health"]:
                return self.reply(200, {"ok": True})
            return self.reply(404, {"error": f"unknown control request {self.command} {self.path}"})
        except RuleError as error:
            return self.reply(400, {"error": str(error)})

    def reply(self, status, value):
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args):
        pass  # only applied rules are logged (in do_request)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--upstream", required=True, help="http://HOST:PORT of the real server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    Handler.proxy = Proxy(args.upstream)
    ThreadingHTTPServer.daemon_threads = True
    ThreadingHTTPServer.allow_reuse_address = False
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    sys.stderr.write(f"fault proxy on http://{args.host}:{args.port} -> {args.upstream}\n")
    sys.stderr.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
