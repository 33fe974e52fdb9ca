"""Scheduled maintenance events (EventBridge Scheduler input): recognising them and reading their depth."""

from __future__ import annotations


def is_scheduled(event: object, *sources: str) -> bool:
    """An event from the schedule with one of these sources, rather than an SQS or stream batch."""
    return isinstance(event, dict) and "Records" not in event and event.get("source") in sources


def detail_depth(event: dict, default: int) -> int:
    """`detail.depth` as a positive int; the default when absent or not a number."""
    detail = found if isinstance(found := event.get("detail"), dict) else {}
    try:
        return max(1, int(detail.get("depth", default)))
    except (TypeError, ValueError):
        return default
