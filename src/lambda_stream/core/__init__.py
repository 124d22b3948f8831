"""The stream core: ``Stream`` and the sync bridge."""

from .runner import LoopBridge, sync_handler
from .stream import Stream

__all__ = ["LoopBridge", "Stream", "sync_handler"]
