"""Turning a uow's event into a request entry: standard tags, compression, size check, claim check."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._steps import StepBuild, Uow
from ..errors import AwsValidationError
from ..faults.wrap import attach_uow
from ..utils.compression import compress
from ..utils.json import dumps
from ..utils.tags import standard_tagger
from ._batched import batched_sink, entry_size
from .claim_check import ClaimCheckStore, fit_entry

if TYPE_CHECKING:
    from collections.abc import Awaitable

    from ..connectors.batch import BatchResult
    from ..core import Stream

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


def publishing_sink(
    b: StepBuild,
    *,
    event_field: Any,
    entry_field: Any,
    request_field: Any,
    response_field: Any,
    entry_field_name: str,
    request_field_name: str,
    response_field_name: str,
    make_entry: MakeEntry,
    max_entry_bytes: int,
    batch_size: int,
    max_batch_bytes: int,
    parallel: int,
    call: Callable[[list[Any]], Awaitable[BatchResult]],
    request: Callable[[list[Any]], dict[str, Any]],
    compression_threshold: Any,
    compression_ignore: Any,
    claim_check: ClaimCheckStore | None = None,
    tag: bool = True,
    validate: ValidateEntry | None = None,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """The step of every sink that publishes events through a batch API (EventBridge, Kinesis,
    Firehose): ``event_to_entry`` on each uow, then ``batched_sink``. The ``*_field`` values are
    the sink's options (checked here, reported under their ``*_field_name``)."""
    entry_f = b.field(entry_field_name, entry_field)
    request_f = b.field(request_field_name, request_field)
    to_entry = event_to_entry(
        b,
        event_field=b.field("event_field", event_field),
        entry_field=entry_f,
        make_entry=make_entry,
        max_entry_bytes=max_entry_bytes,
        claim_check=claim_check,
        compression_threshold=b.count("compression_threshold", compression_threshold, minimum=0),
        compression_ignore=b.names("compression_ignore", compression_ignore),
        tag=tag,
        validate=validate,
    )
    send = batched_sink(
        entry_field=entry_f,
        request_field=request_f,
        request=request,
        response_field=b.field(response_field_name, response_field),
        batch_size=batch_size,
        max_batch_bytes=max_batch_bytes,
        parallel=parallel,
        call=call,
        claim_check=claim_check,
    )

    def step(s: Stream[Uow]) -> Stream[Uow]:
        return s.map(to_entry).through(send)

    return step
