"""The model catalogue and GGUF header checks."""

from draftwheel.models.catalogue import BUNDLED_NAME, Catalogue, ModelEntry
from draftwheel.models.gguf_info import GGUFInfo, read_gguf, sha256_file

__all__ = ["BUNDLED_NAME", "Catalogue", "GGUFInfo", "ModelEntry", "read_gguf", "sha256_file"]
