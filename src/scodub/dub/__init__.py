"""Dubbing: synthesize translated lines, fit them to their cues, mix them over the film."""
