"""CloudFormation intrinsic functions (Ref, GetAtt, Sub, Join, If...) resolved against the stack deployed on moto."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from newsdive_tools.local.stack import StackDeployError

# ----------------------------------------------------------------------------------------------------
# Intrinsic functions, resolved against the deployed stack


class _NoValue:
    """AWS::NoValue: the property disappears."""


_NO_VALUE = _NoValue()
SUB_VARIABLE = re.compile(r"\$\{([^}]+)\}")


class Resolver:
    """Resolves Ref/GetAtt/Sub/Join/If/Select/Split/FindInMap and Conditions against physical ids.

    Attributes are derived from the physical id where AWS's naming makes that exact (queue ARN from its
    URL) and otherwise read from the moto server once (a table's stream ARN).
    """

    def __init__(
        self,
        template: Mapping[str, Any],
        parameters: Mapping[str, str],
        pseudo: Mapping[str, str],
        physical_ids: Mapping[str, str],
        attribute: Callable[[str, str, str, str], str],
    ) -> None:
        self._template = template
        self._parameters = parameters
        self._pseudo = pseudo
        self._physical = physical_ids
        self._attribute = attribute
        self._conditions: dict[str, bool] = {}

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            definition = (self._template.get("Conditions") or {}).get(name)
            if definition is None:
                raise StackDeployError(f"unknown condition {name!r}")
            self._conditions[name] = bool(self._evaluate_condition(definition))
        return self._conditions[name]

    def resource_enabled(self, resource: Mapping[str, Any]) -> bool:
        name = resource.get("Condition")
        return True if name is None else self.condition(name)

    def _evaluate_condition(self, node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            ((key, value),) = node.items()
            if key == "Condition":
                return self.condition(value)
            if key == "Fn::Equals":
                left, right = (self.resolve(v) for v in value)
                return str(left) == str(right)
            if key == "Fn::Not":
                return not self._evaluate_condition(value[0])
            if key == "Fn::And":
                return all(self._evaluate_condition(v) for v in value)
            if key == "Fn::Or":
                return any(self._evaluate_condition(v) for v in value)
        return self.resolve(node)

    def resolve(self, node: Any) -> Any:
        if isinstance(node, list):
            items = [self.resolve(v) for v in node]
            return [v for v in items if v is not _NO_VALUE]
        if not isinstance(node, dict):
            return node
        if len(node) == 1:
            ((key, value),) = node.items()
            handler = self._INTRINSICS.get(key)
            if handler is not None:
                return handler(self, value)
        resolved = {k: self.resolve(v) for k, v in node.items()}
        return {k: v for k, v in resolved.items() if v is not _NO_VALUE}

    def ref(self, name: str) -> Any:
        if name == "AWS::NoValue":
            return _NO_VALUE
        if name in self._pseudo:
            return self._pseudo[name]
        if name in self._parameters:
            return self._parameters[name]
        if name in self._physical:
            return self._physical[name]
        raise StackDeployError(f"cannot resolve !Ref {name}")

    def get_att(self, logical_id: str, attribute: str) -> str:
        resource = self._template["Resources"].get(logical_id)
        if resource is None or logical_id not in self._physical:
            raise StackDeployError(
                f"cannot resolve !GetAtt {logical_id}.{attribute}: no such deployed resource"
            )
        return self._attribute(logical_id, resource["Type"], self._physical[logical_id], attribute)

    def _ref(self, value: Any) -> Any:
        return self.ref(self.resolve(value))

    def _get_att(self, value: Any) -> str:
        if isinstance(value, str):
            value = value.split(".", 1)
        logical_id, attribute = (self.resolve(v) for v in value)
        return self.get_att(logical_id, attribute)

    def _sub(self, value: Any) -> str:
        if isinstance(value, list):
            text, variables = value[0], {k: self.resolve(v) for k, v in value[1].items()}
        else:
            text, variables = value, {}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                return str(self.get_att(*name.split(".", 1)))
            return str(self.ref(name))

        return SUB_VARIABLE.sub(replace, text)

    def _join(self, value: Any) -> str:
        delimiter, items = value
        return str(delimiter).join(str(v) for v in self.resolve(items))

    def _if(self, value: Any) -> Any:
        name, when_true, when_false = value
        return self.resolve(when_true if self.condition(name) else when_false)

    def _select(self, value: Any) -> Any:
        index, items = value
        return self.resolve(items)[int(self.resolve(index))]

    def _split(self, value: Any) -> list[str]:
        delimiter, text = value
        return str(self.resolve(text)).split(delimiter)

    def _find_in_map(self, value: Any) -> Any:
        name, first, second = (self.resolve(v) for v in value)
        return self._template["Mappings"][name][first][second]

    _INTRINSICS: dict[str, Callable[[Resolver, Any], Any]] = {
        "Ref": _ref,
        "Fn::GetAtt": _get_att,
        "Fn::Sub": _sub,
        "Fn::Join": _join,
        "Fn::If": _if,
        "Fn::Select": _select,
        "Fn::Split": _split,
        "Fn::FindInMap": _find_in_map,
    }


def referenced_ids(node: Any) -> Iterator[str]:
    """Logical ids a template fragment refers to (Ref, GetAtt, ${X} / ${X.Attr} in Sub)."""
    if isinstance(node, list):
        for item in node:
            yield from referenced_ids(item)
    elif isinstance(node, dict):
        for key, value in node.items():
            if key == "Ref" and isinstance(value, str):
                yield value
            elif key == "Fn::GetAtt":
                yield (value.split(".", 1) if isinstance(value, str) else value)[0]
            elif key == "Fn::Sub":
                text = value[0] if isinstance(value, list) else value
                for name in SUB_VARIABLE.findall(text):
                    if not name.startswith("!"):
                        yield name.split(".", 1)[0]
                yield from referenced_ids(value[1] if isinstance(value, list) else None)
            else:
                yield from referenced_ids(value)


def logical_id_of(node: Any, attribute: str | None = None) -> str | None:
    """The logical id behind `!GetAtt X.Attr` (optionally only for that attribute) or `!Ref X`."""
    if isinstance(node, dict) and "Fn::GetAtt" in node:
        value = node["Fn::GetAtt"]
        logical_id, attr = value.split(".", 1) if isinstance(value, str) else value
        return logical_id if attribute is None or attr == attribute else None
    if isinstance(node, dict) and "Ref" in node:
        return node["Ref"]
    return None
