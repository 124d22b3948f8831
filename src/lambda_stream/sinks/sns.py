"""``publish_to_sns``: one Publish per uow, ``parallel`` at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._steps import SNS, StepBuild, Uow, per_uow_step
from ..config import declares_options, env

if TYPE_CHECKING:
    from ..connectors.protocols import SnsApi
    from ..core import Stream

__all__ = ["publish_to_sns"]


@declares_options
def publish_to_sns(
    *,
    topic_arn: str | None = env("TOPIC_ARN"),
    message_field: str = "message",
    publish_response_field: str = "publish_response",
    parallel: int = env("SNS_PARALLEL", "PUBLISH_PARALLEL", "PARALLEL", default=8),
    connector: SnsApi | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """Publish each uow's ``message`` (Publish parameters such as ``{"Message": ..., "Subject": ...}``).

    A message's own ``TopicArn`` wins over ``topic_arn``.
    """
    b = StepBuild("publish_to_sns", shared)
    arn = b.text("topic_arn", topic_arn)
    field = b.field("message_field", message_field)
    response_field = b.field("publish_response_field", publish_response_field)
    n = b.count("parallel", parallel)
    sns = b.connector(SNS, connector, n, needs=("publish",))

    async def invoke(req: Any, uow: Uow) -> Any:
        return await sns.publish({"TopicArn": arn, **req} if arn else req)

    return per_uow_step(b, field, response_field, n, invoke, aliases=("publishRequest",))
