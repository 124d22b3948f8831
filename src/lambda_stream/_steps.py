"""The plumbing every sink and query shares: build-time options, the typed connector, per-uow calls.

Layer: below ``sinks`` and ``queries`` (both import it), above ``connectors`` (imported only when a
step builds its own connector, so a step given one never loads connector code).

A step is built once (``update_dynamodb(**opt)``): ``StepBuild`` resolves its ``env(...)``
defaults from one ``Settings``, checks each option's type (a wrong one is a
``ConfigurationError`` naming the step and the option) and finds its connector. While it runs,
``StepBuild.uow`` refuses an element that is not a uow (a map step before it returned None) and
``StepBuild.request`` refuses a uow that carries its request under the JS name only: both name
the step and the pipeline, and both fail the invocation (a bug to fix, not a record to set aside).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from .config import Settings, flag, positive_int, text
from .errors import ConfigurationError
from .faults.wrap import attach_uow

if TYPE_CHECKING:
    from .connectors.protocols import (
        DynamoDBApi,
        EventBridgeApi,
        FirehoseApi,
        KinesisApi,
        LambdaApi,
        S3Api,
        SnsApi,
        SqsApi,
    )
    from .core import Stream

__all__ = [
    "DYNAMODB",
    "EVENT_BRIDGE",
    "FIREHOSE",
    "KINESIS",
    "LAMBDA",
    "S3",
    "SNS",
    "SQS",
    "ConnectorSpec",
    "StepBuild",
    "Uow",
    "js_name",
    "per_uow_step",
]

Uow = dict[str, Any]
P = TypeVar("P")
P_co = TypeVar("P_co", covariant=True)

KIB = 1024
BATCH_MAX_RETRIES = 8
SHARED_POOL = 64  # requests in flight a connector made by a step allows, for all its steps together

# Connector constructor options a step passes through when it builds its own connector.
_CONNECTOR_OPTIONS = ("region", "endpoint_url", "timeout", "max_attempts", "retry_mode", "retry_base_delay")


@dataclass(frozen=True)
class ConnectorSpec(Generic[P_co]):
    """Where a service's connector class lives; loaded on first use (no connector code at import)."""

    module: str
    name: str

    def load(self) -> Callable[..., P_co]:
        import importlib

        cls: Callable[..., P_co] = getattr(importlib.import_module(self.module), self.name)
        return cls


DYNAMODB: ConnectorSpec[DynamoDBApi] = ConnectorSpec("lambda_stream.connectors.dynamodb", "DynamoDBConnector")
EVENT_BRIDGE: ConnectorSpec[EventBridgeApi] = ConnectorSpec(
    "lambda_stream.connectors.event_bridge", "EventBridgeConnector"
)
FIREHOSE: ConnectorSpec[FirehoseApi] = ConnectorSpec("lambda_stream.connectors.firehose", "FirehoseConnector")
KINESIS: ConnectorSpec[KinesisApi] = ConnectorSpec("lambda_stream.connectors.kinesis", "KinesisConnector")
LAMBDA: ConnectorSpec[LambdaApi] = ConnectorSpec("lambda_stream.connectors.lambda_", "LambdaConnector")
S3: ConnectorSpec[S3Api] = ConnectorSpec("lambda_stream.connectors.s3", "S3Connector")
SNS: ConnectorSpec[SnsApi] = ConnectorSpec("lambda_stream.connectors.sns", "SnsConnector")
SQS: ConnectorSpec[SqsApi] = ConnectorSpec("lambda_stream.connectors.sqs", "SqsConnector")

_WORD = re.compile(r"_([a-z0-9])")


def js_name(field: str) -> str:
    """The JS library's name of a uow field: ``update_request`` -> ``updateRequest``."""
    return _WORD.sub(lambda m: m.group(1).upper(), field)


