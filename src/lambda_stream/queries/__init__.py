"""Queries: curried stream steps that read from AWS and adorn the uow with the result (or split it)."""

from .claim_check import redeem_claim_check
from .dynamodb import (
    batch_get_dynamodb,
    query_all_dynamodb,
    query_split_dynamodb,
    scan_split_dynamodb,
    to_get_request,
    to_index_query_request,
    to_pk_query_request,
)
from .s3 import get_object_from_s3, page_objects_from_s3, split_s3_object

__all__ = [
    "batch_get_dynamodb",
    "get_object_from_s3",
    "page_objects_from_s3",
    "query_all_dynamodb",
    "query_split_dynamodb",
    "redeem_claim_check",
    "scan_split_dynamodb",
    "split_s3_object",
    "to_get_request",
    "to_index_query_request",
    "to_pk_query_request",
]
