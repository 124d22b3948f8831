"""``publish_to_sns``: one Publish per uow, ``parallel`` at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._common import Uow, option_number, option_str, per_uow_sink, resolve_connector

if TYPE_CHECKING:
    from ..core import Stream

__all__ = ["publish_to_sns"]


def _load() -> Any:
    from ..connectors.sns import SnsConnector

    return SnsConnector


def publish_to_sns(**opt: Any) -> Callable[[Stream[Any]], Stream[Any]]:
    """Publish each uow's ``message`` (Publish parameters such as ``{"Message": ..., "Subject": ...}``).

    Options: ``topic_arn`` (``TOPIC_ARN``; a message's own ``TopicArn`` wins), ``message_field``,
    ``publish_response_field``, ``parallel`` (``SNS_PARALLEL``/``PUBLISH_PARALLEL``/``PARALLEL``, 8),
    ``connector``/``connectors``.
    """
    topic_arn = option_str(opt, "topic_arn", ("TOPIC_ARN",))
    message_field = str(opt.get("message_field") or "message")
    response_field = str(opt.get("publish_response_field") or "publish_response")
    parallel = option_number(opt, "parallel", ("SNS_PARALLEL", "PUBLISH_PARALLEL", "PARALLEL"), 8)
    connector = resolve_connector(opt, _load, parallel)

    async def invoke(req: Any, uow: Uow) -> Any:
        params = {"TopicArn": topic_arn, **req} if topic_arn else req
        return await connector.publish(params)

    return per_uow_sink(message_field, response_field, parallel, invoke)
