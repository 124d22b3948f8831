"""Standard tags on published events (JS utils/tags): account, region, stage, source, ...

The environment is read when a tagger is made (``standard_tagger()``, once per sink build) or at
call time (``adorn_standard_tags``), never at import time. Tags already on the event win.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["adorn_standard_tags", "env_tags", "standard_tagger"]

UNDEFINED = "undefined"  # what the JS library writes for a missing value


def _env(*names: str) -> str:
    for name in names:
        value = os.environ.get(name)
        if value:
            return value
    return UNDEFINED


def env_tags(pipeline_id: str | None = None) -> dict[str, Any]:
    """The standard tags taken from the environment (and the skip tag when testing)."""
    tags: dict[str, Any] = {
        "account": _env("ACCOUNT_NAME"),
        "region": _env("AWS_REGION"),
        "stage": _env("STAGE", "SERVERLESS_STAGE"),
        "source": _env("SERVICE", "PROJECT", "SERVERLESS_PROJECT"),
        "functionname": _env("AWS_LAMBDA_FUNCTION_NAME"),
        "pipeline": pipeline_id or UNDEFINED,
    }
    if os.environ.get("NODE_ENV") == "test":  # JS skipTag: events written by recorded tests
        tags["skip"] = True
    return tags


def standard_tagger() -> Callable[[Mapping[str, Any], str | None], dict[str, Any]]:
    """A function ``(event, pipeline_id) -> tagged event`` with the environment read once, now."""
    base = env_tags(None)

    def tag(event: Mapping[str, Any], pipeline_id: str | None = None) -> dict[str, Any]:
        own = event.get("tags") or {}
        return {**event, "tags": {**base, "pipeline": pipeline_id or UNDEFINED, **own}}

    return tag


def adorn_standard_tags(event: Mapping[str, Any], pipeline_id: str | None = None) -> dict[str, Any]:
    """A copy of ``event`` whose ``tags`` hold the standard tags, under the tags it already has."""
    return standard_tagger()(event, pipeline_id)
