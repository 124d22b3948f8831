"""Declared options: every step names the options it reads, and a near miss fails when it is built.

A step (sink, query, flavor) declares its options as keyword-only parameters with visible
defaults, plus ``**shared`` for the pipeline's options spread in (``update_dynamodb(**opt)``).
``@declares_options`` checks what lands in ``**shared`` once, when the step is built:

- a key that is an option of another step or of the pipeline (``SHARED_OPTIONS``,
  ``LIBRARY_OPTIONS``) rides along silently: it belongs to someone else;
- a key close to one of this step's options (a misspelling, another case, the JS camelCase
  ``batchSize`` / ``tableName``) raises ``ConfigurationError: update_dynamodb: unknown option
  'paralel' (did you mean 'parallel'?)``;
- a camelCase key whose snake_case form is any library option raises too (the JS name of it);
- anything else is the user's own option for their own steps, and is left alone.

Defaults that come from the environment are written ``env("UPDATE_PARALLEL", "PARALLEL",
default=4)`` in the signature (visible in ``help()``, as JS destructures ``Number(process.env.X) ||
4``) and resolved when the step is built from one ``Settings``: the pipeline's (``default_options``
puts it in the options as ``settings``), else the environment read once, then.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, cast

from .errors import ConfigurationError

__all__ = [
    "LIBRARY_OPTIONS",
    "SHARED_OPTIONS",
    "Env",
    "Settings",
    "check_options",
    "declared_options",
    "declares_options",
    "env",
    "flag",
    "positive_int",
    "suggest",
    "text",
]

F = TypeVar("F", bound=Callable[..., Any])

# Options of the pipeline as a whole (``default_options``, ``initialize``, the handler, connector
# construction) and rule fields (``initialize_from`` merges a rule over the options): they are
# spread into every step of a pipeline, so no step may reject them.
SHARED_OPTIONS: frozenset[str] = frozenset(
    {
        # pipeline / handler
        "id",
        "logger",
        "pipeline",
        "connectors",
        "debug",
        "enabled_pipelines",
        "disabled_pipelines",
        "publish",
        "faults_batch_size",
        "settings",
        # connector construction
        "region",
        "endpoint_url",
        "timeout",
        "max_attempts",
        "retry_mode",
        "retry_base_delay",
        "max_retries",
        # rule fields (DESIGN.md, "Flavors")
        "flavor",
        "event_type",
        "filters",
        "compact",
        "to_update_request",
        "to_fallback_update_request",
        "to_event",
        "to_query_request",
        "query_related",
        "to_get_request",
        "to_put_request",
        "to_delete_request",
        "to_message",
        "split_on",
        "correlation_key",
        "correlation_key_suffix",
        "ttl",
        "default_ttl",
        "expire",
        "include_raw",
        "expression",
        "emit",
        "index",
        "rate",
        "retryable",
        "skip_latched",
        # job (flavors/job.py)
        "job_filters",
        "to_scan_request",
        "to_query_split_request",
        "to_query_related_request",
        "to_cursor_update_request",
        "cursor_key_fn",
        # other flavors' own fields (cdc, update, materialize, send_messages, firehose)
        "pk_fn",
        "fks",
        "split_target_field",
        "split_on_omit_fields",
        "sns",
        "transform",
        "metadata",
    }
)

# Every option some step of the library declares. A test keeps it equal to the union of the
# declared options of the exported steps, so it cannot drift from the signatures.
LIBRARY_OPTIONS: frozenset[str] = frozenset(
    {
        "batch_get_request_field",
        "batch_get_response_field",
        "batch_size",
        "bucket_name",
        "copy_request_field",
        "copy_response_field",
        "delete_request_field",
        "delete_response_field",
        "delimiter",
        "list_request_field",
        "list_response_field",
        "query_split_request_field",
        "query_split_response_field",
        "scan_request_field",
        "scan_response_field",
        "bus_name",
        "claim_check_bucket_name",
        "claim_check_connector",
        "claim_check_parallel",
        "compression_ignore",
        "compression_threshold",
        "connector",
        "decrypt",
        "delivery_stream_name",
        "event_field",
        "fallback_update_request_field",
        "function_name",
        "get_request_field",
        "get_response_field",
        "invoke_request_field",
        "invoke_response_field",
        "max_request_size",
        "message_field",
        "parallel",
        "publish_request_entry_field",
        "publish_request_field",
        "publish_response_field",
        "put_claim_check_request_field",
        "put_claim_check_response_field",
        "put_request_entry_field",
        "put_request_field",
        "put_response_field",
        "query_request_field",
        "query_response_field",
        "queue_url",
        "send_request_field",
        "send_response_field",
        "source",
        "stream_name",
        "table_name",
        "throw_condition_failure",
        "topic_arn",
        "update_request_field",
        "update_response_field",
    }
)

_CAMEL = re.compile(r"(?<=[a-z0-9])([A-Z])")


def _snake(key: str) -> str:
    """``batchSize`` -> ``batch_size``, ``Parallel`` -> ``parallel``, ``TableName`` -> ``table_name``."""
    return _CAMEL.sub(r"_\1", key).lower()


def suggest(key: str, known: Iterable[str]) -> str | None:
    """The known name ``key`` most likely means (case, camelCase, or a close spelling), or None."""
    names: frozenset[str] = frozenset(known)
    snake = _snake(key)
    if snake in names:
        return snake
    squashed = key.lower().replace("_", "")
    for name in sorted(names):
        if name.replace("_", "") == squashed:
            return name
    import difflib  # only on the error path: keeps cold start small

    close = difflib.get_close_matches(key, sorted(names), n=1, cutoff=0.8)
    return str(close[0]) if close else None


def check_options(step: str, given: Mapping[str, Any], known: Iterable[str]) -> None:
    """Raise ``ConfigurationError`` for a key of ``given`` that looks like a mistake (see module doc)."""
    own = frozenset(known)
    for key in given:
        if not isinstance(key, str):
            raise ConfigurationError(f"{step}: option names are strings, got {key!r}")
        if key in own or key in SHARED_OPTIONS or key in LIBRARY_OPTIONS:
            continue
        hint = suggest(key, own)
        if hint is None and key != _snake(key):
            snake = _snake(key)  # the JS name of another step's option
            if snake in LIBRARY_OPTIONS or snake in SHARED_OPTIONS:
                hint = snake
        if hint is not None:
            raise ConfigurationError(f"{step}: unknown option {key!r} (did you mean {hint!r}?)")


def declared_options(fn: Callable[..., Any]) -> frozenset[str]:
    """The keyword-only parameter names of ``fn``: the options it declares."""
    target = inspect.unwrap(fn)
    return frozenset(
        name for name, p in inspect.signature(target).parameters.items() if p.kind is p.KEYWORD_ONLY
    )


def declares_options(fn: F) -> F:
    """Check the keys ``fn`` receives in its ``**shared`` catch-all when it is called (built).

    The declared names are read from the signature on the first call, not at import. A step that
    takes keyword options only refuses a positional argument with the fix: the step applied
    unbuilt (``.through(update_dynamodb)``) or the options passed as a dict (``update_dynamodb(opt)``).
    """
    known: frozenset[str] | None = None
    keywords_only = False

    @functools.wraps(fn)
    def build(*args: Any, **kwargs: Any) -> Any:
        nonlocal known, keywords_only
        if known is None:
            known = declared_options(fn)
            params = inspect.signature(inspect.unwrap(fn)).parameters.values()
            keywords_only = all(p.kind in (p.KEYWORD_ONLY, p.VAR_KEYWORD) for p in params)
        if args and keywords_only:
            name = fn.__name__
            if type(args[0]).__name__ == "Stream":
                raise ConfigurationError(
                    f"{name} was applied to a stream unbuilt: build it first, .through({name}(**opt))"
                )
            raise ConfigurationError(f"{name} takes its options as keywords: {name}(**opt), not {name}(opt)")
        extra = {k: v for k, v in kwargs.items() if k not in known}
        if extra:
            check_options(fn.__name__, extra, known)
        return fn(*args, **kwargs)

    return cast(F, build)


def positive_int(step: str, name: str, value: Any) -> int:
    """``value`` as a positive int, or a ``ConfigurationError`` naming the step and the option."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigurationError(f"{step}: {name} must be a positive integer, got {value!r}")
    return value


