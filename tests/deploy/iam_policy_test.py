#!/usr/bin/env python3
"""deploy/iam/controller-policy.json allows exactly the AWS actions the code calls.

The calls are found in the source, not listed by hand: EC2 Query API actions are the first
argument of a QueryParams (its API version names the service), JSON API calls are their
X-Amz-Target string ("AmazonSSM.GetParameter"). Both ways are checked: a call the policy
does not allow fails in production with UnauthorizedOperation, and an allowed action nothing
calls is a right Gantry should not hold. The launch, tag and terminate actions must also be
scoped by the cluster tag, so Gantry cannot touch instances of other clusters.

Usage: iam_policy_test.py <source root>
"""
import json
import re
import sys
from pathlib import Path

# Query API version -> IAM service prefix. A new version means a new service: name it here.
QUERY_SERVICES = {"2016-11-15": "ec2", "2011-06-15": "sts", "2012-11-05": "sqs"}
DEFAULT_QUERY_VERSION = "2016-11-15"  # QueryParams' default (kEc2ApiVersion)
# X-Amz-Target prefix -> IAM service prefix.
JSON_SERVICES = {"AmazonSSM": "ssm", "AWSPriceListService": "pricing", "AmazonSQS": "sqs"}
# Called, but authorised elsewhere than in the role's own policy: the role's trust policy
# decides who may assume it with a web identity token (IRSA), and the call is unsigned.
# sqs:SendMessage is the tests' way to fill the interruption queue (EventBridge fills it in a
# cluster): the controller never sends, so its role may not.
NOT_IN_POLICY = {"sts:AssumeRoleWithWebIdentity", "sqs:SendMessage"}
# Allowed though no API is named after it: IAM checks it when a launch names an instance
# profile (the profile's role is passed to EC2). Kept only while the code sends one.
IMPLIED = {"iam:PassRole": "IamInstanceProfile"}
# Must be scoped by the cluster tag (aws:RequestTag/<key> or aws:ResourceTag/<key>).
TAG_SCOPED = {"ec2:RunInstances", "ec2:CreateFleet", "ec2:TerminateInstances", "ec2:CreateTags",
              "ec2:CreateLaunchTemplate"}
# RunInstances and CreateFleet also use resources that cannot carry the request's tags (the
# subnet, image, security groups, ...), or that Gantry does not tag (the fleet, the ENI): those
# statements may go unconditioned, but never on instances or volumes.
LAUNCH_RESOURCES_THAT_MUST_BE_TAGGED = ("instance/", "volume/")

# The version is a literal, kEc2ApiVersion (EC2's, the default), or absent (also EC2's).
QUERY_CALL = re.compile(
    r'QueryParams\s*\w*\s*[({]\s*"([A-Za-z]+)"\s*(?:,\s*(?:"([0-9-]+)"|kEc2ApiVersion))?\s*[)}]')
JSON_TARGET = re.compile(r'"(' + "|".join(JSON_SERVICES) + r')\.([A-Za-z]+)"')
CLUSTER_TAG_KEY = re.compile(r'kClusterTagKey\s*=\s*"([^"]+)"')


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def called_actions(root):
    calls, sends, tag_key = {}, set(), None
    for path in sorted(root.glob("cloudprovider/**/*")):
        if path.suffix not in (".cpp", ".h"):
            continue
        code = strip_comments(path.read_text())
        for action, version in QUERY_CALL.findall(code):
            version = version or DEFAULT_QUERY_VERSION
            if version not in QUERY_SERVICES:
                sys.exit(f"FAIL: {path}: {action} uses Query API version {version}: add its service "
                         "to QUERY_SERVICES in tests/deploy/iam_policy_test.py")
            calls.setdefault(f"{QUERY_SERVICES[version]}:{action}", path)
        for prefix, action in JSON_TARGET.findall(code):
            calls.setdefault(f"{JSON_SERVICES[prefix]}:{action}", path)
        sends.update(word for word in IMPLIED.values() if word in code)
        if m := CLUSTER_TAG_KEY.search(code):
            tag_key = m.group(1)
    return calls, sends, tag_key


def as_list(value):
    return value if isinstance(value, list) else [value]


def condition_keys(statement):
    return {key for op in statement.get("Condition", {}).values() for key in op}


def main():
    root = Path(sys.argv[1])
    policy = json.loads((root / "deploy/iam/controller-policy.json").read_text())
    calls, sends, tag_key = called_actions(root)
    errors = []
    if not any(a.startswith("ec2:") for a in calls) or tag_key is None:
        sys.exit("FAIL: found no EC2 calls or no kClusterTagKey under cloudprovider/: the patterns in "
                 "tests/deploy/iam_policy_test.py no longer match the code")

    allowed = {}
    for st in policy["Statement"]:
        if st.get("Effect") != "Allow":
            continue
        for action in as_list(st["Action"]):
            if "*" in action:
                errors.append(f"{st.get('Sid')}: wildcard action {action}")
            allowed.setdefault(action, []).append(st)

    needed = {a for a in calls if a not in NOT_IN_POLICY}
    for action in sorted(needed - allowed.keys()):
        errors.append(f"{action} is called ({calls[action].relative_to(root)}) but the policy does not allow it")
    for action in sorted(allowed.keys() - needed):
        if IMPLIED.get(action) in sends:
            continue
        errors.append(f"{action} is allowed but nothing under cloudprovider/ calls it")

    scoping = {f"aws:RequestTag/{tag_key}", f"aws:ResourceTag/{tag_key}"}
    for action in sorted(TAG_SCOPED & allowed.keys()):
        for st in allowed[action]:
            resources = as_list(st["Resource"])
            if "*" in resources:
                errors.append(f"{st.get('Sid')}: {action} on Resource \"*\"")
            if condition_keys(st) & scoping:
                continue
            if action in ("ec2:RunInstances", "ec2:CreateFleet") and not any(
                    kind in r for r in resources for kind in LAUNCH_RESOURCES_THAT_MUST_BE_TAGGED):
                continue
            errors.append(f"{st.get('Sid')}: {action} is not scoped by the {tag_key} tag "
                          f"(a condition on one of {sorted(scoping)})")

    for e in errors:
        print("FAIL:", e)
    if errors:
        return 1
    print(f"ok: {len(needed)} actions called and allowed, all launches, tags and terminations "
          f"scoped by {tag_key}: {', '.join(sorted(needed))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
