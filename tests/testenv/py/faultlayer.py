"""WSGI middleware in front of moto: the few EC2 behaviours moto lacks, in AWS's wire format.

- Capacity and throttling errors from the fault table (faulttable.py): a whole
  RunInstances fails; a CreateFleet loses the failing overrides, which come back as
  `errorSet` items next to whatever moto launched from the rest.
- DescribeSpotPriceHistory from the modelled spot prices (awsdata.py; moto's is a stub).
- The Pricing API's GetProducts (JSON 1.1, X-Amz-Target AWSPriceListService.GetProducts)
  from the on-demand price table (moto has no Pricing API).

Every request this layer answers or rewrites is first authenticated exactly as moto would
(moto's own SigV4 and IAM policy check), so auth mode holds for it too. Everything else
passes through to moto untouched.
"""

import io
import json
import re
import uuid
from urllib.parse import parse_qsl, urlencode
from xml.sax.saxutils import escape

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.ec2.models import ec2_backends
from moto.iam.access_control import IAMRequest, create_access_key
from moto.iam.models import get_account_id_from
from werkzeug.datastructures import EnvironHeaders

from awsquery import (EC2_NS, AwsError, credential_scope, error_response, indexed, query_params,
                      request_path, xml_response)
from faulttable import status_for
from priceapi import get_products, spot_price_history


