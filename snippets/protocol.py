"""Names shared by the notebooks and the site build, defined once.

The snippets show their results under these MIME types and metadata key; the build
(notesbuild/outputs.py, checkmarks.py, execute.py, cache.py, standalone.py) imports them
from here to read them back. This module imports nothing, so the build pays nothing for it.
"""

METADATA_KEY = "mlnotes"  # notebook, cell and output metadata: ["stamp"], ["inlined"], ["figure"]
VALUES_MIME = "application/vnd.mlnotes.values+json"  # snippets/report.py publish()
STAMP_MIME = "application/vnd.mlnotes.stamp+json"  # snippets/runtime.py setup()
CHECK_MIME = "application/vnd.mlnotes.check+json"  # snippets/checks.py, a passing check's record
