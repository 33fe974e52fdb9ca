"""Holding an ordered (FIFO) batch behind a transient failure, without costing any record its last delivery.

The aggregate queue is FIFO (one message group): assignment depends on the order articles come in, so after a
record fails in a way a retry can fix (`newsdive.model.errors.is_transient`), the rest of the batch is failed
unprocessed (`OrderHeldError`) and comes back behind it, in order. Two rules keep that from losing anything:

- Only a transient failure holds. A permanent one (bad data, a missing module, a bug) fails its record alone: it
  will fail the same way on every delivery, so waiting behind it would only burn the other records' receives.
- A record is held only while holding cannot cost it its last delivery. Every delivery counts towards the queue's
  `maxReceiveCount` (the redrive policy), held or not; a record on its last delivery
  (`ApproximateReceiveCount >= maxReceiveCount`) is processed at once, out of order, rather than dead-lettered
  for another article's failure. The limit comes from the function's `MAX_RECEIVE_COUNT` setting, which the
  template keeps equal to the queue's redrive policy (a test checks); unknown, nothing is held.

The state lives in one `FifoBatch` per invocation (never module state: a warm container serves many batches).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from newsdive.model.errors import Transient, is_transient


class OrderHeldError(Transient):
    """An earlier record of this batch failed transiently: this one waits, to be processed after it."""


@dataclass
class FifoBatch:
    """One invocation's ordering state over a FIFO batch."""

    max_receive_count: int | None
    held_behind: str | None = None  # the record whose transient failure holds the rest of the batch
    held: list[str] = field(default_factory=list)
    overtaking: list[str] = field(default_factory=list)  # processed out of order: their last delivery

    def admit(self, record_id: str, receive_count: int) -> None:
        """Raise OrderHeldError when this record must wait behind an earlier transient failure."""
        if self.held_behind is None:
            return
        if self.max_receive_count is not None and receive_count < self.max_receive_count:
            self.held.append(record_id)
            raise OrderHeldError(f"held behind {self.held_behind}, which failed transiently "
                                 f"(delivery {receive_count} of {self.max_receive_count})")
        self.overtaking.append(record_id)

    def failed(self, record_id: str, exc: BaseException) -> None:
        """Note a record's failure: a transient one holds the records after it."""
        if self.held_behind is None and not isinstance(exc, OrderHeldError) and is_transient(exc):
            self.held_behind = record_id


def receive_count(record: object) -> int:
    """A record's ApproximateReceiveCount (1 when the event does not say)."""
    attributes = getattr(record, "attributes", None)
    value = getattr(attributes, "ApproximateReceiveCount", None) or getattr(
        attributes, "approximate_receive_count", None)
    try:
        return int(value) if value is not None else 1
    except (TypeError, ValueError):
        return 1
