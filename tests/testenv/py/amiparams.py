"""The SSM public parameters that name the EKS-optimized AL2023 and Bottlerocket AMIs, for
the test cluster's Kubernetes version, so an EC2NodeClass with `amiSelectorTerms:
[{alias: al2023@latest}]` resolves the way it does on AWS. moto 5.2.5 publishes the Amazon
Linux and ECS "latest" parameters but no EKS or Bottlerocket ones.

moto has no EKS or Bottlerocket images either, so each parameter points at one of moto's
own us-east-1 images (present in every fresh EC2 backend, so they survive a reset) with the
parameter's architecture: the ECS-optimized AL2023 builds for EKS standard, the AL2023 ECS
GPU build for EKS NVIDIA on x86_64, and other, distinct builds where moto has no closer
match (no arm64 GPU image, no Bottlerocket). Every id is distinct, so a test can tell which
variant a resolver picked. Images and architectures are checked at start-up: a moto bump that
drops one fails `up` instead of serving a dangling id.
"""

from moto.core.utils import utcnow
from moto.ssm.models import Parameter, ssm_backends

REGION = "us-east-1"  # the region the env file names
# (parameter path below the version, architecture, image id): moto 5.2.5's name for the image
# in the comment.
EKS_AL2023 = [
    # al2023-ami-ecs-hvm-2023.0.20260922-kernel-6.1-x86_64
    ("amazon-linux-2023/x86_64/standard/recommended/image_id", "x86_64", "ami-05fb4f257abd42992"),
    # al2023-ami-ecs-gpu-hvm-2023.0.20260922-kernel-6.1-x86_64-ebs
    ("amazon-linux-2023/x86_64/nvidia/recommended/image_id", "x86_64", "ami-0ca77a28d8801702a"),
    # al2023-ami-ecs-hvm-2023.0.20260922-kernel-6.1-arm64
    ("amazon-linux-2023/arm64/standard/recommended/image_id", "arm64", "ami-0dcab4a333584aee7"),
    # al2023-ami-ecs-hvm-2023.0.20260918-kernel-6.1-arm64 (moto has no arm64 GPU image)
    ("amazon-linux-2023/arm64/nvidia/recommended/image_id", "arm64", "ami-0df325af6f2f079fc"),
]
BOTTLEROCKET = [
    # (variant suffix, architecture, image id)
    # al2023-ami-minimal-2023.12.20260930.0-kernel-6.18-x86_64
    ("", "x86_64", "ami-07518cc94bb750af3"),
    # al2023-ami-minimal-2023.12.20260930.0-kernel-6.18-arm64
    ("", "arm64", "ami-012a83173e4e0a150"),
    # al2023-ami-ecs-gpu-hvm-2023.0.20260918-kernel-6.1-x86_64-ebs
    ("-nvidia", "x86_64", "ami-0fada6b211fc61756"),
    # al2023-ami-ecs-hvm-2023.0.20260916-kernel-6.1-arm64
    ("-nvidia", "arm64", "ami-06ea8feafb661ff24"),
]


def parameters(k8s_version):
    """[(name, architecture, image id)] for a Kubernetes version ("1.34.10" or "1.34"):
    the names AWS uses, which carry only major.minor."""
    minor = ".".join(k8s_version.lstrip("v").split(".")[:2])
    out = [(f"/aws/service/eks/optimized-ami/{minor}/{path}", arch, ami) for path, arch, ami in EKS_AL2023]
    out += [(f"/aws/service/bottlerocket/aws-k8s-{minor}{variant}/{arch}/latest/image_id", arch, ami)
            for variant, arch, ami in BOTTLEROCKET]
    return out


def publish(ec2, account_id, k8s_version):
    """Checks each image with a DescribeImages through `ec2` (a signed boto3 client), then
    puts the parameters into moto's SSM backend of `account_id` in REGION.

    They go into the backend in-process because PutParameter, in moto as on AWS, refuses
    names under /aws/ (AccessDenied, "reserved parameter name"). moto's reset drops the SSM
    backend, so this runs again after every reset."""
    params = parameters(k8s_version)
    ids = sorted({ami for _, _, ami in params})
    found = {i["ImageId"]: i["Architecture"] for i in ec2.describe_images(ImageIds=ids)["Images"]}
    for name, arch, ami in params:
        if found.get(ami) != arch:
            raise RuntimeError(f"{name}: moto has no {arch} image {ami} (found: {found.get(ami)})")
    backend = ssm_backends[account_id][REGION]
    now = utcnow()
    for name, _, ami in params:
        backend._parameters[name] = [Parameter(
            account_id=account_id, name=name, value=ami, parameter_type="String", description=None,
            allowed_pattern=None, keyid=None, last_modified_date=now, version=1, data_type="text")]
    return params
