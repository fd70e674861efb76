"""dedupe-news: find copies of news articles, show what changed, flag MT damage.

The public API is re-exported here; nothing heavy is imported at package import time.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
