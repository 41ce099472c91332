"""AWS Query-protocol plumbing shared by the fault layer and the price APIs: parameters,
the SigV4 credential scope, and error/XML replies in AWS's wire format."""

import json
import uuid
from datetime import datetime, timezone
from urllib.parse import parse_qsl
from xml.sax.saxutils import escape

EC2_NS = "http://ec2.amazonaws.com/doc/2016-11-15/"


class AwsError(Exception):
    def __init__(self, code, message, status=400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def error_response(start_response, e, json_protocol):
    if json_protocol:
        data = json.dumps({"__type": e.code, "message": e.message}).encode()
        ctype = "application/x-amz-json-1.1"
    else:
        data = (f"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{escape(e.code)}"
                f"</Code><Message>{escape(e.message)}</Message></Error></Errors><RequestID>{uuid.uuid4()}"
                "</RequestID></Response>").encode()
        ctype = "text/xml;charset=UTF-8"
    start_response(f"{e.status} Error", [("Content-Type", ctype), ("x-amzn-ErrorType", e.code),
                                         ("Content-Length", str(len(data)))])
    return [data]


def xml_response(start_response, text):
    data = text.encode()
    start_response("200 OK", [("Content-Type", "text/xml;charset=UTF-8"), ("Content-Length", str(len(data)))])
    return [data]


def query_params(environ, body):
    query = environ.get("QUERY_STRING", "")
    ctype = environ.get("CONTENT_TYPE", "")
    text = query + ("&" + body.decode(errors="replace") if "x-www-form-urlencoded" in ctype else "")
    return dict(parse_qsl(text, keep_blank_values=True))


def credential_scope(environ):
    """(access key id, region, service) from the SigV4 credential scope."""
    cred = environ.get("HTTP_AUTHORIZATION", "").partition("Credential=")[2].partition(",")[0].split("/")
    return (cred[0], cred[2], cred[3]) if len(cred) >= 4 else ("", "us-east-1", "")


def request_path(environ):
    query = environ.get("QUERY_STRING")
    return environ.get("PATH_INFO", "/") + ("?" + query if query else "")


def indexed(pairs, prefix):
    """{index: [(rest of key, value)]} for keys prefix<index>.<rest>, in index order."""
    out = {}
    for k, v in pairs:
        if k.startswith(prefix):
            idx, _, rest = k[len(prefix):].partition(".")
            if idx.isdigit() and rest:
                out.setdefault(int(idx), []).append((rest, v))
    return dict(sorted(out.items()))


def members(params, prefix):
    return [v for k, v in params.items() if k.startswith(prefix) and k[len(prefix):].isdigit()]


def filters(params):
    out = {}
    for idx, kv in indexed(params.items(), "Filter.").items():
        d = dict(kv)
        out[d.get("Name")] = [v for k, v in kv if k.startswith("Value.")]
    return out


def parse_time(text):
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(timezone.utc)
