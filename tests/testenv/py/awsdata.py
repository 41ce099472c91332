"""Instance-type facts and prices read from cloudprovider/catalog/data (the facts the bundled
catalog is built from), shared by the fault layer and the node bootstrapper.

Spot prices: AWS publishes no fixed table, so each (type, zone) gets a deterministic
discount of 55-80% off the on-demand price (the range real Linux spot prices sit in),
which moves a little every 6 hours. Same inputs, same prices, on every machine.
"""

import csv
import hashlib
import json
import os
from datetime import datetime, timedelta, timezone

REGION_NAMES = {
    "us-east-1": "US East (N. Virginia)",
    "us-west-2": "US West (Oregon)",
    "eu-west-1": "EU (Ireland)",
    "ap-southeast-1": "Asia Pacific (Singapore)",
}
SPOT_PERIOD = timedelta(hours=6)


class Catalog:
    """REQUIRES: data_dir holds ec2-describe-instance-types.json, ec2-on-demand-prices.csv,
    ec2-offerings-<region>.csv and ec2-eni-limits.csv. Read-only after construction."""

    def __init__(self, data_dir):
        self.data_dir = data_dir
        with open(os.path.join(data_dir, "ec2-describe-instance-types.json")) as f:
            self.types = json.load(f)
        self.on_demand = {}  # (region, type) -> USD per hour
        with open(os.path.join(data_dir, "ec2-on-demand-prices.csv")) as f:
            for row in csv.DictReader(f):
                self.on_demand[(row["region"], row["instance_type"])] = float(row["usd_per_hour"])
        self.max_pods = {}
        with open(os.path.join(data_dir, "ec2-eni-limits.csv")) as f:
            for row in csv.DictReader(f):
                self.max_pods[row["instance_type"]] = int(row["eni_max_pods"])
        self._offerings = {}

    def offerings(self, region):
        """[(type, zone)] offered in region; empty if the data has no file for it."""
        if region not in self._offerings:
            path = os.path.join(self.data_dir, f"ec2-offerings-{region}.csv")
            rows = []
            if os.path.exists(path):
                with open(path) as f:
                    rows = [(r["instance_type"], r["availability_zone"]) for r in csv.DictReader(f)]
            self._offerings[region] = rows
        return self._offerings[region]

    def zones_offering(self, region, instance_type):
        return sorted(z for t, z in self.offerings(region) if t == instance_type)

    def supports_spot(self, instance_type):
        return "spot" in self.types.get(instance_type, {}).get("SupportedUsageClasses", [])

    # --- spot prices -------------------------------------------------------------------
    def spot_price(self, region, instance_type, zone, at):
        """Spot price in USD/hour in effect at `at` (aware datetime), or None if unknown."""
        od = self.on_demand.get((region, instance_type))
        if od is None:
            return None
        period = int(at.timestamp() // SPOT_PERIOD.total_seconds())
        base = _unit(f"{instance_type}/{zone}")  # where in the 55-80% band this pool sits
        wiggle = _unit(f"{instance_type}/{zone}/{period}") - 0.5  # +-2.5% per period
        # The wiggle never pushes a pool out of the band: callers (and tests) rely on it.
        discount = min(0.80, max(0.55, 0.55 + 0.25 * base + 0.05 * wiggle))
        return round(od * (1.0 - discount), 6)

    def spot_history(self, region, instance_type, zone, start, end):
        """[(timestamp, price)] for the price changes in [start, end], newest first, plus the
        price in effect at `start` (as AWS does)."""
        points = []
        t = _period_start(end)
        while True:
            points.append((t, self.spot_price(region, instance_type, zone, t)))
            if t <= start:
                break
            t -= SPOT_PERIOD
        return points

    # --- Pricing API products ----------------------------------------------------------
    def price_list_products(self, region):
        """Pricing API (aws_v1) documents for Linux shared-tenancy on-demand use in region."""
        products = []
        for (r, itype), price in sorted(self.on_demand.items()):
            if r != region:
                continue
            info = self.types.get(itype, {})
            sku = hashlib.sha1(f"{region}/{itype}".encode()).hexdigest()[:16].upper()
            gpus = sum(g.get("Count", 0) for g in info.get("GpuInfo", {}).get("Gpus", []))
            attributes = {
                "servicecode": "AmazonEC2",
                "location": REGION_NAMES.get(region, region),
                "locationType": "AWS Region",
                "regionCode": region,
                "instanceType": itype,
                "instanceFamily": "GPU instance" if gpus else "General purpose",
                "vcpu": str(info.get("VCpuInfo", {}).get("DefaultVCpus", "")),
                "memory": f"{info.get('MemoryInfo', {}).get('SizeInMiB', 0) / 1024:g} GiB",
                "gpu": str(gpus),
                "operatingSystem": "Linux",
                "tenancy": "Shared",
                "preInstalledSw": "NA",
                "licenseModel": "No License required",
                "capacitystatus": "Used",
                "marketoption": "OnDemand",
                "operation": "RunInstances",
                "usagetype": f"BoxUsage:{itype}",
            }
            offer = f"{sku}.JRTCKXETXF"
            products.append({
                "product": {"productFamily": "Compute Instance", "attributes": attributes, "sku": sku},
                "serviceCode": "AmazonEC2",
                "terms": {"OnDemand": {offer: {
                    "priceDimensions": {f"{offer}.6YS6EN2CT7": {
                        "unit": "Hrs",
                        "endRange": "Inf",
                        "description": f"${price} per On Demand Linux {itype} Instance Hour",
                        "appliesTo": [],
                        "rateCode": f"{offer}.6YS6EN2CT7",
                        "beginRange": "0",
                        "pricePerUnit": {"USD": f"{price:.10f}"},
                    }},
                    "sku": sku,
                    "effectiveDate": "2026-07-01T00:00:00Z",
                    "offerTermCode": "JRTCKXETXF",
                    "termAttributes": {},
                }}},
                "version": "20260720133044",
                "publicationDate": "2026-07-20T13:30:44Z",
            })
        return products


def _unit(key):
    """Deterministic number in [0, 1) for key."""
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big") / 2**64


def _period_start(t):
    secs = SPOT_PERIOD.total_seconds()
    return datetime.fromtimestamp(int(t.timestamp() // secs) * secs, timezone.utc)
