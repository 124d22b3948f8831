"""The shape every batch-API sink shares (EventBridge, Kinesis, Firehose, SQS).

``uows -> batch(n) -> split by bytes -> send up to `parallel` batches at once -> one outcome per uow``.
Each uow carries its request entry (or none: missing, ``None`` or empty, it passes through
untouched). A batch call returns a ``BatchResult``; an entry still failed after the connector's
retries becomes an error value (a ``Failure``) for its own uow only, the others are adorned with
their entry's response. A call that fails as a whole fails its uows together: one error whose
``uow`` is ``{"batch": [...]}`` (as in JS).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from .._steps import Uow
from ..core import Failure
from ..errors import BatchEntriesFailedError
from ..faults.wrap import attach_uow
from ..utils.json import utf8_size

if TYPE_CHECKING:
    from ..connectors.batch import BatchResult
    from ..core import Stream
    from .claim_check import ClaimCheckStore


def entry_size(entry: Any) -> int:
    """Bytes an entry weighs on the wire: its text and binary values (UTF-8), at any depth.

    Iterative (a deeply nested entry cannot exhaust the stack) and never raises.
    """
    total = 0
    stack = [entry]
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            total += utf8_size(value)
        elif isinstance(value, bytes | bytearray):
            total += len(value)
        elif isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list | tuple):
            stack.extend(value)
    return total


def batches_by_size(
    uows: list[Uow], size_of: Callable[[Uow], int | None], max_count: int, max_bytes: int
) -> list[list[Uow]]:
    """Split a batch greedily so each part holds at most ``max_count`` entries and ``max_bytes``.

    ``size_of(uow)`` is the uow's entry size, or ``None`` when it has no entry (it rides along
    with its neighbours and counts for nothing).
    """
    out: list[list[Uow]] = []
    part: list[Uow] = []
    count = total = 0
    for uow in uows:
        size = size_of(uow)
        if size is not None:
            if part and (count + 1 > max_count or total + size > max_bytes):
                out.append(part)
                part, count, total = [], 0, 0
            count += 1
            total += size
        part.append(uow)
    if part:
        out.append(part)
    return out


def batched_sink(
    *,
    entry_field: str,
    request_field: str,
    request: Callable[[list[Any]], dict[str, Any]],
    response_field: str,
    batch_size: int,
    max_batch_bytes: int,
    parallel: int,
    call: Callable[[list[Any]], Awaitable[BatchResult]],
    claim_check: ClaimCheckStore | None = None,
    size: Callable[[Any], int] = entry_size,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
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

    async def send(batch: list[Uow]) -> list[Uow | Failure]:
        outcomes: list[Uow | Failure] = list(batch)
        idx = [i for i, uow in enumerate(batch) if uow.get(entry_field)]
        if idx and claim_check is not None:
            idx = await claim_check.store(batch, idx, outcomes)
        if not idx:
            return outcomes
        entries = [batch[i][entry_field] for i in idx]
        try:
            result = await call(entries)
        except Exception as e:
            # the call failed as a whole: one error for the uows it carried, in the first one's place
            sent = set(idx)
            failure = Failure(attach_uow(e, {"batch": [batch[i] for i in idx]}))
            return [
                failure if i == idx[0] else o for i, o in enumerate(outcomes) if i == idx[0] or i not in sent
            ]
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
                outcomes[i] = Failure(err)
            else:
                resp = responses[j] if j < len(responses) else None
                outcomes[i] = {**batch[i], request_field: req, response_field: resp}
        return outcomes

    def spread(outcomes: list[Uow | Failure]) -> list[Uow | Failure]:
        return outcomes  # uows and error values, spliced in their places

    def step(s: Stream[Uow]) -> Stream[Uow]:
        out: Stream[Uow] = s.batch(batch_size).flat_map(split).map(send, parallel=parallel).flat_map(spread)
        return out

    return step
