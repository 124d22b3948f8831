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
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar, cast

from .errors import ConfigurationError

__all__ = [
    "LIBRARY_OPTIONS",
    "SHARED_OPTIONS",
    "check_options",
    "declared_options",
    "declares_options",
    "positive_int",
    "suggest",
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
        "source_is_self",
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
        "invoke_field",
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

    The declared names are read from the signature on the first call, not at import.
    """
    known: frozenset[str] | None = None

    @functools.wraps(fn)
    def build(*args: Any, **kwargs: Any) -> Any:
        nonlocal known
        if known is None:
            known = declared_options(fn)
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