class FaultLayer:
    def __init__(self, app, table, catalog):
        self.app, self.table, self.catalog = app, table, catalog

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        params = query_params(environ, body)
        try:
            if target.startswith("AWSPriceListService."):
                return self._pricing(environ, body, target, start_response)
            unsigned = not environ.get("HTTP_AUTHORIZATION") and "X-Amz-Signature" not in params
            if params.get("Action") == "AssumeRoleWithWebIdentity" and unsigned:
                return self._assume_role_with_web_identity(params, start_response)
            if params.get("Action") and unsigned:
                raise AwsError("MissingAuthenticationToken", "Request is missing Authentication Token", 401)
            if params.get("Action") and credential_scope(environ)[2] == "ec2":
                return self._ec2(environ, body, params, start_response)
        except AwsError as e:
            json_protocol = bool(target)
            return error_response(start_response, e, json_protocol)
        return self.app(environ, start_response)

    # --- EC2 -----------------------------------------------------------------------------
    def _ec2(self, environ, body, params, start_response):
        action = params["Action"]
        if "gantry-testenv" in environ.get("HTTP_USER_AGENT", ""):
            # The environment's own calls (bootstrapper, set-up) see neither faults nor the log.
            return self.app(environ, start_response)
        call = {"action": action}
        try:
            rule = self.table.match(action, request_level=True)
            if rule:
                self._authenticate(environ, body, params, action)
                call["fault"] = rule["code"]
                raise AwsError(rule["code"], rule.get("message") or _message(rule["code"]),
                               status_for(rule))
            if action == "RunInstances":
                return self._run_instances(environ, body, params, call, start_response)
            if action == "CreateFleet":
                return self._create_fleet(environ, body, params, call, start_response)
            if action == "DescribeSpotPriceHistory":
                self._authenticate(environ, body, params, action)
                return xml_response(start_response, spot_price_history(
                    self.catalog, self.table.spot_overrides, credential_scope(environ)[1], params))
            return self.app(environ, start_response)
        finally:
            self.table.record(call)

    def _run_instances(self, environ, body, params, call, start_response):
        region = credential_scope(environ)[1]
        itype, zone = self._resolve(environ, params.get("InstanceType"),
                                    _lt_spec(params, "LaunchTemplate."),
                                    params.get("SubnetId") or params.get("NetworkInterface.1.SubnetId"),
                                    params.get("Placement.AvailabilityZone"))
        lifecycle = "spot" if params.get("InstanceMarketOptions.MarketType") == "spot" else "on-demand"
        call.update(instanceTypes=[itype], zones=[zone], capacityType=lifecycle)
        rule = self.table.match("RunInstances", itype, zone, lifecycle)
        if not rule:
            return self.app(environ, start_response)
        self._authenticate(environ, body, params, "RunInstances")
        call["fault"] = rule["code"]
        raise AwsError(rule["code"], rule.get("message") or
                       _message(rule["code"], itype, zone, lifecycle, self._other_zones(region, itype, zone)),
                       status_for(rule))

    def _create_fleet(self, environ, body, params, call, start_response):
        region = credential_scope(environ)[1]
        lifecycle = params.get("TargetCapacitySpecification.DefaultTargetCapacityType", "on-demand")
        pairs = list(parse_qsl(body.decode(), keep_blank_values=True))
        configs = indexed(pairs, "LaunchTemplateConfigs.")
        errors, kept = [], {}
        for ci, cfg in configs.items():
            lt = _lt_spec(dict(cfg), "LaunchTemplateSpecification.")
            overrides = indexed(cfg, "Overrides.") or {0: []}
            for oi, ov in overrides.items():
                o = dict(ov)
                itype, zone = self._resolve(environ, o.get("InstanceType"), lt, o.get("SubnetId"),
                                            o.get("AvailabilityZone"))
                call.setdefault("instanceTypes", []).append(itype)
                call.setdefault("zones", []).append(zone)
                rule = self.table.match("CreateFleet", itype, zone, lifecycle)
                if rule:
                    errors.append((lt, o, itype, zone, rule))
                else:
                    kept.setdefault(ci, []).append(ov)
        call["capacityType"] = lifecycle
        if not errors:
            return self.app(environ, start_response)
        self._authenticate(environ, body, params, "CreateFleet")
        call["fault"] = sorted({e[4]["code"] for e in errors})
        error_xml = "".join(self._fleet_error(region, lifecycle, *e) for e in errors)
        if not kept:  # nothing left to launch: an instant fleet with only errors
            fleet_id = "fleet-" + uuid.uuid4().hex[:8] + "-" + uuid.uuid4().hex[:4]
            return xml_response(start_response, f"<CreateFleetResponse xmlns=\"{EC2_NS}\"><requestId>{uuid.uuid4()}"
                        f"</requestId><fleetId>{fleet_id}</fleetId><errorSet>{error_xml}</errorSet>"
                        "<fleetInstanceSet/></CreateFleetResponse>")
        rest = [(k, v) for k, v in pairs if not k.startswith("LaunchTemplateConfigs.")]
        for n, ci in enumerate(sorted(kept), 1):
            base = [(k, v) for k, v in configs[ci] if not k.startswith("Overrides.")]
            rest += [(f"LaunchTemplateConfigs.{n}.{k}", v) for k, v in base]
            for m, ov in enumerate(kept[ci], 1):
                rest += [(f"LaunchTemplateConfigs.{n}.Overrides.{m}.{k}", v) for k, v in ov]
        self._resign(environ, urlencode(rest).encode())
        return self._inject(environ, start_response, error_xml)

    def _inject(self, environ, start_response, error_xml):
        """Forwards to moto and adds error_xml to the errorSet of its CreateFleet reply."""
        captured = {}

        def capture(status, headers, exc_info=None):
            captured.update(status=status, headers=headers)

        out = b"".join(self.app(environ, capture)).decode()
        if captured["status"].startswith("200"):
            if re.search(r"<errorSet\s*/>", out):
                out = re.sub(r"<errorSet\s*/>", f"<errorSet>{error_xml}</errorSet>", out, count=1)
            elif "<errorSet>" in out:
                out = out.replace("<errorSet>", "<errorSet>" + error_xml, 1)
            else:
                out = out.replace("</CreateFleetResponse>", f"<errorSet>{error_xml}</errorSet></CreateFleetResponse>")
        data = out.encode()
        headers = [(k, v) for k, v in captured["headers"] if k.lower() != "content-length"]
        start_response(captured["status"], headers + [("Content-Length", str(len(data)))])
        return [data]

    def _fleet_error(self, region, lifecycle, lt, override, itype, zone, rule):
        spec = "".join(f"<{k[0].lower() + k[1:]}>{escape(v)}</{k[0].lower() + k[1:]}>"
                       for k, v in lt.items() if v)
        ov = "".join(f"<{k[0].lower() + k[1:]}>{escape(v)}</{k[0].lower() + k[1:]}>"
                     for k, v in override.items() if "." not in k)
        msg = rule.get("message") or _message(rule["code"], itype, zone, lifecycle,
                                              self._other_zones(region, itype, zone))
        return (f"<item><launchTemplateAndOverrides><launchTemplateSpecification>{spec}"
                f"</launchTemplateSpecification><overrides>{ov}</overrides></launchTemplateAndOverrides>"
                f"<lifecycle>{lifecycle}</lifecycle><errorCode>{escape(rule['code'])}</errorCode>"
                f"<errorMessage>{escape(msg)}</errorMessage></item>")

    # --- Pricing API ----------------------------------------------------------------------
    def _pricing(self, environ, body, target, start_response):
        operation = target.split(".", 1)[1]
        self._authenticate(environ, body, {}, operation)
        self.table.record({"action": "pricing:" + operation})
        if operation != "GetProducts":
            raise AwsError("InvalidParameterException", f"{operation} is not served by the test environment")
        reply = get_products(self.catalog, credential_scope(environ)[1], json.loads(body or b"{}"))
        data = json.dumps(reply).encode()
        start_response("200 OK", [("Content-Type", "application/x-amz-json-1.1"),
                                  ("x-amzn-RequestId", str(uuid.uuid4())),
                                  ("Content-Length", str(len(data)))])
        return [data]

    # --- STS -----------------------------------------------------------------------------
    def _assume_role_with_web_identity(self, params, start_response):
        """IRSA's call. AWS serves it unsigned (the web identity token is the credential), but
        moto with IAM auth on rejects every unsigned request, so it is answered here from
        moto's own STS backend: the temporary keys it returns are ones moto's auth accepts,
        with the role's policies. The token itself is not validated (moto never does)."""
        from moto.sts.models import sts_backends
        role_arn = params.get("RoleArn", "")
        session = params.get("RoleSessionName", "")
        token = params.get("WebIdentityToken", "")
        if not role_arn or not session or not token:
            raise AwsError("ValidationError", "RoleArn, RoleSessionName and WebIdentityToken are required", 400)
        parts = role_arn.split(":")
        if len(parts) < 6 or not parts[5].startswith("role/"):
            raise AwsError("ValidationError", f"invalid RoleArn {role_arn}", 400)
        role = sts_backends[parts[4]]["global"].assume_role_with_web_identity(
            region_name="us-east-1", role_session_name=session, role_arn=role_arn,
            policy=params.get("Policy"), duration=int(params.get("DurationSeconds") or 3600), external_id=None)
        expiration = role.expiration.strftime("%Y-%m-%dT%H:%M:%SZ")
        body = (
            '<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
            "<AssumeRoleWithWebIdentityResult><Credentials>"
            f"<AccessKeyId>{role.access_key_id}</AccessKeyId><SecretAccessKey>{role.secret_access_key}</SecretAccessKey>"
            f"<SessionToken>{role.session_token}</SessionToken><Expiration>{expiration}</Expiration>"
            f"</Credentials><AssumedRoleUser><Arn>{role.arn}</Arn><AssumedRoleId>ARO0GANTRY:{session}</AssumedRoleId>"
            "</AssumedRoleUser><SubjectFromWebIdentityToken>system:serviceaccount:gantry:gantry</SubjectFromWebIdentityToken>"
            "</AssumeRoleWithWebIdentityResult><ResponseMetadata><RequestId>gantry-testenv</RequestId></ResponseMetadata>"
            "</AssumeRoleWithWebIdentityResponse>")
        start_response("200 OK", [("Content-Type", "text/xml"), ("Content-Length", str(len(body)))])
        return [body.encode()]

    # --- helpers -------------------------------------------------------------------------
    def _authenticate(self, environ, body, params, action):
        """Moto's own SigV4 + IAM policy check; raises AwsError as AWS would answer."""
        if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
            return
        headers = EnvironHeaders(environ)
        if "Authorization" not in headers:
            raise AwsError("AuthFailure", "AWS was not able to validate the provided access credentials", 401)
        try:
            req = IAMRequest(account_id=get_account_id_from(credential_scope(environ)[0]),
                             method=environ["REQUEST_METHOD"], path=request_path(environ), data=params,
                             body=body, headers=headers, action=action)
            req.check_signature()
            req.check_action_permitted("*")
        except Exception as e:  # moto's auth errors carry error_type/message/code
            if hasattr(e, "error_type"):
                raise AwsError(e.error_type, e.message, e.code)
            raise

    def _resign(self, environ, new_body):
        """Replaces the body and signs it again with the caller's (already verified) key."""
        environ["wsgi.input"] = io.BytesIO(new_body)
        environ["CONTENT_LENGTH"] = str(len(new_body))
        headers = EnvironHeaders(environ)
        auth = headers["Authorization"]
        key_id, region, service = credential_scope(environ)
        signed = auth.partition("SignedHeaders=")[2].partition(",")[0].split(";")
        account = get_account_id_from(key_id)
        creds = create_access_key(account, "aws", key_id, dict(headers)).create_credentials()
        request = AWSRequest(method=environ["REQUEST_METHOD"], url=request_path(environ), data=new_body,
                             headers={k: v for k, v in headers.items() if k.lower() in signed})
        request.context["timestamp"] = headers["X-Amz-Date"]
        signer = SigV4Auth(creds, service, region)
        signature = signer.signature(signer.string_to_sign(request, signer.canonical_request(request)), request)
        environ["HTTP_AUTHORIZATION"] = re.sub(r"Signature=[0-9a-f]+", "Signature=" + signature, auth)

    def _resolve(self, environ, itype, lt, subnet_id, zone):
        """(instance type, zone) a launch would use, reading launch template and subnet from
        moto; None for what the request leaves open."""
        key_id, region, _ = credential_scope(environ)
        backend = ec2_backends[get_account_id_from(key_id)][region]
        data = {}
        if lt.get("LaunchTemplateId") or lt.get("LaunchTemplateName"):
            try:
                template = (backend.get_launch_template(lt["LaunchTemplateId"]) if lt.get("LaunchTemplateId")
                            else backend.get_launch_template_by_name(lt["LaunchTemplateName"]))
                data = template.get_version(lt.get("Version") or "$Default").data
            except Exception:  # unknown template: moto will answer the request itself
                data = {}
        itype = itype or data.get("InstanceType")
        zone = zone or (data.get("Placement") or {}).get("AvailabilityZone")
        subnet_id = subnet_id or next((n.get("SubnetId") for n in data.get("NetworkInterfaces") or []
                                       if n.get("SubnetId")), None)
        if not zone and subnet_id:
            try:
                zone = backend.get_subnet(subnet_id).availability_zone
            except Exception:
                zone = None
        return itype, zone

    def _other_zones(self, region, itype, zone):
        return [z for z in self.catalog.zones_offering(region, itype) if z != zone]


