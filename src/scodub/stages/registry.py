"""Import every stage module, so that each stage class is in ``base.STAGES`` (how a stage
written as JSON finds its class in another process)."""

from scodub.stages import backcheck, deliver, dub, localize, subtitles, transcribe

__all__ = ["backcheck", "deliver", "dub", "localize", "subtitles", "transcribe"]
