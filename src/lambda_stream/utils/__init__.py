"""Pure helpers (stdlib only): batching, time, compression, JSON, tags."""

from .batching import compact, to_batch_uow, to_group_uows, un_batch_uow
from .compression import COMPRESSION_PREFIX, compress, decompress
from .json import dumps
from .tags import adorn_standard_tags, env_tags
from .time import now, ttl, ttl_rule

__all__ = [
    "COMPRESSION_PREFIX",
    "adorn_standard_tags",
    "compact",
    "compress",
    "decompress",
    "dumps",
    "env_tags",
    "now",
    "to_batch_uow",
    "to_group_uows",
    "ttl",
    "ttl_rule",
    "un_batch_uow",
]