class StepBuild:
    """What a step knows while it is built and run: its name, its pipeline, the settings."""

    __slots__ = ("pipeline", "settings", "shared", "step")

    def __init__(self, step: str, shared: Mapping[str, Any]) -> None:
        self.step = step
        self.shared = shared
        pipeline = shared.get("id") or shared.get("pipeline")
        self.pipeline = pipeline if isinstance(pipeline, str) else None
        settings = shared.get("settings")
        if settings is None:
            settings = Settings.from_env()
        elif not isinstance(settings, Settings):
            raise ConfigurationError(
                f"{step}: settings must be a lambda_stream.config.Settings, got {type(settings).__name__}"
            )
        self.settings: Settings = settings

    # -- options, resolved and checked once -------------------------------------------------
    def count(self, name: str, value: Any, *, minimum: int = 1) -> int:
        """An int option of at least ``minimum`` (an ``env(...)`` default read from the settings)."""
        resolved = self.settings.resolve(value)
        if minimum == 1:
            return positive_int(self.step, name, resolved)
        if isinstance(resolved, bool) or not isinstance(resolved, int) or resolved < minimum:
            raise ConfigurationError(f"{self.step}: {name} must be an integer >= {minimum}, got {resolved!r}")
        return resolved

    def text(self, name: str, value: Any) -> str | None:
        return text(self.step, name, self.settings.resolve(value))

    def required(self, name: str, value: Any, what: str) -> str:
        """A text option the step cannot run without: missing, it fails now, naming the option."""
        resolved = self.text(name, value)
        if resolved is None:
            raise ConfigurationError(f"{self.step}: no {name!r} option and {what} is not set")
        return resolved

    def field(self, name: str, value: Any) -> str:
        """The name of a uow field: a non-empty string."""
        if not isinstance(value, str) or not value:
            raise ConfigurationError(f"{self.step}: {name} must be a non-empty string, got {value!r}")
        return value

    def flag(self, name: str, value: Any) -> bool:
        return flag(self.step, name, value)

    def function(self, name: str, value: Any) -> Callable[..., Any] | None:
        if value is None:
            return None
        if not callable(value):
            raise ConfigurationError(f"{self.step}: {name} must be a function, got {value!r}")
        fn: Callable[..., Any] = value
        return fn

    def names(self, name: str, value: Any) -> tuple[str, ...]:
        if value is None:
            return ()
        if isinstance(value, str) or not isinstance(value, Iterable):
            raise ConfigurationError(f"{self.step}: {name} must be a list of field names, got {value!r}")
        return tuple(value)

    def connector(
        self,
        spec: ConnectorSpec[P],
        given: P | None,
        parallel: int,
        *,
        needs: tuple[str, ...],
        key: str = "connector",
    ) -> P:
        """The step's connector: ``given`` (checked), else one from the handler's ``connectors``
        cache, else a new one. A given connector must have the methods the step calls and room
        for its ``parallel``."""
        if given is not None:
            missing = [m for m in needs if not callable(getattr(given, m, None))]
            if isinstance(given, type):
                raise ConfigurationError(
                    f"{self.step}: {key} is the class {given.__name__}, not a connector: pass an instance,"
                    f" {key}={given.__name__}(...)"
                )
            if missing:
                raise ConfigurationError(
                    f"{self.step}: {key} {type(given).__name__} has no {', '.join(missing)}()"
                    f" (it must provide {spec.name}'s methods)"
                )
            capacity = getattr(given, "parallel", None)
            if isinstance(capacity, int) and not isinstance(capacity, bool) and capacity < parallel:
                raise ConfigurationError(
                    f"{self.step}: {type(given).__name__} runs {capacity} requests at once but the step"
                    f" asks for parallel={parallel}: build the connector with parallel={parallel} or more"
                )
            cache = self.shared.get("connectors")
            track = getattr(cache, "track", None)
            if callable(track):  # the handler waits for its calls in flight at the deadline too
                track(given)
            return given
        cls = spec.load()
        kwargs: dict[str, Any] = {
            k: self.shared[k] for k in _CONNECTOR_OPTIONS if self.shared.get(k) is not None
        }
        # A connector made here may be shared (through ``connectors``) by every step of the
        # handler that talks to its service: its pool is a ceiling for all of them together, each
        # step's own ``parallel`` is what limits it. Threads and connections only open when used.
        kwargs["parallel"] = max(parallel, SHARED_POOL)
        retries = self.shared.get("max_retries")
        kwargs["max_retries"] = (
            self.settings.first(("BATCH_MAX_RETRIES",), BATCH_MAX_RETRIES)
            if retries is None
            else positive_int(self.step, "max_retries", retries)
        )
        cache = self.shared.get("connectors")
        if cache is not None:
            from .connectors.base import ConnectorCache

            if not isinstance(cache, ConnectorCache):
                raise ConfigurationError(
                    f"{self.step}: connectors must be a ConnectorCache, got {type(cache).__name__}"
                )
            connector: P = cache.get(cast(type[P], cls), **kwargs)
            return connector
        return cls(**kwargs)

    # -- what the step checks while it runs -------------------------------------------------
    def where(self) -> str:
        return f"{self.step} (pipeline {self.pipeline!r})" if self.pipeline else self.step

    def uow(self, x: Any) -> Uow:
        """``x`` if it is a uow; anything else is the bug of a step before this one."""
        if isinstance(x, dict):
            return x
        shown = repr(x)
        shown = shown if len(shown) <= 80 else shown[:77] + "..."
        raise ConfigurationError(
            f"{self.where()}: expected a uow (a dict), got {type(x).__name__} {shown}:"
            " a step before it returned that (a map step must return the uow, e.g. {**uow, ...})"
        )

    def mapping(self, uow: Uow, field: str, value: Any) -> None:
        """A request must be a dict (the AWS API's parameters): anything else is the pipeline's bug."""
        if not isinstance(value, dict):
            raise ConfigurationError(
                f"{self.where()}: uow[{field!r}] must be a dict of request parameters, got"
                f" {type(value).__name__}"
            )

    def request(self, uow: Uow, field: str, aliases: tuple[str, ...] = ()) -> Any:
        """``uow[field]``; missing while the JS name of it is there, a ``ConfigurationError``."""
        req = uow.get(field)
        if req is None:
            for other in (js_name(field), *aliases):
                if other != field and uow.get(other) is not None:
                    raise ConfigurationError(
                        f"{self.where()}: the uow has {other!r} (the JS name) but no {field!r}:"
                        f" put the request on uow[{field!r}]"
                    )
        return req


