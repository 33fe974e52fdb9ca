"""infra/template.yaml loaded (with its intrinsic-function tags) and translated by the SAM translator, as `sam
package` would, with each function's code located."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import boto3

from newsdive_tools.local.stack import DEFAULT_STACK_NAME, StackDeployError

# ----------------------------------------------------------------------------------------------------
# Template loading and translation


def load_template(template_path: Path) -> dict[str, Any]:
    """Parse a CloudFormation/SAM YAML template, short-form intrinsics (`!Ref`, `!GetAtt`, `!Sub`) included.

    Uses samtranslator's intrinsics constructor on a private loader, so yaml.SafeLoader stays untouched.
    """
    import yaml
    from samtranslator.yaml_helper import intrinsics_multi_constructor

    class _TemplateLoader(yaml.SafeLoader):
        pass

    _TemplateLoader.add_multi_constructor("!", intrinsics_multi_constructor)
    with Path(template_path).open(encoding="utf-8") as stream:
        template = yaml.load(stream, Loader=_TemplateLoader)  # noqa: S506 - a SafeLoader subclass
    if not isinstance(template, dict) or "Resources" not in template:
        raise StackDeployError(f"{template_path} is not a CloudFormation template (no Resources)")
    return template


def code_resources(template: Mapping[str, Any]) -> dict[str, tuple[str, str]]:
    """SAM resources that carry local code: logical id -> (property name, local path as written)."""
    found: dict[str, tuple[str, str]] = {}
    for logical_id, resource in template["Resources"].items():
        props = resource.get("Properties") or {}
        if resource.get("Type") == "AWS::Serverless::Function" and isinstance(props.get("CodeUri"), str):
            found[logical_id] = ("CodeUri", props["CodeUri"])
        elif resource.get("Type") == "AWS::Serverless::LayerVersion" and isinstance(
            props.get("ContentUri"), str
        ):
            found[logical_id] = ("ContentUri", props["ContentUri"])
    return found


def _translate(
    sam_template: dict[str, Any],
    code_uris: Mapping[str, str],
    parameters: Mapping[str, str],
    session: boto3.session.Session,
) -> dict[str, Any]:
    from samtranslator.metrics.metrics import DummyMetricsPublisher, Metrics
    from samtranslator.parser.parser import Parser
    from samtranslator.translator.translator import Translator

    template = copy.deepcopy(sam_template)
    for logical_id, (prop, _local) in code_resources(template).items():
        template["Resources"][logical_id]["Properties"][prop] = code_uris.get(
            logical_id, f"s3://{DEFAULT_STACK_NAME}-artifacts/{logical_id}.zip"
        )
    # An empty managed-policy map: SAM then never asks IAM for the ARNs of managed policies.
    metrics = Metrics("ServerlessTransform", DummyMetricsPublisher())
    translator = Translator(managed_policy_map={}, sam_parser=Parser(), boto_session=session, metrics=metrics)
    try:
        return translator.translate(template, parameter_values=dict(parameters))
    except Exception as exc:  # samtranslator raises its own hierarchy; keep its messages
        causes = "; ".join(str(getattr(c, "message", c)) for c in getattr(exc, "causes", []))
        raise StackDeployError(f"SAM translation failed: {exc} {causes}".strip()) from exc
    finally:
        metrics.publish()  # to the dummy publisher; otherwise samtranslator logs "unpublished metrics"


def translate_template(
    template_path: Path,
    code_uris: Mapping[str, str] | None = None,
    *,
    parameters: Mapping[str, str] | None = None,
    region: str = "us-east-1",
) -> dict[str, Any]:
    """Translate the SAM template into plain CloudFormation offline (no AWS call).

    `code_uris` maps a function's or layer's logical id to an `s3://bucket/key` URI; others get placeholders.
    Tests use the result to check IAM statements, queues and alarms.
    """
    session = boto3.session.Session(region_name=region)
    return _translate(load_template(template_path), code_uris or {}, parameters or {}, session)
