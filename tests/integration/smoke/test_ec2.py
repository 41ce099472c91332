"""moto with IAM auth mode, and the fault layer in front of it, seen over the wire."""

import json
import subprocess
from datetime import datetime, timezone

import pytest
from botocore.exceptions import ClientError

from conftest import TESTENV, aws_client

AMI = "ami-12c6146b"  # one of moto's built-in images


def error_code(excinfo):
    return excinfo.value.response["Error"]["Code"]


def run(ec2, itype, subnet, **extra):
    return ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, InstanceType=itype, SubnetId=subnet,
                             **extra)["Instances"][0]


def test_signed_describe_instance_types_is_accepted(clean, ec2):
    types = ec2.describe_instance_types(InstanceTypes=["g5.xlarge"])["InstanceTypes"]
    assert types[0]["GpuInfo"]["Gpus"][0]["Manufacturer"] == "NVIDIA"


def test_wrongly_signed_describe_instance_types_is_rejected(clean, testenv):
    wrong_secret = aws_client(testenv, "ec2", secret=testenv["AWS_SECRET_ACCESS_KEY"][:-4] + "AAAA")
    with pytest.raises(ClientError) as excinfo:
        wrong_secret.describe_instance_types(InstanceTypes=["g5.xlarge"])
    assert error_code(excinfo) == "AuthFailure"

    unknown_key = aws_client(testenv, "ec2", key_id="AKIAIOSFODNN7EXAMPLE")
    with pytest.raises(ClientError) as excinfo:
        unknown_key.describe_instance_types(InstanceTypes=["g5.xlarge"])
    assert error_code(excinfo) == "AuthFailure"


def test_policy_limits_the_test_user(clean, testenv):
    with pytest.raises(ClientError) as excinfo:
        aws_client(testenv, "s3").list_buckets()
    assert error_code(excinfo) == "AccessDenied"


def test_discovery_tags_on_default_subnets_and_security_group(clean, ec2, subnets, testenv):
    assert {"us-east-1a", "us-east-1b", "us-east-1c"} <= set(subnets)
    groups = ec2.describe_security_groups(Filters=[{"Name": "tag:gantry.dev/discovery",
                                                    "Values": [testenv["GANTRY_CLUSTER_NAME"]]}])
    assert [g["GroupName"] for g in groups["SecurityGroups"]] == ["default"]


def test_insufficient_capacity_for_exactly_the_configured_type_and_zone(clean, ec2, faults, subnets):
    faults.add(code="InsufficientInstanceCapacity", action="RunInstances",
               instanceType="g5.xlarge", zone="us-east-1a")

    with pytest.raises(ClientError) as excinfo:
        run(ec2, "g5.xlarge", subnets["us-east-1a"])
    assert error_code(excinfo) == "InsufficientInstanceCapacity"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert "g5.xlarge capacity in the Availability Zone you requested (us-east-1a)" in str(excinfo.value)

    assert run(ec2, "g5.xlarge", subnets["us-east-1b"])["Placement"]["AvailabilityZone"] == "us-east-1b"
    assert run(ec2, "g5.2xlarge", subnets["us-east-1a"])["InstanceType"] == "g5.2xlarge"
    assert [r["hits"] for r in faults.get("/faults")] == [1]


def test_fault_window_and_count(clean, ec2, faults, subnets):
    faults.add(code="InsufficientInstanceCapacity", instanceType="m5.large", times=1)
    with pytest.raises(ClientError):
        run(ec2, "m5.large", subnets["us-east-1c"])
    run(ec2, "m5.large", subnets["us-east-1c"])  # the rule fired its one time

    faults.add(code="InsufficientInstanceCapacity", instanceType="m5.xlarge", afterSeconds=3600)
    run(ec2, "m5.xlarge", subnets["us-east-1c"])  # not active yet


def test_request_limit_exceeded_fails_any_matching_call(clean, ec2, faults):
    faults.add(code="RequestLimitExceeded", action="DescribeInstances")
    with pytest.raises(ClientError) as excinfo:
        ec2.describe_instances()
    assert error_code(excinfo) == "RequestLimitExceeded"
    assert excinfo.value.response["ResponseMetadata"]["HTTPStatusCode"] == 503
    ec2.describe_instance_types(InstanceTypes=["m5.large"])  # other actions unaffected