def per_uow_step(
    build: StepBuild,
    request_field: str,
    response_field: str,
    parallel: int,
    invoke: Callable[[Any, Uow], Awaitable[Any]],
    *,
    is_empty: Callable[[Any], bool] | None = None,
    aliases: tuple[str, ...] = (),
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """A step calling ``await invoke(request, uow)`` for each uow with a request, ``parallel`` at once.

    The response goes on ``response_field``; a uow without a request (missing, ``None`` or empty,
    or one ``is_empty`` says asks for nothing) passes through untouched; an error becomes that
    uow's error value (``err.uow`` set).
    """

    async def run(x: Any) -> Uow:
        uow = build.uow(x)
        req = build.request(uow, request_field, aliases)
        if not req or (is_empty is not None and is_empty(req)):
            return uow
        build.mapping(uow, request_field, req)
        try:
            resp = await invoke(req, uow)
        except Exception as e:
            raise attach_uow(e, uow) from e.__cause__
        return {**uow, response_field: resp}

    def step(s: Stream[Uow]) -> Stream[Uow]:
        return s.map(run, parallel=parallel)

    return step


def with_table(table: str | None, req: Any, step: str) -> Any:
    """A DynamoDB request with the step's table, unless it names its own; neither is a
    configuration error (it fails the invocation instead of faulting every record)."""
    if table is None:
        if not req.get("TableName"):
            raise ConfigurationError(
                f"{step}: no 'table_name' option, ENTITY_TABLE_NAME / EVENT_TABLE_NAME are not set"
                " and the request has no TableName"
            )
        return req
    return {"TableName": table, **req}