def flag(step: str, name: str, value: Any) -> bool:
    """``value`` as a bool, or a ``ConfigurationError`` naming the step and the option."""
    if not isinstance(value, bool):
        raise ConfigurationError(f"{step}: {name} must be True or False, got {value!r}")
    return value


def text(step: str, name: str, value: Any) -> str | None:
    """``value`` as a non-empty str or None (empty means unset), else a ``ConfigurationError``."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ConfigurationError(f"{step}: {name} must be a string, got {value!r}")
    return value


# ---------------------------------------------------------------------------------------------
# Environment-backed defaults
# ---------------------------------------------------------------------------------------------


class Env:
    """A default read from ``Settings`` when a step is built: the first of ``names`` that is set."""

    __slots__ = ("default", "names")

    def __init__(self, names: tuple[str, ...], default: Any) -> None:
        self.names = names
        self.default = default

    def __repr__(self) -> str:
        names = ", ".join(repr(n) for n in self.names)
        return f"env({names}, default={self.default!r})"


def env(*names: str, default: Any = None) -> Any:
    """A signature default taken from the environment: ``parallel: int = env("PARALLEL", default=8)``.

    Typed ``Any`` so it can stand as the default of a parameter of any type; a step resolves it
    with ``Settings.resolve`` when it is built.
    """
    for name in names:
        if name.lower() not in _SETTINGS_FIELDS:
            raise ConfigurationError(f"env({name!r}): not a variable Settings reads")
    return Env(names, default)


@dataclasses.dataclass(frozen=True)
class Settings:
    """The environment variables the library's steps read, read once (``Settings.from_env()``).

    Numbers must be integers (a variable that is not one is a ``ConfigurationError`` naming it);
    zero or a negative number counts as unset, as ``Number(x) || default`` does in JS.
    """

    entity_table_name: str | None = None
    event_table_name: str | None = None
    table_name: str | None = None
    bus_name: str | None = None
    bus_src: str | None = None
    stream_name: str | None = None
    queue_url: str | None = None
    topic_arn: str | None = None
    delivery_stream_name: str | None = None
    function_name: str | None = None
    bucket_name: str | None = None
    claimcheck_bucket_name: str | None = None
    aws_region: str | None = None
    parallel: int | None = None
    update_parallel: int | None = None
    publish_parallel: int | None = None
    sqs_parallel: int | None = None
    sns_parallel: int | None = None
    firehose_parallel: int | None = None
    lambda_parallel: int | None = None
    s3_parallel: int | None = None
    get_parallel: int | None = None
    query_parallel: int | None = None
    scan_parallel: int | None = None
    batch_size: int | None = None
    publish_batch_size: int | None = None
    sqs_batch_size: int | None = None
    firehose_batch_size: int | None = None
    max_req_size: int | None = None
    publish_max_req_size: int | None = None
    sns_max_req_size: int | None = None
    sqs_max_payload_size: int | None = None
    max_payload_size: int | None = None
    batch_max_retries: int | None = None
    compression_threshold: int | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read every variable now (``os.environ`` unless ``env`` is given)."""
        e = os.environ if env is None else env
        values: dict[str, Any] = {}
        for field in dataclasses.fields(cls):
            name = field.name.upper()
            raw = e.get(name)
            if not raw:
                continue
            if field.type in ("str | None", str | None):
                values[field.name] = raw
                continue
            try:
                number = int(raw)
            except ValueError:
                raise ConfigurationError(f"{name}={raw!r} is not an integer") from None
            if number > 0:
                values[field.name] = number
        return cls(**values)

    def first(self, names: Iterable[str], default: Any = None) -> Any:
        """The value of the first of the variables ``names`` that is set, else ``default``."""
        for name in names:
            value = getattr(self, name.lower())
            if value is not None:
                return value
        return default

    def resolve(self, value: Any) -> Any:
        """``value``, or what an ``env(...)`` default stands for in these settings."""
        if value.__class__ is Env:
            return self.first(value.names, value.default)
        return value


_SETTINGS_FIELDS: frozenset[str] = frozenset(f.name for f in dataclasses.fields(Settings))