def test_create_fleet_reports_failed_overrides_in_errors(clean, ec2, faults, subnets):
    template = ec2.create_launch_template(LaunchTemplateName="smoke", LaunchTemplateData={"ImageId": AMI})
    spec = {"LaunchTemplateId": template["LaunchTemplate"]["LaunchTemplateId"], "Version": "$Latest"}
    faults.add(code="InsufficientInstanceCapacity", action="CreateFleet", instanceType="p4d.24xlarge",
               zone="us-east-1a", capacityType="spot")

    def fleet(*overrides):
        return ec2.create_fleet(
            Type="instant",
            TargetCapacitySpecification={"TotalTargetCapacity": 1, "DefaultTargetCapacityType": "spot"},
            LaunchTemplateConfigs=[{"LaunchTemplateSpecification": spec, "Overrides": [
                {"InstanceType": t, "SubnetId": subnets[z]} for t, z in overrides]}])

    reply = fleet(("p4d.24xlarge", "us-east-1a"), ("p4d.24xlarge", "us-east-1c"))
    assert [(e["ErrorCode"], e["Lifecycle"], e["LaunchTemplateAndOverrides"]["Overrides"]["SubnetId"])
            for e in reply["Errors"]] == [("InsufficientInstanceCapacity", "spot", subnets["us-east-1a"])]
    launched = ec2.describe_instances(InstanceIds=reply["Instances"][0]["InstanceIds"])
    assert launched["Reservations"][0]["Instances"][0]["Placement"]["AvailabilityZone"] == "us-east-1c"

    only_failing = fleet(("p4d.24xlarge", "us-east-1a"))
    assert only_failing["Instances"] == [] and len(only_failing["Errors"]) == 1


def test_spot_price_history_and_overrides(clean, ec2, faults):
    now = datetime.now(timezone.utc)
    history = ec2.describe_spot_price_history(InstanceTypes=["g5.xlarge"], ProductDescriptions=["Linux/UNIX"],
                                              StartTime=now, EndTime=now)["SpotPriceHistory"]
    prices = {h["AvailabilityZone"]: float(h["SpotPrice"]) for h in history}
    assert {"us-east-1a", "us-east-1b"} <= set(prices)
    assert all(0.2 * 1.006 <= p <= 0.45 * 1.006 for p in prices.values())  # 55-80% off on-demand $1.006

    faults.post("/spot-prices", {"instanceType": "g5.xlarge", "zone": "us-east-1a", "price": 0.9})
    history = ec2.describe_spot_price_history(InstanceTypes=["g5.xlarge"], AvailabilityZone="us-east-1a",
                                              ProductDescriptions=["Linux/UNIX"], StartTime=now)
    assert float(history["SpotPriceHistory"][0]["SpotPrice"]) == 0.9


def test_pricing_get_products(clean, testenv):
    pricing = aws_client(testenv, "pricing")
    reply = pricing.get_products(ServiceCode="AmazonEC2", Filters=[
        {"Type": "TERM_MATCH", "Field": "instanceType", "Value": "g5.xlarge"},
        {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-east-1"},
        {"Type": "TERM_MATCH", "Field": "operatingSystem", "Value": "Linux"}])
    assert len(reply["PriceList"]) == 1
    product = json.loads(reply["PriceList"][0])
    (term,) = product["terms"]["OnDemand"].values()
    (dimension,) = term["priceDimensions"].values()
    assert dimension["pricePerUnit"]["USD"].startswith("1.006")

    with pytest.raises(ClientError) as excinfo:
        aws_client(testenv, "pricing", secret="x" * 40).get_products(ServiceCode="AmazonEC2")
    assert error_code(excinfo) == "SignatureDoesNotMatch"


def test_reset_wipes_instances_and_faults(ec2, faults, subnets, testenv):
    run(ec2, "m5.large", subnets["us-east-1b"])
    faults.add(code="InsufficientInstanceCapacity")
    subprocess.run([f"{TESTENV}/reset"], check=True)
    assert ec2.describe_instances()["Reservations"] == []
    assert faults.get("/faults") == []
