"""Pipelines: bind options, fork a head into many pipelines, and the Lambda entry."""

from .assemble import Pipelines, initialize
from .handler import BatchResponse, FirehoseResponse, LambdaHandler, lambda_handler
from .invocation import Invocation
from .log import pipeline_logger, print_end_pipeline, print_start_pipeline
from .options import default_options
from .rules import initialize_from

__all__ = [
    "BatchResponse",
    "FirehoseResponse",
    "Invocation",
    "LambdaHandler",
    "Pipelines",
    "default_options",
    "initialize",
    "initialize_from",
    "lambda_handler",
    "pipeline_logger",
    "print_end_pipeline",
    "print_start_pipeline",
]
