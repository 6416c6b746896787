"""Long films with flat memory: the streamed decode, the windowed transcription and the
windowed back-check excerpt (real ffmpeg, the real Whisper model)."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from conftest import SAMPLE
from scodub.asr.long import cut_point, transcribe_stream
from scodub.dub.backcheck import JOIN_MS, PAD_MS, excerpt_windows
from scodub.media.decode import decode_audio, iter_audio
from scodub.provision.whisper import ResolvedModel
from scodub.text.metrics import wer


def test_the_streamed_decode_is_the_whole_decode() -> None:
    whole = decode_audio(SAMPLE)
    blocks = list(iter_audio(SAMPLE, block_seconds=3.3))
    assert len(blocks) == -(-whole.size // int(3.3 * 16000))
    assert np.array_equal(np.concatenate(blocks), whole)


def test_a_window_ends_in_the_quietest_half_second() -> None:
    rng = np.random.default_rng(1)
    audio = rng.normal(0, 0.1, 16000 * 20).astype(np.float32)
    audio[16000 * 15 : 16000 * 16] = 0.0  # a pause from 15 s to 16 s
    cut = cut_point(audio, 16000 * 18, 16000 * 6)
    assert 16000 * 15 <= cut <= 16000 * 16


def test_excerpt_windows_take_whole_spans_joined_by_silence() -> None:
    audio = np.arange(1, 16000 * 10 + 1, dtype=np.float32)  # every sample tells its place
    spans = [(1000, 1500), (4000, 4200), (9800, 12000)]  # the last runs past the end
    blocks = [audio[i : i + 7000] for i in range(0, audio.size, 7000)]
    parts = list(excerpt_windows(blocks, spans, window=16000))
    gap = JOIN_MS * 16
    pieces = [audio[(s - PAD_MS) * 16 : (e + PAD_MS) * 16] for s, e in spans]
    assert len(parts) == 2  # the first two spans reach the window, the third is alone
    assert np.array_equal(parts[0], np.concatenate([pieces[0], np.zeros(gap), pieces[1]]))
    assert np.array_equal(parts[1], pieces[2])


@pytest.mark.slow
def test_window_by_window_hears_what_one_pass_hears(whisper_model: ResolvedModel) -> None:
    from scodub.asr.whisper import AsrSettings, prepare, transcribe_audio

    settings, model = prepare(AsrSettings(language="en"))
    whole = transcribe_audio(decode_audio(SAMPLE), settings, model)
    blocks = iter_audio(SAMPLE, block_seconds=4.0)
    long = transcribe_stream(blocks, settings, model, window_s=10.0, search_s=4.0)
    words = long.transcript.words
    assert long.samples == decode_audio(SAMPLE).size and long.transcript.language == "en"
    assert all(a.start_ms <= b.start_ms for a, b in itertools.pairwise(words))
    assert words[-1].end_ms <= long.transcript.duration_ms == whole.duration_ms
    heard = " ".join(w.text for w in words)
    assert wer(" ".join(w.text for w in whole.words), heard) < 0.15, heard
