"""Queries: curried stream steps that read from AWS and adorn the uow with the result."""

from .claim_check import redeem_claim_check
from .dynamodb import batch_get_dynamodb, query_all_dynamodb
from .s3 import get_object_from_s3

__all__ = ["batch_get_dynamodb", "get_object_from_s3", "query_all_dynamodb", "redeem_claim_check"]
