"""A minimal Kubernetes REST client (requests + the admin kubeconfig's client certificate),
enough for the bootstrapper, `reset` and the smoke tests."""

import base64
import json
import os
import tempfile

import requests
import yaml


class KubeError(Exception):
    def __init__(self, status, body):
        super().__init__(f"HTTP {status}: {body[:500]}")
        self.status = status


class Kube:
    def __init__(self, kubeconfig):
        with open(kubeconfig) as f:
            cfg = yaml.safe_load(f)
        ctx_name = cfg["current-context"]
        ctx = next(c["context"] for c in cfg["contexts"] if c["name"] == ctx_name)
        cluster = next(c["cluster"] for c in cfg["clusters"] if c["name"] == ctx["cluster"])
        user = next(u["user"] for u in cfg["users"] if u["name"] == ctx["user"])
        self.server = cluster["server"].rstrip("/")
        self._tmp = tempfile.TemporaryDirectory(prefix="kube-")
        self.session = requests.Session()
        self.session.trust_env = False  # REQUESTS_CA_BUNDLE or proxies must not apply here
        self.session.verify = self._file(cluster, "certificate-authority", "ca.crt")
        self.session.cert = (self._file(user, "client-certificate", "tls.crt"),
                             self._file(user, "client-key", "tls.key"))

    def _file(self, section, key, name):
        if key in section:
            return section[key]
        path = os.path.join(self._tmp.name, name)
        with open(path, "wb") as f:
            f.write(base64.b64decode(section[key + "-data"]))
        return path

    def request(self, method, path, body=None, content_type="application/json", ok404=False, **params):
        r = self.session.request(method, self.server + path, params=params or None,
                                 data=None if body is None else json.dumps(body),
                                 headers={"Content-Type": content_type}, timeout=30)
        if ok404 and r.status_code == 404:
            return None
        if r.status_code >= 300:
            raise KubeError(r.status_code, r.text)
        return r.json() if r.content else None

    def get(self, path, **params):
        return self.request("GET", path, **params)

    def get_or_none(self, path):
        return self.request("GET", path, ok404=True)

    def create(self, path, obj):
        return self.request("POST", path, obj)

    def delete(self, path, **params):
        return self.request("DELETE", path, ok404=True, **params)

    def merge_patch(self, path, patch):
        return self.request("PATCH", path, patch, "application/merge-patch+json")

    def strategic_patch(self, path, patch):
        return self.request("PATCH", path, patch, "application/strategic-merge-patch+json")
