"""The corpus report: ``dedupe-news report PATH... -o reports/NAME/``.

Public API::

    from dedupe_news.report import ReportOptions, write_report
    summary = write_report(articles, cluster_articles(articles), "reports/mine/")

See :mod:`dedupe_news.report.build` for the folder's layout and
:mod:`dedupe_news.render.report` for the pages' safety rules.
"""

from __future__ import annotations

from dedupe_news.report.build import GENERATOR, ReportError, ReportOptions, write_report
from dedupe_news.report.names import Namer, slug

__all__ = ["GENERATOR", "Namer", "ReportError", "ReportOptions", "slug", "write_report"]
