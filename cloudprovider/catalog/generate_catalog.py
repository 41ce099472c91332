#!/usr/bin/env python3
"""Generates the bundled EC2 instance catalog (bundled_catalog_data.cpp) from the EC2 facts
vendored next to it in data/, so that `gantry plan` can price and size instance types with no AWS access and
the build needs neither Python nor the data directory.

Usage (from the repository root):
    python3 cloudprovider/catalog/generate_catalog.py [--data-dir DIR] [--output FILE]

The defaults are cloudprovider/catalog/data and cloudprovider/catalog/bundled_catalog_data.cpp.
The output is a pure function of the input files: rows sorted by name, regions by name, no
timestamps or paths, so tests can regenerate it and compare byte for byte.

Inputs (see SOURCES.txt in the data directory for their provenance):
  ec2-describe-instance-types.json  DescribeInstanceTypes output keyed by type name
  ec2-eni-limits.csv                 per-type ENI limits, with the EKS max-pods figure
  ec2-on-demand-prices.csv           on-demand USD/hour; only us-east-1 rows are used
  ec2-offerings-<region>.csv         the zones each type is offered in, one file per region
  ec2-previous-generation-families.csv
                                     the families AWS lists as previous generation; every
                                     other family is current (see previous_generation_families)

Only stdlib is used. The generator fails loudly on data it cannot express in the row format
(catalog_data.h) rather than guessing.
"""

import argparse
import csv
import decimal
import json
import os
import re
import sys

SCRIPT_DIR = os.path.dirname(os.path.abspath(__file__))
DEFAULT_DATA_DIR = os.path.join(SCRIPT_DIR, "data")
DEFAULT_OUTPUT = os.path.join(SCRIPT_DIR, "bundled_catalog_data.cpp")

# The price table we bundle is Karpenter's static on-demand list, which covers us-east-1 only;
# the loader reuses it for other regions and marks those prices as estimated.
PRICE_REGION = "us-east-1"
# Pod density when a type has no ENI data at all (kubelet's default maxPods).
DEFAULT_MAX_PODS = 110
MAX_ZONES_PER_REGION = 16  # CatalogRow::zoneMasks are uint16_t


class DataError(Exception):
    pass


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def previous_generation_families(data_dir):
    """The families AWS publishes as previous generation. The generation flag is taken from this
    list rather than from DescribeInstanceTypes' CurrentGeneration because the vendored JSON
    (moto's) marks current families such as g5, m5 and m6i as previous, which would hide them
    from the default NodePool's current-generation requirement."""
    families = set()
    for r in read_csv(os.path.join(data_dir, "ec2-previous-generation-families.csv")):
        family = r["family"].strip()
        if not re.fullmatch(r"[a-z][a-z0-9-]*", family):
            raise DataError(f"previous-generation family {family!r} is not an EC2 family name")
        families.add(family)
    if not families:
        raise DataError("ec2-previous-generation-families.csv lists no family")
    return families


def family_of(name):
    return name.split(".", 1)[0]


def architecture(info):
    """amd64 or arm64, as kubernetes.io/arch spells it; None for types Kubernetes nodes cannot
    use (Mac instances report arm64_mac/x86_64_mac). A type that supports both x86_64 and arm64
    counts as amd64, as does i386+x86_64."""
    archs = info["ProcessorInfo"]["SupportedArchitectures"]
    if "x86_64" in archs:
        return "amd64"
    if "arm64" in archs:
        return "arm64"
    return None


def max_pods(name, info, eni_limits):
    """EKS's ENI-limited pod density. The ENI table already carries the figure; when a type is
    missing from it we apply the same formula to DescribeInstanceTypes' network info (the VPC CNI
    only uses the default network card): max_enis * (ipv4_per_eni - 1) + 2, where the -1 is each
    ENI's primary address and the +2 covers host-network pods (aws-node, kube-proxy)."""
    row = eni_limits.get(name)
    if row is not None:
        if row["eni_max_pods"]:
            return int(row["eni_max_pods"])
        return int(row["max_enis"]) * (int(row["ipv4_per_eni"]) - 1) + 2
    net = info.get("NetworkInfo") or {}
    cards = net.get("NetworkCards") or []
    index = net.get("DefaultNetworkCardIndex", 0)
    ipv4 = net.get("Ipv4AddressesPerInterface")
    if index < len(cards) and ipv4:
        enis = cards[index].get("MaximumNetworkInterfaces", 0)
        if enis > 0:
            return enis * (ipv4 - 1) + 2
    return DEFAULT_MAX_PODS


