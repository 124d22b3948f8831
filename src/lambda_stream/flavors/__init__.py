"""Flavors: rule-driven pipelines (``initialize_from(RULES)``), one module per flavor.

Each flavor's module docstring lists its rule fields; ``rule.py`` declares and checks them.
"""

from .cdc import cdc
from .collect import collect
from .correlate import correlate
from .evaluate import evaluate
from .expired import expire, expired
from .firehose import firehose_drop, firehose_transform, spread_date_time
from .job import job
from .materialize import materialize
from .materialize_s3 import materialize_s3
from .rule import Flavor, validate_rule
from .send_messages import send_messages
from .update import update

__all__ = [
    "Flavor",
    "cdc",
    "collect",
    "correlate",
    "evaluate",
    "expire",
    "expired",
    "firehose_drop",
    "firehose_transform",
    "job",
    "materialize",
    "materialize_s3",
    "send_messages",
    "spread_date_time",
    "update",
    "validate_rule",
]
