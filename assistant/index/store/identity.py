"""What an index was built with, and the check that refuses to mix vectors of two encoders.

The chunk collection's metadata records, when it is created, the embedding model, the vector dimension, the
store's schema version and the encoder (backend and exact encoder id, see ``embeddings.identity``). Each open
compares them with what the settings and the loaded encoder would write: another model or dimension, or another
backend or encoder, is an ``IndexMismatchError`` that names both sides and how to resolve it. An index from
before the encoder was recorded counts as built by the torch backend.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Mapping

from ...errors import IndexMismatchError
from ...settings import Settings
from ..embeddings import TORCH_ENCODER, identity as encoder_identity, switch_hint

if TYPE_CHECKING:
    from langchain_core.embeddings import Embeddings

SCHEMA_VERSION = 1  # the layout of both collections; recorded in each collection's metadata


def built_with(settings: Settings, embeddings: "Embeddings", embedding_dim: int) -> dict[str, Any]:
    """The identity an index built now would record: model, dimension, schema version, backend and encoder."""
    return {"embedding_model": settings.embedding_model, "embedding_dim": embedding_dim,
            "schema": SCHEMA_VERSION, **encoder_identity(embeddings)}


def check_identity(have: Mapping[str, Any], wanted: Mapping[str, Any], location: str) -> None:
    """Raise ``IndexMismatchError`` unless the index at ``location``, built with ``have``, takes ``wanted``'s
    vectors: the same embedding model and dimension, and the same backend and encoder."""
    if have.get("embedding_model") != wanted["embedding_model"] or have.get("embedding_dim") != wanted["embedding_dim"]:
        raise IndexMismatchError(
            f"the index at {location} was built with embedding model {have.get('embedding_model')!r} "
            f"(dimension {have.get('embedding_dim')}), but the settings ask for {wanted['embedding_model']!r} "
            f"(dimension {wanted['embedding_dim']}); use the same model or rebuild with `assistant ingest --rebuild`")
    built = (have.get("embedding_backend", "torch"), have.get("embedding_encoder", TORCH_ENCODER))
    wanted_encoder = (wanted["embedding_backend"], wanted["embedding_encoder"])
    if built != wanted_encoder:  # never mix vectors of two encoders
        raise IndexMismatchError(
            f"the index at {location} was built with the {built[0]!r} embedding backend (encoder "
            f"{built[1]}), but the settings ask for {wanted['embedding_backend']!r} (encoder "
            f"{wanted['embedding_encoder']}); {switch_hint(built, wanted_encoder)}or rebuild with `assistant ingest --rebuild`")