def gpu(name, info):
    """(manufacturer, name, count, memoryMiB per device, partition per mille) or None. The
    partition is GpuPartitionSize in thousandths: 1000 for whole GPUs, 125 for g6f.large's
    eighth of an L4."""
    gpus = (info.get("GpuInfo") or {}).get("Gpus") or []
    if not gpus:
        return None
    first = gpus[0]
    for g in gpus[1:]:
        if (g["Manufacturer"], g["Name"]) != (first["Manufacturer"], first["Name"]):
            raise DataError(f"{name}: GPUs of several models; extend GpuRow to hold them")
    # Count is whole devices; fractional GPUs (GpuPartitionSize < 1, e.g. g6f) report 0 and so
    # advertise no GPU resource.
    count = sum(int(g["Count"]) for g in gpus)
    partition = decimal.Decimal(str(first.get("GpuPartitionSize", 1))) * 1000
    if partition != partition.to_integral_value() or not 0 < partition <= 1000:
        raise DataError(f"{name}: GpuPartitionSize {first.get('GpuPartitionSize')!r} is not a "
                        "multiple of 0.001 in (0, 1]")
    return (first["Manufacturer"], first["Name"], count, int(first["MemoryInfo"]["SizeInMiB"]),
            int(partition))


def accelerator(name, info):
    """(manufacturer, name, count, memoryMiB per device, neuron cores per device) or None.
    Neuron devices (Inferentia, Trainium) come from NeuronInfo, which also covers trn* types
    that list no InferenceAcceleratorInfo; other inference accelerators (Qualcomm AI100) from
    InferenceAcceleratorInfo. Media accelerators and FPGAs are not modelled."""
    devices = (info.get("NeuronInfo") or {}).get("NeuronDevices") or []
    if devices:
        first = devices[0]
        if any(d["Name"] != first["Name"] for d in devices[1:]):
            raise DataError(f"{name}: Neuron devices of several models")
        count = sum(int(d["Count"]) for d in devices)
        cores = int((first.get("CoreInfo") or {}).get("Count", 0))
        if cores <= 0:
            raise DataError(f"{name}: Neuron device without a core count")
        return ("AWS", first["Name"], count, int(first["MemoryInfo"]["SizeInMiB"]), cores)
    accels = (info.get("InferenceAcceleratorInfo") or {}).get("Accelerators") or []
    if not accels:
        return None
    first = accels[0]
    if any((a["Manufacturer"], a["Name"]) != (first["Manufacturer"], first["Name"])
           for a in accels[1:]):
        raise DataError(f"{name}: inference accelerators of several models")
    count = sum(int(a["Count"]) for a in accels)
    return (first["Manufacturer"], first["Name"], count, int(first["MemoryInfo"]["SizeInMiB"]), 0)


def price_micros(text):
    value = decimal.Decimal(text) * 1000000
    if value != value.to_integral_value() or value <= 0:
        raise DataError(f"price {text!r} is not a positive multiple of 1e-6 USD")
    return int(value)


def c_string(text):
    if not re.fullmatch(r"[A-Za-z0-9 .\-_+()/]*", text):
        raise DataError(f"unexpected characters in {text!r}")
    return '"' + text + '"'


def load(data_dir):
    with open(os.path.join(data_dir, "ec2-describe-instance-types.json"), encoding="utf-8") as f:
        described = json.load(f)
    eni_rows = read_csv(os.path.join(data_dir, "ec2-eni-limits.csv"))
    eni_limits = {r["instance_type"]: r for r in eni_rows}
    prices = {}
    for r in read_csv(os.path.join(data_dir, "ec2-on-demand-prices.csv")):
        if r["region"] == PRICE_REGION:
            prices[r["instance_type"]] = price_micros(r["usd_per_hour"])
    regions = {}
    pattern = re.compile(r"ec2-offerings-([a-z0-9-]+)\.csv")
    for entry in sorted(os.listdir(data_dir)):
        m = pattern.fullmatch(entry)
        if not m:
            continue
        zones_by_type = {}
        for r in read_csv(os.path.join(data_dir, entry)):
            zones_by_type.setdefault(r["instance_type"], set()).add(r["availability_zone"])
        regions[m.group(1)] = zones_by_type
    if not regions:
        raise DataError(f"no ec2-offerings-<region>.csv in {data_dir}")
    sources = ""
    sources_path = os.path.join(data_dir, "SOURCES.txt")
    if os.path.exists(sources_path):
        with open(sources_path, encoding="utf-8") as f:
            sources = f.read()
    previous = previous_generation_families(data_dir)
    return described, eni_limits, prices, regions, previous, sources


