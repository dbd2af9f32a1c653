"""The persisted index: Chroma (embedded in ``index/`` or a server) holding chunks and whole documents.

One module per job: ``client`` opens Chroma (embedded or server, with a timeout on the server's HTTP client),
``chroma_errors`` turns Chroma's errors into the assistant's one-line ``IndexError_`` family, ``lock`` is the
writer lock, ``identity`` is what an index was built with and the check that refuses another encoder,
``paging`` cuts bulk reads and writes into requests Chroma accepts, ``records`` is the per-document records
collection, and ``index_store`` composes them into ``IndexStore``. The names other modules use are re-exported
here, so ``from assistant.index.store import IndexStore`` is all a caller needs.
"""

from .client import open_client
from .index_store import IndexStore, drop
from .lock import LOCK_FILE, write_lock
from .records import DocumentRecord

__all__ = ["DocumentRecord", "IndexStore", "LOCK_FILE", "drop", "open_client", "write_lock"]
