"""scodub: multilingual subtitle and dubbing pipeline for film."""

from scodub.data import Cue, Segment, Track, Transcript, Word
from scodub.errors import ScodubError
from scodub.langs import LANGUAGES, Language, get_language

__version__ = "0.1.0"

__all__ = [
    "LANGUAGES",
    "Cue",
    "Language",
    "ScodubError",
    "Segment",
    "Track",
    "Transcript",
    "Word",
    "__version__",
    "get_language",
]
