"""SLM Assistant: an offline desktop assistant on a bundled small language model."""

__version__ = "0.1.0"
PRODUCT_NAME = "SLM Assistant"
