"""``publish_to_sns``: one Publish per uow, ``parallel`` at once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from .._steps import KIB, SNS, StepBuild, Uow, per_uow_step
from ..config import declares_options, env
from ..errors import AwsValidationError
from .sqs import message_size

if TYPE_CHECKING:
    from ..connectors.protocols import SnsApi
    from ..core import Stream

__all__ = ["publish_to_sns"]

MAX_REQUEST_SIZE = 256 * KIB  # SNS's limit (SQS and EventBridge have 1 MiB)


@declares_options
def publish_to_sns(
    *,
    topic_arn: str | None = env("TOPIC_ARN"),
    message_field: str = "message",
    publish_response_field: str = "publish_response",
    max_request_size: int = env("SNS_MAX_REQ_SIZE", default=MAX_REQUEST_SIZE),
    parallel: int = env("SNS_PARALLEL", "PUBLISH_PARALLEL", "PARALLEL", default=8),
    connector: SnsApi | None = None,
    **shared: Any,
) -> Callable[[Stream[Uow]], Stream[Uow]]:
    """Publish each uow's ``message`` (Publish parameters such as ``{"Message": ..., "Subject": ...}``).

    A message's own ``TopicArn`` wins over ``topic_arn``. A message over ``max_request_size``
    (its ``Message`` and attributes, as SNS counts them) fails its own uow with
    ``AwsValidationError`` before any call.
    """
    b = StepBuild("publish_to_sns", shared)
    arn = b.text("topic_arn", topic_arn)
    field = b.field("message_field", message_field)
    response_field = b.field("publish_response_field", publish_response_field)
    max_size = b.count("max_request_size", max_request_size)
    n = b.count("parallel", parallel)
    sns = b.connector(SNS, connector, n, needs=("publish",))

    async def invoke(req: Any, uow: Uow) -> Any:
        size = message_size(req, "Message")
        if size > max_size:
            raise AwsValidationError(
                f"Request size: {size}, exceeded max: {max_size}", code="RequestSizeExceeded"
            )
        return await sns.publish({"TopicArn": arn, **req} if arn else req)

    return per_uow_step(b, field, response_field, n, invoke, aliases=("publishRequest",))
