#!/usr/bin/env python3
"""Writes Tests/BedrockTests/Vectors/endpoints/cases.json: the Bedrock Runtime endpoint that
botocore's endpoint-ruleset resolver picks for a table of regions and FIPS/dual-stack flags,
or the error it raises. The Swift resolver must agree on every case.

Also writes partitions.json, the partition table (from botocore's partitions.json) that the
Swift code embeds, so a botocore update that changes partitions shows up as a diff here."""

import json
import os
import sys

import botocore
from botocore.hooks import HierarchicalEmitter
from botocore.loaders import create_loader
from botocore.model import ServiceModel
from botocore.regions import EndpointRulesetResolver

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "BedrockTests", "Vectors", "endpoints")

REGIONS = [
    "us-east-1", "us-west-2", "eu-west-3", "eu-central-2", "ap-southeast-2", "ap-northeast-1", "ca-central-1",
    "sa-east-1", "me-central-1", "af-south-1", "il-central-1", "mx-central-1",
    "cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1",
    "us-iso-east-1", "us-isob-east-1", "eu-isoe-west-1", "us-isof-south-1", "eusc-de-east-1",
    "aws-global", "aws-cn-global", "aws-us-gov-global", "aws-iso-global", "aws-iso-b-global",
    "xx-nowhere-1", "local",
]


_LOADER = create_loader()
_RULESET = _LOADER.load_service_model("bedrock-runtime", "endpoint-rule-set-1")
_PARTITIONS = _LOADER.load_data("partitions")
_SERVICE = ServiceModel(_LOADER.load_service_model("bedrock-runtime", "service-2"), "bedrock-runtime")


def resolve(region, fips, dualstack, endpoint_url=None):
    """Runs botocore's endpoint ruleset for bedrock-runtime, as a client does per request."""
    builtins = {"AWS::Region": region, "AWS::UseFIPS": fips, "AWS::UseDualStack": dualstack,
                "SDK::Endpoint": endpoint_url}
    resolver = EndpointRulesetResolver(
        endpoint_ruleset_data=_RULESET, partition_data=_PARTITIONS, service_model=_SERVICE,
        builtins=builtins, client_context=None, event_emitter=HierarchicalEmitter(), use_ssl=True,
        requested_auth_scheme=None)
    try:
        endpoint = resolver.construct_endpoint(operation_model=_SERVICE.operation_model("Converse"),
                                               call_args={"modelId": "m"}, request_context={})
        return {"url": endpoint.url}
    except botocore.exceptions.BotoCoreError as error:
        return {"error": str(error)}


def main():
    cases = []
    for region in REGIONS:
        for fips in (False, True):
            for dualstack in (False, True):
                cases.append({"region": region, "fips": fips, "dualstack": dualstack,
                              **resolve(region, fips, dualstack)})
    for fips, dualstack in ((False, False), (True, False), (False, True)):
        cases.append({"region": "us-east-1", "fips": fips, "dualstack": dualstack,
                      "endpoint_url": "http://127.0.0.1:8080",
                      **resolve("us-east-1", fips, dualstack, "http://127.0.0.1:8080")})
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump({"botocore": botocore.__version__, "cases": cases}, f, indent=1)
        f.write("\n")
    with open(os.path.join(OUT, "partitions.json"), "w") as f:
        json.dump(_PARTITIONS, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"wrote {len(cases)} cases (botocore {botocore.__version__})", file=sys.stderr)


if __name__ == "__main__":
    main()
