"""Turning a uow's event into a request entry: standard tags, compression, size check, claim check."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .._steps import StepBuild, Uow
from ..errors import AwsValidationError
from ..faults.wrap import attach_uow
from ..utils.compression import compress
from ..utils.json import dumps
from ..utils.tags import standard_tagger
from ._batched import entry_size
from .claim_check import ClaimCheckStore, fit_entry

MakeEntry = Callable[[Mapping[str, Any], str], dict[str, Any]]
# Returns why the service would reject an entry (it fails that uow alone), or None when it is fine.
ValidateEntry = Callable[[dict[str, Any]], str | None]


def event_to_entry(
    b: StepBuild,
    *,
    event_field: str,
    entry_field: str,
    make_entry: MakeEntry,
    max_entry_bytes: int,
    claim_check: ClaimCheckStore | None,
    compression_threshold: int,
    compression_ignore: tuple[str, ...],
    tag: bool = True,
    validate: ValidateEntry | None = None,
) -> Callable[[Any], Uow]:
    """A map step putting ``make_entry(event, body)`` on each uow that has an event.

    The event gets the standard tags (kept on the uow, as JS does) and is serialized with
    compression. An entry over ``max_entry_bytes`` goes through ``fit_entry`` (a claim-check stub,
    or ``AwsValidationError``). So does an entry ``validate`` finds malformed (say, no
    ``DetailType``): checked here, one uow at a time, it fails its own uow instead of the whole
    batch call. Any error while building the entry (a value JSON cannot hold, nesting too deep)
    is that uow's error, never the invocation's.
    """
    tagger = standard_tagger() if tag else None

    def to_entry(x: Any) -> Uow:
        uow = b.uow(x)
        event = uow.get(event_field)
        if not event:
            return uow
        try:
            if tagger is not None:
                event = tagger(event, uow.get("pipeline"))
            body = dumps(
                compress(event, compression_threshold, compression_ignore)
                if compression_threshold > 0
                else event
            )
            entry = make_entry(event, body)
            if validate is not None:
                problem = validate(entry)
                if problem is not None:
                    raise AwsValidationError(problem, code="InvalidArgument", uow=uow)
            return fit_entry(
                {**uow, event_field: event},
                entry_field=entry_field,
                entry=entry,
                size=entry_size(entry),
                max_bytes=max_entry_bytes,
                claim_check=claim_check,
                event=event,
                body=body,
                remake=lambda stub: make_entry(event, stub),
            )
        except Exception as e:
            raise attach_uow(e, uow) from e.__cause__

    return to_entry
