"""Turning a uow's event into a request entry: standard tags, compression, size check, claim check."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..errors import AwsValidationError
from ..utils.compression import DEFAULT_COMPRESSION_THRESHOLD, compress
from ..utils.json import dumps
from ..utils.tags import standard_tagger
from ._batched import entry_size
from ._common import Uow, env_number
from .claim_check import ClaimCheckStore

MakeEntry = Callable[[Mapping[str, Any], str], dict[str, Any]]
# Returns why the service would reject an entry (it fails that uow alone), or None when it is fine.
ValidateEntry = Callable[[dict[str, Any]], str | None]


def compression_threshold(opt: Mapping[str, Any]) -> int:
    value = opt.get("compression_threshold")
    if value is None:
        return env_number(("COMPRESSION_THRESHOLD",), DEFAULT_COMPRESSION_THRESHOLD)
    return int(value)


def event_to_entry(
    opt: Mapping[str, Any],
    *,
    event_field: str,
    entry_field: str,
    make_entry: MakeEntry,
    max_entry_bytes: int,
    claim_check: ClaimCheckStore | None,
    tag: bool = True,
    validate: ValidateEntry | None = None,
) -> Callable[[Uow], Uow]:
    """A map step putting ``make_entry(event, body)`` on each uow that has an event.

    The event gets the standard tags (kept on the uow, as JS does) and is serialized with
    compression. An entry over ``max_entry_bytes`` is replaced by a claim-check stub when a bucket
    is configured, else the uow fails with ``AwsValidationError`` (the service would reject it).
    So does an entry ``validate`` finds malformed (say, no ``DetailType``): checked here, one uow
    at a time, it fails its own uow instead of the whole batch call.
    """
    threshold = compression_threshold(opt)
    ignore = tuple(opt.get("compression_ignore") or ())
    tagger = standard_tagger() if tag else None

    def to_entry(uow: Uow) -> Uow:
        event = uow.get(event_field)
        if not event:
            return uow
        if tagger is not None:
            event = tagger(event, uow.get("pipeline"))
        body = dumps(compress(event, threshold, ignore) if threshold > 0 else event)
        entry = make_entry(event, body)
        if validate is not None:
            problem = validate(entry)
            if problem is not None:
                raise AwsValidationError(problem, code="InvalidArgument", uow=uow)
        size = entry_size(entry)
        if size <= max_entry_bytes:
            return {**uow, event_field: event, entry_field: entry}
        if claim_check is None:
            raise AwsValidationError(
                f"Request size: {size}, exceeded max: {max_entry_bytes}", code="RequestSizeExceeded", uow=uow
            )
        stub, put = claim_check.check(event, body)
        return {
            **uow,
            event_field: event,
            entry_field: make_entry(event, dumps(stub)),
            claim_check.request_field: put,
        }

    return to_entry