def _message(code, itype=None, zone=None, lifecycle="on-demand", others=()):
    if code in ("InsufficientInstanceCapacity", "InsufficientCapacity"):
        if lifecycle == "spot":
            return "There is no Spot capacity available that matches your request."
        if zone is None:
            return (f"We currently do not have sufficient {itype} capacity in the Region you requested."
                    " Our system will be working on provisioning additional capacity.")
        tail = ""
        if others:
            tail = (f" You can currently get {itype} capacity by not specifying an Availability Zone"
                    f" in your request or choosing {', '.join(others)}.")
        return (f"We currently do not have sufficient {itype} capacity in the Availability Zone you"
                f" requested ({zone}). Our system will be working on provisioning additional"
                f" capacity.{tail}")
    if code == "RequestLimitExceeded":
        return "Request limit exceeded."
    if code == "Unsupported":
        return (f"Your requested instance type ({itype}) is not supported in your requested"
                f" Availability Zone ({zone}). Please retry your request by not specifying an"
                f" Availability Zone or choosing {', '.join(others) or 'another zone'}.")
    return f"{code} (injected by the Gantry test environment)"


def _lt_spec(params, prefix):
    return {k: params.get(prefix + k) for k in ("LaunchTemplateId", "LaunchTemplateName", "Version")
            if params.get(prefix + k)}
