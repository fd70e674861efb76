"""dedupe-news: find copies of news articles, show what changed, flag MT damage.

The public API is re-exported here; nothing heavy is imported at package import time.
"""

from __future__ import annotations

import os

# numpy asks the kernel for transparent huge pages on every large array; where THP defrag is
# "madvise" (a common default) and memory is fragmented, each first touch then waits on
# compaction: 100 MB of new array took 0.33 s instead of 0.07 s on our 2-core VM, paid again
# by every chunk a worker allocates.  Read once, when numpy is first imported; setting the
# variable to 1 beforehand keeps numpy's default.
os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")

from dedupe_news import _kernel_cache

__version__ = "0.1.0"

# before any compiled kernel loads: cached kernels built from other sources are dropped
_kernel_cache.check()

__all__ = ["__version__"]
