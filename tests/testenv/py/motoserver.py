"""moto in server mode with IAM auth on, the fault layer in front of it, and the fault
control API on a second port. Started by tests/testenv/up.

Start-up, in order: the EC2 port opens with moto's auth off for exactly five requests,
which create the test user, its policy and its access key, and the IRSA role
(`gantry-irsa`, same policy) over the wire; from then on
every request's SigV4 signature and IAM permission is checked. The default subnets and
security group get the discovery tag (signed calls), and the SSM public parameters of the
EKS-optimized AMIs for --k8s-version are published (amiparams.py), and the SQS queue
--interruption-queue is created (SQS is served on the same port; EventBridge would fill the
queue on AWS, tests send to it). The credentials go to <state-dir>/credentials.json, and the
control port opens last: when it answers, all is set. A reset repeats the tagging, the
publishing and the queue (so it comes back empty).
"""

import argparse
import json
import os
import threading

import boto3
from botocore.config import Config
from moto import settings
from moto.iam.models import get_account_id_from
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from werkzeug.serving import make_server

import amiparams
from awsdata import Catalog
from faultlayer import FaultLayer
from faulttable import ControlApp, FaultTable

USER = "gantry-test"
IRSA_ROLE = "gantry-irsa"
POLICY = {
    "Version": "2012-10-17",
    "Statement": [{
        "Effect": "Allow",
        # What a Gantry controller's role is granted; anything else is AccessDenied.
        "Action": ["ec2:*", "pricing:GetProducts", "ssm:GetParameter", "ssm:GetParameters",
                   "iam:PassRole", "iam:GetInstanceProfile", "iam:CreateInstanceProfile",
                   "iam:AddRoleToInstanceProfile", "iam:TagInstanceProfile", "sqs:*",
                   "sts:GetCallerIdentity"],
        "Resource": "*",
    }],
}
QUIET = Config(user_agent_extra="gantry-testenv", retries={"total_max_attempts": 1})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--control-port", type=int, required=True)
    ap.add_argument("--data-dir", required=True)
    ap.add_argument("--cluster-name", required=True)
    ap.add_argument("--state-dir", required=True)
    ap.add_argument("--k8s-version", required=True, help="the test cluster's, e.g. 1.34.10")
    ap.add_argument("--interruption-queue", required=True, help="the SQS queue for interruption events")
    args = ap.parse_args()
    endpoint = f"http://{args.host}:{args.port}"

    settings.INITIAL_NO_AUTH_ACTION_COUNT = 5  # the five IAM calls below, then auth is on
    table = FaultTable()
    app = FaultLayer(DomainDispatcherApplication(create_backend_app), table, Catalog(args.data_dir))
    server = make_server(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()

    creds = create_test_user(endpoint)
    ec2 = boto3.client("ec2", endpoint_url=endpoint, region_name="us-east-1", config=QUIET,
                       aws_access_key_id=creds["accessKeyId"], aws_secret_access_key=creds["secretAccessKey"])

    sqs = boto3.client("sqs", endpoint_url=endpoint, region_name="us-east-1", config=QUIET,
                       aws_access_key_id=creds["accessKeyId"], aws_secret_access_key=creds["secretAccessKey"])

    def seed():
        tag_discovery(ec2, args.cluster_name)
        amiparams.publish(ec2, get_account_id_from(creds["accessKeyId"]), args.k8s_version)
        # Karpenter's recommended settings for an interruption queue: events are stale after 5 min.
        sqs.create_queue(QueueName=args.interruption_queue, Attributes={"MessageRetentionPeriod": "300"})

    seed()
    path = os.path.join(args.state_dir, "credentials.json")
    with open(os.open(path + ".tmp", os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as f:
        json.dump(creds, f)
    os.replace(path + ".tmp", path)

    def reset():
        reset_all_but_iam()
        seed()

    control = make_server(args.host, args.control_port, ControlApp(table, reset), threaded=True)
    print(f"motoserver: EC2 and SQS on {endpoint}, faults on http://{args.host}:{args.control_port}", flush=True)
    control.serve_forever()


def create_test_user(endpoint):
    """Creates the user, its inline policy and an access key through moto's IAM API."""
    iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1", config=QUIET,
                       aws_access_key_id="bootstrap", aws_secret_access_key="bootstrap")
    iam.create_user(UserName=USER)
    iam.put_user_policy(UserName=USER, PolicyName="gantry-controller", PolicyDocument=json.dumps(POLICY))
    key = iam.create_access_key(UserName=USER)["AccessKey"]
    # The role a controller pod assumes through IRSA (AssumeRoleWithWebIdentity, served by
    # the fault layer), with the same permissions as the user.
    trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
                                                     "Principal": {"Federated": "oidc.testenv"}}]}
    iam.create_role(RoleName=IRSA_ROLE, AssumeRolePolicyDocument=json.dumps(trust))
    iam.put_role_policy(RoleName=IRSA_ROLE, PolicyName="gantry-controller", PolicyDocument=json.dumps(POLICY))
    return {"accessKeyId": key["AccessKeyId"], "secretAccessKey": key["SecretAccessKey"]}


def tag_discovery(ec2, cluster):
    """Tags the default VPC's subnets and security group so EC2NodeClass selectors find them."""
    vpc = ec2.describe_vpcs(Filters=[{"Name": "is-default", "Values": ["true"]}])["Vpcs"][0]["VpcId"]
    subnets = [s["SubnetId"] for s in ec2.describe_subnets(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "default-for-az", "Values": ["true"]}])["Subnets"]]
    groups = [g["GroupId"] for g in ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc]}, {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]]
    ec2.create_tags(Resources=subnets + groups, Tags=[{"Key": "gantry.dev/discovery", "Value": cluster}])


def reset_all_but_iam():
    """Wipes every moto service's state except IAM and STS, so the test user's key lives on."""
    from moto.core.base_backend import BackendDict
    from moto.iam.models import iam_backends
    from moto.sts.models import sts_backends

    keep = [iam_backends, sts_backends]
    for backends in BackendDict._instances:
        if any(backends is k for k in keep):
            continue
        for account_backend in backends.values():
            account_backend.reset()
        backends.clear()
    BackendDict._instances[:] = [b for b in BackendDict._instances if any(b is k for k in keep)]


if __name__ == "__main__":
    main()
