"""Reader comments from a WordPress (WXR) or Disqus export, stored through `comment_import`.

One module per source (wxr, disqus) on what they share (base: the report, threads, storing;
reading: the defused, streamed XML and the cleaned fields); markdown turns their HTML into
the text the site stores.
"""

from .base import CommentImportError, FailedThread, ImportReport, UnmatchedThread
from .disqus import disqus_import
from .markdown import html_to_text
from .wxr import wxr_import

__all__ = [
    "CommentImportError",
    "FailedThread",
    "ImportReport",
    "UnmatchedThread",
    "disqus_import",
    "html_to_text",
    "wxr_import",
]
