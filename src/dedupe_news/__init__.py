"""dedupe-news: find copies of news articles, show what changed, flag MT damage.

The public API is re-exported here; nothing heavy is imported at package import time.
"""

from __future__ import annotations

from dedupe_news import _kernel_cache

__version__ = "0.1.0"

# before any compiled kernel loads: cached kernels built from other sources are dropped
_kernel_cache.check()

__all__ = ["__version__"]