def build(described, eni_limits, prices, regions, previous):
    """Returns (region rows, catalog rows, stats)."""
    region_rows = []
    for region in sorted(regions):
        zones = sorted({z for zs in regions[region].values() for z in zs})
        if len(zones) > MAX_ZONES_PER_REGION:
            raise DataError(f"{region} has {len(zones)} zones; widen CatalogRow::zoneMasks")
        region_rows.append((region, zones))

    stats = {"described": len(described), "architecture": [], "unpriced": [], "unoffered": []}
    rows = []
    for name in sorted(described):
        info = described[name]
        arch = architecture(info)
        if arch is None:
            stats["architecture"].append(name)
            continue
        if name not in prices:
            stats["unpriced"].append(name)
            continue
        masks = []
        for region, zones in region_rows:
            offered = regions[region].get(name, set())
            masks.append(sum(1 << i for i, z in enumerate(zones) if z in offered))
        if not any(masks):
            stats["unoffered"].append(name)
            continue
        usage = set(info.get("SupportedUsageClasses") or [])
        flags = []
        if family_of(name) not in previous:
            flags.append("kCurrent")
        if info.get("BareMetal"):
            flags.append("kMetal")
        if info.get("BurstablePerformanceSupported"):
            flags.append("kBurstable")
        if arch == "arm64":
            flags.append("kArm64")
        if "on-demand" in usage:
            flags.append("kOnDemand")
        if "spot" in usage:
            flags.append("kSpot")
        rows.append({
            "name": name,
            "vcpus": int(info["VCpuInfo"]["DefaultVCpus"]),
            "memory": int(info["MemoryInfo"]["SizeInMiB"]),
            "flags": " | ".join(flags) if flags else "0",
            "hypervisor": info.get("Hypervisor") or "",
            "max_pods": max_pods(name, info, eni_limits),
            "price": prices[name],
            "gpu": gpu(name, info),
            "accelerator": accelerator(name, info),
            "masks": masks,
        })
    return region_rows, rows, stats


def render(region_rows, rows, stats, sources):
    out = []
    emit = out.append
    emit("// Generated by cloudprovider/catalog/generate_catalog.py; do not edit.")
    emit("// Regenerate from the repository root, from the facts in cloudprovider/catalog/data/, with:")
    emit("//   python3 cloudprovider/catalog/generate_catalog.py")
    emit("//")
    emit("// Data sources:")
    for line in sources.splitlines():
        if line.strip():
            emit("//   " + line.strip())
    emit("//")
    emit(f"// {stats['described']} types described; {len(rows)} rows bundled. Left out:")
    emit(f"//   {len(stats['architecture'])} not amd64/arm64 Linux-capable: "
         + ", ".join(stats["architecture"]))
    emit(f"//   {len(stats['unpriced'])} without a {PRICE_REGION} on-demand price: "
         + ", ".join(stats["unpriced"]))
    emit(f"//   {len(stats['unoffered'])} offered in none of the bundled regions"
         + (": " + ", ".join(stats["unoffered"]) if stats["unoffered"] else ""))
    emit("//")
    emit("// Row: name, vCPUs, memory MiB, flags, hypervisor, max pods,")
    emit("//      on-demand price (micro-USD/h),")
    emit("//      {GPU manufacturer, name, count, MiB each, partition per mille},")
    emit("//      {accelerator manufacturer, name, count, MiB each, Neuron cores each},")
    emit("//      {zone bitmask per region, in kRegions order}.")
    emit("")
    emit('#include "cloudprovider/catalog/catalog_data.h"')
    emit("")
    emit("namespace gantry::cloudprovider::catalog {")
    emit("namespace {")
    emit("")
    emit("// clang-format off")
    emit(f"static_assert(kRegionCount == {len(region_rows)}, "
         '"the data covers a different number of regions: update catalog_data.h");')
    emit("")
    emit("constexpr RegionRow kRegions[] = {")
    for region, zones in region_rows:
        zone_list = ", ".join(c_string(z) for z in zones)
        emit(f"    {{{c_string(region)}, {len(zones)}, {{{zone_list}}}}},")
    emit("};")
    emit("")
    emit("constexpr CatalogRow kRows[] = {")
    for r in rows:
        g = r["gpu"]
        gpu_text = (f"{{{c_string(g[0])}, {c_string(g[1])}, {g[2]}, {g[3]}, {g[4]}}}"
                    if g else "{}")
        a = r["accelerator"]
        accel_text = (f"{{{c_string(a[0])}, {c_string(a[1])}, {a[2]}, {a[3]}, {a[4]}}}"
                      if a else "{}")
        masks = ", ".join(f"0x{m:x}" for m in r["masks"])
        emit(f"    {{{c_string(r['name'])}, {r['vcpus']}, {r['memory']}, {r['flags']}, "
             f"{c_string(r['hypervisor'])}, {r['max_pods']}, {r['price']}, {gpu_text}, "
             f"{accel_text}, {{{masks}}}}},")
    emit("};")
    emit("// clang-format on")
    emit("")
    emit("}  // namespace")
    emit("")
    emit("std::span<const CatalogRow> catalogRows() { return kRows; }")
    emit("std::span<const RegionRow> catalogRegions() { return kRegions; }")
    emit("")
    emit("}  // namespace gantry::cloudprovider::catalog")
    return "\n".join(out) + "\n"


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", default=DEFAULT_DATA_DIR)
    parser.add_argument("--output", default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    try:
        described, eni_limits, prices, regions, previous, sources = load(args.data_dir)
        region_rows, rows, stats = build(described, eni_limits, prices, regions, previous)
    except (DataError, OSError, KeyError, ValueError) as e:
        print(f"generate_catalog: {e}", file=sys.stderr)
        return 1
    text = render(region_rows, rows, stats, sources)
    with open(args.output, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    print(f"generate_catalog: wrote {len(rows)} types, {len(region_rows)} regions to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
