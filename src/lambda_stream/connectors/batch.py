"""The batch protocol: selective retry of the failed entries of a batch API call.

Batch APIs (EventBridge, Kinesis, Firehose, SQS, SNS, DynamoDB BatchGetItem / BatchWriteItem)
report failures per entry; they share ``send_batch_with_retries``, which resends only the failed
entries with exponential backoff and full jitter, and reports the entries still failing by their
original index.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ..errors import ConnectorError, ThrottledError
from .aws_errors import is_retryable_code

__all__ = [
    "BatchResult",
    "EntryError",
    "FailedEntry",
    "aligned_outcomes",
    "backoff_delay",
    "entry_error",
    "outcomes_by_id",
    "send_batch_with_retries",
]

E = TypeVar("E")

# ---------------------------------------------------------------------------------------------
# Batch APIs: selective retry of failed entries
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FailedEntry:
    """An entry of a batch that still failed after the retries; ``index`` is its input position."""

    index: int
    code: str
    message: str


@dataclass(frozen=True)
class EntryError:
    """What a batch ``send`` function returns in place of a response for an entry that failed."""

    code: str
    message: str = ""
    retryable: bool = True


@dataclass(frozen=True)
class BatchResult:
    """Per input entry, in input order: its response, or ``None`` if it failed (see ``failed``)."""

    responses: list[dict[str, Any] | None]
    failed: list[FailedEntry]

    @property
    def ok(self) -> bool:
        return not self.failed


SendBatch = Callable[[list[E]], Awaitable[Sequence[dict[str, Any] | EntryError]]]


def backoff_delay(
    attempt: int, base: float, cap: float = 5.0, rng: Callable[[], float] = random.random
) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**attempt))."""
    return rng() * min(cap, base * 2.0**attempt)


def entry_error(code: str | None, message: str | None, *, sender_fault: bool = False) -> EntryError:
    """An ``EntryError`` for a per-entry failure; sender faults and permanent codes are not retried."""
    c = code or "UnknownError"
    return EntryError(c, message or "", retryable=not sender_fault and is_retryable_code(c))


async def send_batch_with_retries(
    entries: Sequence[E],
    send: SendBatch[E],
    *,
    max_retries: int = 8,
    base_delay: float = 0.05,
    max_delay: float = 5.0,
    sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    rng: Callable[[], float] = random.random,
) -> BatchResult:
    """Send ``entries``; resend only the failed, retryable ones, up to ``max_retries`` times.

    ``send(sub)`` sends a sub-list and returns one outcome per entry of it, in order: the entry's
    response dict, or an ``EntryError``. A whole-request ``ThrottledError`` counts as every
    pending entry failing with that code. Any other exception (or an answer of the wrong length)
    on the **first** attempt propagates: nothing was sent, the caller fails the batch. On a
    retry, some entries were already accepted, so it only fails the entries still pending (they
    are listed in ``failed``, not retried further) and the accepted ones keep their responses.
    A failed entry is never counted as sent: its response stays ``None`` and it is in ``failed``.
    """
    responses: list[dict[str, Any] | None] = [None] * len(entries)
    failures: dict[int, FailedEntry] = {}
    pending = list(range(len(entries)))
    attempt = 0
    while pending:
        batch = [entries[i] for i in pending]
        try:
            try:
                outcomes: Sequence[dict[str, Any] | EntryError] = await send(batch)
            except ThrottledError as e:
                outcomes = [EntryError(e.code or "ThrottlingException", str(e))] * len(batch)
            if len(outcomes) != len(batch):
                raise ConnectorError(
                    f"batch send returned {len(outcomes)} outcomes for {len(batch)} entries",
                    code="InvalidResponse",
                )
        except Exception as e:
            if attempt == 0:
                raise
            code = getattr(e, "code", None) or type(e).__name__
            for index in pending:
                failures[index] = FailedEntry(index, str(code), str(e))
            break
        retry: list[int] = []
        for index, outcome in zip(pending, outcomes, strict=True):
            if isinstance(outcome, EntryError):
                failures[index] = FailedEntry(index, outcome.code, outcome.message)
                if outcome.retryable:
                    retry.append(index)
            else:
                responses[index] = outcome
                failures.pop(index, None)
        if not retry or attempt >= max_retries:
            break
        await sleep(backoff_delay(attempt, base_delay, max_delay, rng))
        attempt += 1
        pending = retry
    return BatchResult(responses=responses, failed=[failures[i] for i in sorted(failures)])


def aligned_outcomes(items: Sequence[dict[str, Any]], sent: int) -> list[dict[str, Any] | EntryError]:
    """Outcomes of a batch API whose response lists one item per entry, in order, with ``ErrorCode``
    on the failed ones (EventBridge ``Entries``, Kinesis ``Records``, Firehose ``RequestResponses``)."""
    if len(items) != sent:
        raise ConnectorError(f"the response lists {len(items)} entries for {sent} sent")
    return [
        entry_error(item["ErrorCode"], item.get("ErrorMessage")) if item.get("ErrorCode") else item
        for item in items
    ]


def outcomes_by_id(response: dict[str, Any], ids: Sequence[str]) -> list[dict[str, Any] | EntryError]:
    """Outcomes of a batch API that answers with ``Successful`` / ``Failed`` lists keyed by ``Id``
    (SQS ``SendMessageBatch``, SNS ``PublishBatch``); an ``Id`` in neither list is a retryable failure."""
    by_id: dict[str, dict[str, Any] | EntryError] = {}
    for ok in response.get("Successful") or []:
        by_id[ok["Id"]] = ok
    for bad in response.get("Failed") or []:
        by_id[bad["Id"]] = entry_error(
            bad.get("Code"), bad.get("Message"), sender_fault=bool(bad.get("SenderFault"))
        )
    return [by_id.get(i, EntryError("MissingResponse", f"no result for entry {i!r}")) for i in ids]
