"""Stage 2, index and retrieve: cut documents into chunks, embed them, keep them in Chroma (embedded or a server)
with a BM25 keyword index beside it, and find the chunks for a query.

- ``chunking``: per-section chunks carrying their document's identity and heading path
- ``embeddings``, ``onnx_encoder``: the embedding model (ONNX int8 by default, or torch)
- ``store/``: the Chroma store, one job per module (client, records, lock, identity, paging)
- ``ingest``: add new and edited files, remove deleted ones
- ``keyword``, ``keyword_cache``: the BM25 index and its copy on disk
- ``constraints``: the versions, identifiers, years and names a question pins, and whether a text meets them
- ``retrieve``: dense + keyword search fused by rank, chunks that meet the question's constraints first
"""
