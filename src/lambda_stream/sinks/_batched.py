"""The shape every batch-API sink shares (EventBridge, Kinesis, Firehose, SQS).

``uows -> batch(n) -> split by bytes -> send up to `parallel` batches at once -> one outcome per uow``.
Each uow carries its request entry (or none: missing, ``None`` or empty, it passes through untouched). A batch call returns a
``BatchResult``; an entry still failed after the connector's retries becomes an error value for
its own uow only, the others are adorned with their entry's response. A call that fails as a
whole fails its uows together: one error whose ``uow`` is ``{"batch": [...]}`` (as in JS).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from ..errors import BatchEntriesFailedError
from ..faults.wrap import attach_uow
from ._common import Raise, Uow, batches_by_size, splice, unwrap

if TYPE_CHECKING:
    from ..core import Stream
    from .claim_check import ClaimCheckStore

_DROP = object()


def entry_size(entry: Any) -> int:
    """Bytes an entry weighs on the wire: its text and binary values (UTF-8), recursively."""
    if isinstance(entry, str):
        return len(entry) if entry.isascii() else len(entry.encode("utf-8"))
    if isinstance(entry, bytes | bytearray):
        return len(entry)
    if isinstance(entry, dict):
        return sum(entry_size(v) for v in entry.values())
    if isinstance(entry, list | tuple):
        return sum(entry_size(v) for v in entry)
    return 0


def batched_sink(
    *,
    entry_field: str,
    request_field: str,
    request: Callable[[list[Any]], dict[str, Any]],
    response_field: str,
    batch_size: int,
    max_batch_bytes: int,
    parallel: int,
    call: Callable[[list[Any]], Awaitable[Any]],
    claim_check: ClaimCheckStore | None = None,
    size: Callable[[Any], int] = entry_size,
) -> Callable[[Stream[Any]], Stream[Any]]:
    """The batching, sending and fault-splitting steps after each uow got its entry.

    ``request(entries)`` is the batch's request as put on each uow (``request_field``),
    ``call(entries)`` sends them and returns a ``BatchResult``, ``size(entry)`` is what an entry
    weighs against ``max_batch_bytes``. A uow whose entry is missing, ``None`` or empty has no
    request: it rides along with its batch and passes through untouched.
    """

    def size_of(uow: Uow) -> int | None:
        entry = uow.get(entry_field)
        return size(entry) if entry else None

    def split(batch: list[Uow]) -> list[list[Uow]]:
        return batches_by_size(batch, size_of, batch_size, max_batch_bytes)

    async def send(batch: list[Uow]) -> list[Any]:
        outcomes: list[Any] = list(batch)
        idx = [i for i, uow in enumerate(batch) if uow.get(entry_field)]
        if idx and claim_check is not None:
            idx = await claim_check.store(batch, idx, outcomes)
        if not idx:
            return outcomes
        entries = [batch[i][entry_field] for i in idx]
        try:
            result = await call(entries)
        except Exception as e:
            outcomes[idx[0]] = Raise(attach_uow(e, {"batch": [batch[i] for i in idx]}))
            for i in idx[1:]:
                outcomes[i] = _DROP
            return [o for o in outcomes if o is not _DROP]
        req = request(entries)
        failed = {f.index: f for f in result.failed}
        responses = result.responses
        for j, i in enumerate(idx):
            f = failed.get(j)
            if f is not None:
                err = BatchEntriesFailedError(
                    f"entry failed after retries: {f.code}: {f.message}",
                    failed=[f],
                    code=f.code,
                    uow=batch[i],
                )
                outcomes[i] = Raise(err)
            else:
                resp = responses[j] if j < len(responses) else None
                outcomes[i] = {**batch[i], request_field: req, response_field: resp}
        return outcomes

    # Typed loosely: Stream.map's MaybeAwaitable[U] does not infer U from an async function.
    send_: Callable[[Any], Any] = send

    def step(s: Stream[Any]) -> Stream[Any]:
        return s.batch(batch_size).flat_map(split).map(send_, parallel=parallel).flat_map(splice).map(unwrap)

    return step
