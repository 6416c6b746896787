"""Dubbing: voices per language (``voices``, Piper and espeak-ng; Tajik via the Persian
voice), each line fitted into its slot (``fitting``, ``tempo``), the mix over the ducked
original at EBU R128 (``mix``), the checks before synthesis (``checks``, ``scripts``) and
the back-check with Whisper (``backcheck``)."""
