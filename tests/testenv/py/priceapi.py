"""The price APIs moto lacks, served from cloudprovider/catalog/data (see awsdata.py): EC2
DescribeSpotPriceHistory (Query/XML) and the Pricing API's GetProducts (JSON 1.1)."""

import json
import uuid
from datetime import datetime, timedelta, timezone

from awsquery import EC2_NS, AwsError, filters, members, parse_time

SPOT_PRODUCTS = ("Linux/UNIX", "Linux/UNIX (Amazon VPC)")


def spot_price_history(catalog, overrides, region, params):
    """The DescribeSpotPriceHistory reply (XML) for the request's Query parameters;
    overrides: {(type, zone): price} replacing the newest modelled price of a pool."""
    wanted = filters(params)
    types = members(params, "InstanceType.") or wanted.get("instance-type")
    products = members(params, "ProductDescription.") or wanted.get("product-description")
    zones = ([params["AvailabilityZone"]] if params.get("AvailabilityZone")
             else wanted.get("availability-zone"))
    now = datetime.now(timezone.utc)
    end = parse_time(params.get("EndTime")) or now
    start = parse_time(params.get("StartTime")) or end - timedelta(days=1)
    items = []
    for itype, zone in catalog.offerings(region):
        if (types and itype not in types) or (zones and zone not in zones):
            continue
        if not catalog.supports_spot(itype):
            continue
        points = catalog.spot_history(region, itype, zone, start, end)
        override = overrides.get((itype, zone))
        if override is not None and points:
            points[0] = (points[0][0], override)
        for product in SPOT_PRODUCTS:
            if products and product not in products:
                continue
            items += [(ts, itype, zone, product, price) for ts, price in points if price]
    items.sort(key=lambda i: (-i[0].timestamp(), i[1], i[2], i[3]))
    offset = int(params.get("NextToken") or 0)
    limit = min(int(params.get("MaxResults") or 1000), 1000)
    page = items[offset:offset + limit]
    token = str(offset + limit) if offset + limit < len(items) else ""
    rows = "".join(
        f"<item><instanceType>{t}</instanceType><productDescription>{p}</productDescription>"
        f"<spotPrice>{price:.6f}</spotPrice><timestamp>{ts.strftime('%Y-%m-%dT%H:%M:%S.000Z')}"
        f"</timestamp><availabilityZone>{z}</availabilityZone></item>"
        for ts, t, z, p, price in page)
    return (f"<DescribeSpotPriceHistoryResponse xmlns=\"{EC2_NS}\"><requestId>{uuid.uuid4()}"
            f"</requestId><spotPriceHistorySet>{rows}</spotPriceHistorySet>"
            f"<nextToken>{token}</nextToken></DescribeSpotPriceHistoryResponse>")


def _filter_ok(product, f):
    field, value, kind = f.get("Field", ""), f.get("Value", ""), f.get("Type", "TERM_MATCH")
    p = product["product"]
    attrs = {k.lower(): v for k, v in p["attributes"].items()}
    attrs.update(productfamily=p["productFamily"], sku=p["sku"])
    have = attrs.get(field.lower())
    if kind in ("TERM_MATCH", "EQUALS"):
        return have is not None and have.lower() == value.lower()
    if kind == "CONTAINS":
        return have is not None and value.lower() in have.lower()
    if kind == "ANY_OF":
        return have is not None and have.lower() in [v.strip().lower() for v in value.split(",")]
    if kind == "NONE_OF":
        return have is None or have.lower() not in [v.strip().lower() for v in value.split(",")]
    raise AwsError("InvalidParameterException", f"unknown filter type {kind}")


def get_products(catalog, region, request):
    """The GetProducts reply for a parsed JSON request (ServiceCode AmazonEC2 only)."""
    if request.get("ServiceCode") != "AmazonEC2":
        raise AwsError("NotFoundException", "The requested service code is not available")
    for f in request.get("Filters", []):
        if f.get("Field", "").lower() == "regioncode":
            region = f["Value"]
    products = [p for p in catalog.price_list_products(region)
                if all(_filter_ok(p, f) for f in request.get("Filters", []))]
    offset = int(request.get("NextToken") or 0)
    limit = min(int(request.get("MaxResults") or 100), 100)
    reply = {"FormatVersion": request.get("FormatVersion", "aws_v1"),
             "PriceList": [json.dumps(p) for p in products[offset:offset + limit]]}
    if offset + limit < len(products):
        reply["NextToken"] = str(offset + limit)
    return reply
