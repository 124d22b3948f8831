"""The stream core: ``Stream`` and the sync bridge."""

from ._base import CHUNK, Failure, resolve
from .gate import Gate
from .runner import LoopBridge, sync_handler
from .stream import Stream

__all__ = ["CHUNK", "Failure", "Gate", "LoopBridge", "Stream", "resolve", "sync_handler"]
