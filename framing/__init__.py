"""framing: tag each sentence of news articles with a narrative frame and report proportions."""

__version__ = "0.1.0"
