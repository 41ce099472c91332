"""Fixtures for the smoke tests: the running test environment, read from its env file.

A missing or stale environment is a failure, never a skip: these tests exist to prove the
environment works.
"""

import os
import shlex
import subprocess
import sys
import time

import boto3
import pytest
import requests
from botocore.config import Config

TESTENV = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", "..", "testenv"))
sys.path.insert(0, os.path.join(TESTENV, "py"))

from kube import Kube  # noqa: E402


def env_file():
    run_dir = os.environ.get("GANTRY_TESTENV_DIR") or os.path.expanduser("~/.cache/gantry/testenv/run")
    return os.path.join(run_dir, "env")


@pytest.fixture(scope="session")
def testenv():
    """The env file's exports as a dict."""
    path = env_file()
    if not os.path.exists(path):
        pytest.fail(f"no test environment: {path} is missing (run tests/testenv/up)")
    out = {}
    with open(path) as f:
        for line in f:
            if line.startswith("export "):
                key, _, value = line[len("export "):].strip().partition("=")
                out[key] = shlex.split(value)[0] if value else ""
    return out


@pytest.fixture(scope="module")
def clean(testenv):
    """Resets the environment once per test module."""
    subprocess.run([os.path.join(TESTENV, "reset")], check=True)


@pytest.fixture(scope="session")
def kube(testenv):
    return Kube(testenv["KUBECONFIG"])


def aws_client(testenv, service, secret=None, key_id=None):
    return boto3.client(service, endpoint_url=testenv["GANTRY_EC2_ENDPOINT"], region_name=testenv["AWS_REGION"],
                        aws_access_key_id=key_id or testenv["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=secret or testenv["AWS_SECRET_ACCESS_KEY"],
                        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))


@pytest.fixture(scope="session")
def ec2(testenv):
    return aws_client(testenv, "ec2")


@pytest.fixture
def faults(testenv):
    """POST/GET/DELETE on the fault endpoint; the table is emptied after each test."""
    base = testenv["GANTRY_FAULTS_ENDPOINT"]

    class Faults:
        def post(self, path, body):
            r = requests.post(base + path, json=body, timeout=10)
            r.raise_for_status()
            return r.json()

        def add(self, **rule):
            r = requests.post(base + "/faults", json=rule, timeout=10)
            r.raise_for_status()
            return r.json()

        def get(self, path):
            return requests.get(base + path, timeout=10).json()

    yield Faults()
    requests.delete(base + "/faults", timeout=10).raise_for_status()


@pytest.fixture(scope="module")
def subnets(clean, ec2, testenv):
    """{zone: subnet id} of the subnets tagged for discovery (new ids after each reset)."""
    found = ec2.describe_subnets(Filters=[{"Name": "tag:gantry.dev/discovery",
                                           "Values": [testenv["GANTRY_CLUSTER_NAME"]]}])["Subnets"]
    return {s["AvailabilityZone"]: s["SubnetId"] for s in found}


def wait_until(what, check, timeout=30.0, interval=0.2):
    """Polls check() until it returns something truthy; fails the test on timeout."""
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = check()
        if last:
            return last
        time.sleep(interval)
    pytest.fail(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")
