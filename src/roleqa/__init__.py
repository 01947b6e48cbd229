"""roleqa: a terminal FAQ assistant with retrieval."""

__version__ = "0.1.0"
