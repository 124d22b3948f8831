"""``from_dynamodb``: DynamoDB stream records as uows carrying CDC events.

The event type is ``<prefix>-<created|updated|deleted>``: the prefix is the item's discriminator
(else its sk), lower-cased; a soft delete (``deleted: true``) gives ``-deleted`` and an undo of one
``-undeleted``. Global-table replica writes, the extra MODIFY a global table emits and, when asked,
TTL expirations are dropped.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from ..core import Stream
from ..errors import DecodeError
from ..utils.dynamodb_json import unmarshall, unmarshall_image
from ._decode import Uow, decoder, field, records_of

_SUFFIX = MappingProxyType({"INSERT": "created", "MODIFY": "updated", "REMOVE": "deleted"})

# How a DynamoDB stream marks the deletion of an expired item (TTL).
_TTL_PRINCIPAL = (("type", "Service"), ("principalId", "dynamodb.amazonaws.com"))

# Global tables: v2 (2019.11.21) writes ``awsregion``; v1 (2017.11.29) writes ``aws:rep:updateregion``.
_REGION_ATTRS = ("awsregion", "aws:rep:updateregion")


def from_dynamodb(
    event: dict[str, Any],
    pk: str = "pk",
    sk: str = "sk",
    discriminator: str = "discriminator",
    event_type_prefix: str | None = None,
    ignore_ttl_expired_events: bool = False,
    ignore_replicas: bool = True,
    prefer_approximate_timestamp: bool = False,
) -> Stream[Uow]:
    """One uow ``{record, event}`` per stream record (see the module docstring for the rules).

    ``event = {id: eventID, type, partitionKey: Keys[pk], timestamp, tags: {region}, raw: {new, old}}``
    where ``timestamp`` is the new image's ``timestamp`` when set, else ApproximateCreationDateTime
    in ms (always the latter with ``prefer_approximate_timestamp``), and ``raw`` holds the
    unmarshalled images (``None`` when absent). The function's region (for replica filtering) is
    read from ``AWS_REGION`` when this is called.

    ``ignore_ttl_expired_events`` drops REMOVEs made by DynamoDB's TTL: those carrying its service
    principal, and (JS #426) a replicated TTL delete, which arrives without ``userIdentity``: a
    REMOVE whose old image's numeric ``ttl`` is <= its ApproximateCreationDateTime.
    """
    records = records_of(event, "Records", "from_dynamodb")
    decode = decoder(
        "from_dynamodb", _decoder(pk, sk, discriminator, event_type_prefix, prefer_approximate_timestamp)
    )
    region = os.environ.get("AWS_REGION")

    def keep(uow: Uow) -> bool:
        raw = uow["event"]["raw"]
        new, old = raw["new"], raw["old"]
        if ignore_replicas and _is_replica(new if new is not None else old, region):
            return False
        if _is_global_table_extra_modify(new, old):
            return False
        return not (ignore_ttl_expired_events and _is_ttl_expiry(uow["record"], old))

    return Stream(records).map(decode).filter(keep)


def _decoder(
    pk: str, sk: str, discriminator: str, prefix: str | None, prefer_approximate: bool
) -> Callable[[Any], Uow]:
    def decode(record: Any) -> Uow:
        ddb = field(record, "dynamodb", dict, "record")
        event_name = field(record, "eventName", str, "record")
        suffix = _SUFFIX.get(event_name)
        if suffix is None:
            raise DecodeError(f"record.eventName: unknown {event_name!r}")
        new = _image(ddb, "NewImage")
        old = _image(ddb, "OldImage")
        image = new if new is not None else old
        if image is None:
            raise DecodeError(
                "record.dynamodb: no NewImage nor OldImage (the stream view must include images)"
            )
        keys = field(ddb, "Keys", dict, "dynamodb")
        if pk not in keys:
            raise DecodeError(f"record.dynamodb.Keys: missing the partition key {pk!r}")
        partition_key = unmarshall(keys[pk])
        return {
            "record": record,
            "event": {
                "id": field(record, "eventID", str, "record"),
                "type": f"{prefix or _type_prefix(image, sk, discriminator)}-"
                f"{_soft_delete_suffix(suffix, new, old)}",
                "partitionKey": partition_key if isinstance(partition_key, str) else str(partition_key),
                "timestamp": _timestamp(ddb, None if prefer_approximate else new),
                "tags": {"region": _region(record)},
                "raw": {"new": new, "old": old},
            },
        }

    return decode


def _region(record: Mapping[str, Any]) -> Any:
    region = record.get("awsRegion")
    return field(record, "awsRegion", str, "record") if isinstance(region, str) else region


def _image(ddb: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    image = ddb.get(key)
    return None if image is None else unmarshall_image(image)


def _type_prefix(image: Mapping[str, Any], sk: str, discriminator: str) -> str:
    value = image.get(discriminator) or image.get(sk)
    if not isinstance(value, str) or not value:
        raise DecodeError(
            f"the image has no string {discriminator!r} or {sk!r} to derive the event type from"
        )
    return value.lower()


def _soft_delete_suffix(suffix: str, new: Mapping[str, Any] | None, old: Mapping[str, Any] | None) -> str:
    if suffix == "deleted":
        return suffix
    if new is not None and new.get("deleted") is True:
        return "deleted"
    if old is not None and old.get("deleted") is True and not (new or {}).get("deleted"):
        return "undeleted"  # DESIGN.md: new ``deleted`` falsy, old ``deleted: true``
    return suffix


def _timestamp(ddb: Mapping[str, Any], new: Mapping[str, Any] | None) -> int:
    ts = new.get("timestamp") if new is not None else None
    if isinstance(ts, int | Decimal) and not isinstance(ts, bool) and ts:
        return int(ts)
    approx = ddb.get("ApproximateCreationDateTime")
    if not isinstance(approx, int | float) or isinstance(approx, bool):
        raise DecodeError("record.dynamodb: no ApproximateCreationDateTime and no timestamp in the new image")
    return round(approx * 1000)


def _region_of(image: Mapping[str, Any] | None) -> Any:
    if image is None:
        return None
    for attr in _REGION_ATTRS:
        if image.get(attr):
            return image[attr]
    return None


def _is_replica(image: Mapping[str, Any] | None, region: str | None) -> bool:
    written_in = _region_of(image)
    return written_in is not None and written_in != region


def _is_global_table_extra_modify(new: Mapping[str, Any] | None, old: Mapping[str, Any] | None) -> bool:
    return new is not None and old is not None and _region_of(new) is not None and _region_of(old) is None


def _is_ttl_expiry(record: Mapping[str, Any], old: Mapping[str, Any] | None) -> bool:
    if record.get("eventName") != "REMOVE":
        return False
    identity = record.get("userIdentity")
    if identity:
        return isinstance(identity, Mapping) and all(identity.get(k) == v for k, v in _TTL_PRINCIPAL)
    # no identity: maybe a TTL delete replicated from another region (JS #426)
    ttl = None if old is None else old.get("ttl")
    approx = record["dynamodb"].get("ApproximateCreationDateTime")
    return (
        isinstance(ttl, int | Decimal)
        and not isinstance(ttl, bool)
        and isinstance(approx, int | float)
        and not isinstance(approx, bool)
        and ttl <= approx
    )
