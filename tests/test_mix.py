"""Mixing a dub over the soundtrack: ducking, loudness, commands (real ffmpeg, real files)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import DATA, SAMPLE, run_ffmpeg
from scodub.dub.duck import (
    DUCK_ATTACK_MS,
    DUCK_DB,
    DUCK_RELEASE_MS,
    duck_envelope,
    duck_intervals,
    write_duck_envelope,
)
from scodub.dub.mix import MixPlan, measure_pass_command, mix_dub, normalize_pass_command
from scodub.errors import ConfigError, MediaError, OutputError
from scodub.media.decode import decode_audio
from scodub.media.loudness import EBU_R128, LoudnormStats, measure_loudness
from scodub.media.probe import probe

RATE = 48000
CUES = [(1000, 2500), (4000, 5000)]
MUSIC_HZ, DIALOGUE_HZ, DUB_HZ = 220.0, 660.0, 1000.0
# Windows (ms) clear of the ramps: fully ducked, and at full level between lines.
IN_CUES = [(1100, 2400), (4100, 4900)]
BETWEEN = [(100, 700), (3000, 3700), (5500, 5900)]


def _gate(cues: list[tuple[int, int]]) -> str:
    return "+".join(f"between(t,{s / 1000},{e / 1000})" for s, e in cues)


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 6 s 'film' track (music bed + dialogue during the cues) and dub stems."""
    folder = tmp_path_factory.mktemp("mix") / 'фильм "тест" 1'
    folder.mkdir()
    music = f"0.05*sin(2*PI*{MUSIC_HZ}*t)"
    dialogue = f"0.3*sin(2*PI*{DIALOGUE_HZ}*t)*({_gate(CUES)})"
    run_ffmpeg(
        "-f", "lavfi", "-i", f"aevalsrc='{music}+{dialogue}|{music}+{dialogue}':s=44100:d=6",
        "-c:a", "aac", "-b:a", "256k", "-metadata:s:a:0", "language=eng",
        str(folder / "film sound.m4a"),
    )  # fmt: skip
    for name, amplitude in (("dub.wav", 0.2), ("quiet dub.wav", 0.02)):
        tone = f"{amplitude}*sin(2*PI*{DUB_HZ}*t)*({_gate(CUES)})"
        run_ffmpeg(
            "-f", "lavfi", "-i", f"aevalsrc='{tone}':s=22050:d=5.5", str(folder / name)
        )  # fmt: skip
    run_ffmpeg("-f", "lavfi", "-i", "anullsrc=r=22050:cl=mono", "-t", "5", str(folder / "mute.wav"))
    return folder


def _tone_db(audio: np.ndarray, freq: float, window: tuple[int, int]) -> float:
    """Level (dB re full scale amplitude) of the ``freq`` component inside ``window``."""
    chunk = audio[window[0] * RATE // 1000 : window[1] * RATE // 1000].astype(np.float64)
    t = np.arange(chunk.size) / RATE
    amplitude = 2 * abs(np.sum(chunk * np.exp(-2j * np.pi * freq * t))) / chunk.size
    return 20 * float(np.log10(amplitude + 1e-12))


def _decode(path: Path) -> np.ndarray:
    return decode_audio(path, probe(path).audio[0], sample_rate=RATE)


def test_ducks_dialogue_under_cues_and_keeps_music_between(media: Path) -> None:
    result = mix_dub(media / "film sound.m4a", 0, media / "dub.wav", CUES, media / "mix ru.wav")
    assert result.meets_target, result.loudness
    assert result.integrated_lufs == pytest.approx(EBU_R128.integrated_lufs, abs=0.2)
    assert result.true_peak_dbtp <= EBU_R128.max_true_peak_dbtp
    assert result.normalization == "linear"
    assert measure_loudness(result.path) == result.loudness  # what was measured is on disk

    original, mixed = _decode(media / "film sound.m4a"), _decode(result.path)
    assert abs(mixed.size - original.size) < RATE // 50  # the mix ends with the film
    # The same gain everywhere the bed is not ducked: music between lines is untouched.
    gains = [_tone_db(mixed, MUSIC_HZ, w) - _tone_db(original, MUSIC_HZ, w) for w in BETWEEN]
    assert max(gains) - min(gains) < 0.3
    bed_gain = float(np.mean(gains))
    for window in IN_CUES:
        # Music and the original dialogue are both lowered by duck_db under a line ...
        for freq in (MUSIC_HZ, DIALOGUE_HZ):
            ducked = _tone_db(mixed, freq, window) - _tone_db(original, freq, window)
            assert ducked - bed_gain == pytest.approx(-DUCK_DB, abs=1.0)
        # ... the music stays audible under it, and the dub is there.
        assert _tone_db(mixed, MUSIC_HZ, window) > -70
        assert _tone_db(mixed, DUB_HZ, window) > _tone_db(mixed, DIALOGUE_HZ, window) + 10
    for window in BETWEEN:
        assert _tone_db(mixed, DUB_HZ, window) < _tone_db(mixed, MUSIC_HZ, window) - 40


def test_dub_level_is_matched_to_the_original(media: Path) -> None:
    """A dub stem 20 dB quieter gives the same balance of dub against the soundtrack."""
    loud = mix_dub(media / "film sound.m4a", 0, media / "dub.wav", CUES, media / "a.wav")
    quiet = mix_dub(media / "film sound.m4a", 0, media / "quiet dub.wav", CUES, media / "b.flac")
    assert quiet.dub_gain_db - loud.dub_gain_db == pytest.approx(20.0, abs=0.3)
    balances = []
    for result in (loud, quiet):
        audio = _decode(result.path)
        balances.append(_tone_db(audio, DUB_HZ, IN_CUES[0]) - _tone_db(audio, MUSIC_HZ, BETWEEN[1]))
    assert balances[0] == pytest.approx(balances[1], abs=0.5)


def test_without_background_the_dub_is_over_silence(media: Path) -> None:
    result = mix_dub(
        media / "film sound.m4a", 0, media / "dub.wav", CUES, media / "dub only.wav",
        background=False,
    )  # fmt: skip
    assert result.meets_target and result.duck_db == 0.0 and result.dub_gain_db == 0.0
    mixed = _decode(result.path)
    assert abs(mixed.size - 6 * RATE) < RATE // 50  # as long as the film, not the stem
    for window in IN_CUES:
        assert _tone_db(mixed, DUB_HZ, window) > -30
        assert _tone_db(mixed, MUSIC_HZ, window) < -90
    assert float(np.max(np.abs(mixed[3000 * RATE // 1000 : 3700 * RATE // 1000]))) < 1e-4


def test_sample_film_with_real_speech_dub(tmp_path: Path) -> None:
    """A real voice over the sample film's soundtrack; the second cue has no dub speech,
    so the original under it must be exactly ducked, and the music bed kept between."""
    dub = tmp_path / "ru dub stem.wav"
    speech = DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav"
    run_ffmpeg("-i", str(speech), "-af", "adelay=300:all=1", "-ac", "1", str(dub))
    cues = [(300, 300 + probe(speech).duration_ms), (12300, 18800)]
    result = mix_dub(SAMPLE, 0, dub, cues, tmp_path / "sample mix.wav")
    assert result.meets_target, result.loudness
    # Normalised to the reference meter, not only into the +-1 LU window.
    assert result.integrated_lufs == pytest.approx(EBU_R128.integrated_lufs, abs=0.2)
    assert result.normalization == "linear"
    original, mixed = _decode(SAMPLE), _decode(result.path)
    # Music-only stretches of the sample between cues (the chord alone, about -40 dBFS).
    gains = [
        20 * np.log10(_rms(mixed, w) / _rms(original, w)) for w in ((19300, 20400), (23600, 24500))
    ]
    assert abs(gains[0] - gains[1]) < 0.5
    assert min(20 * np.log10(_rms(mixed, w)) for w in ((19300, 20400), (23600, 24500))) > -60
    under = 20 * np.log10(_rms(mixed, (12600, 18400)) / _rms(original, (12600, 18400)))
    assert under - float(np.mean(gains)) == pytest.approx(-DUCK_DB, abs=1.0)


def _rms(audio: np.ndarray, window: tuple[int, int]) -> float:
    chunk = audio[window[0] * RATE // 1000 : window[1] * RATE // 1000].astype(np.float64)
    return float(np.sqrt(np.mean(chunk**2)))


def test_commands_are_two_loudnorm_passes(media: Path) -> None:
    plan = MixPlan(
        original=media / "film sound.m4a",
        audio_position=0,
        dub_stem=media / "dub.wav",
        duration_ms=6000,
        envelope=media / "duck.wav",
        dub_gain_db=-3.5,
        sample_rate=RATE,
    )
    first = measure_pass_command(plan)
    assert first[first.index("-f") + 1] == "null"
    graph = first[first.index("-filter_complex") + 1]
    assert "[0:a:0]" in graph and "amultiply" in graph and "volume=-3.50dB" in graph
    assert "amix=duration=first:inputs=2:normalize=0" in graph
    assert "loudnorm=I=-23.0" in graph and "TP=-1.5" in graph and "print_format=json" in graph
    # The reference meter reads the same mix in the same run, just before loudnorm.
    assert "ebur128=framelog=verbose:peak=true[" in graph
    assert graph.index("ebur128=") < graph.index("loudnorm=")
    measured = LoudnormStats(-19.3, -5.4, 12.6, -30.9, -23.0, -9.0, 12.4, -34.6, "dynamic", 0.1)
    out = media / "out 'x'.wav"
    second = normalize_pass_command(plan, measured, out)
    graph = second[second.index("-filter_complex") + 1]
    for option in ("measured_I=-19.30", "measured_TP=-5.40", "measured_LRA=12.60",
                   "measured_thresh=-30.90", "linear=true", "LRA=14"):  # fmt: skip
        assert option in graph
    assert str(out.absolute()) in second
    assert second[second.index("-acodec") + 1] == "pcm_s24le"
    # A WAV mix past RIFF's 4 GiB (a 5.1 feature) is RF64, not a file with broken sizes.
    assert second[second.index("-rf64") + 1] == "auto"
    assert "-rf64" not in normalize_pass_command(plan, measured, media / "out.flac")
    # Encoders get frames FLAC can take, whatever loudnorm hands on (short films).
    assert graph.index("loudnorm=") < graph.index("asetnsamples=n=4096:p=0")
    silent = normalize_pass_command(
        MixPlan(plan.original, 0, plan.dub_stem, 6000, None, 0.0, RATE), measured, out
    )
    assert "anullsrc=r=48000:cl=stereo:d=6.000" in silent and "amultiply" not in " ".join(silent)


def test_peaky_mix_is_limited_then_normalised_in_sync(tmp_path: Path) -> None:
    """Clicks near full scale over a quiet tone (peak-to-loudness ratio ~35 dB): linear
    gain alone cannot reach -23 LUFS under -1 dBTP, so the peaks are limited first."""
    clicks = tmp_path / "clicks 'x'.wav"
    run_ffmpeg(
        "-f", "lavfi", "-i", "aevalsrc='0.01*sin(2*PI*300*t)+0.9*lt(mod(t,2),0.002)':s=48000:d=7",
        str(clicks),
    )  # fmt: skip
    result = mix_dub(clicks, 0, clicks, [(0, 7000)], tmp_path / "limited.wav", background=False)
    assert result.normalization == "limited"
    assert result.meets_target, result.loudness
    assert result.integrated_lufs == pytest.approx(EBU_R128.integrated_lufs, abs=0.2)
    mixed = _decode(result.path)
    assert abs(mixed.size - 7 * RATE) < RATE // 50
    # The limiter's look-ahead is compensated: every click is still where it was.
    for click_ms in (2000, 4000, 6000):
        lo, hi = (click_ms - 100) * RATE // 1000, (click_ms + 100) * RATE // 1000
        found_ms = (lo + int(np.argmax(np.abs(mixed[lo:hi])))) * 1000 / RATE
        assert abs(found_ms - click_ms) <= 2.0  # within the click's own 2 ms


def test_limiter_stage_in_the_command(media: Path) -> None:
    plan = MixPlan(
        media / "film sound.m4a", 0, media / "dub.wav", 6000, None, 0.0, RATE,
        limiter_gain_db=12.0, limiter_ceiling_db=-2.0,
    )  # fmt: skip
    graph = measure_pass_command(plan)[measure_pass_command(plan).index("-filter_complex") + 1]
    limiter = graph[graph.index("alimiter=") :].split("[")[0]
    assert "aresample=192000[" in graph and graph.index("aresample=192000") < graph.index(
        "alimiter"
    )
    assert "latency=true" in limiter and "level=false" in limiter
    assert "level_in=3.981072" in limiter and "limit=0.794328" in limiter  # +12 dB, -2 dBFS


def test_bad_arguments_fail_before_work(media: Path) -> None:
    film, dub = media / "film sound.m4a", media / "dub.wav"
    with pytest.raises(ConfigError, match="duck_db"):
        mix_dub(film, 0, dub, CUES, media / "x.wav", duck_db=-15)
    with pytest.raises(OutputError, match=r"\.wav or \.flac"):
        mix_dub(film, 0, dub, CUES, media / "x.mp3")
    with pytest.raises(ConfigError, match="cue 2"):
        mix_dub(film, 0, dub, [(0, 100), (500, 400)], media / "x.wav")
    with pytest.raises(MediaError, match="no audio stream 3"):
        mix_dub(film, 3, dub, CUES, media / "x.wav")
    with pytest.raises(MediaError, match="does not exist"):
        mix_dub(film, 0, media / "missing.wav", CUES, media / "x.wav")
    assert not (media / "x.wav").exists()


def test_silent_mix_is_refused_and_leaves_nothing(media: Path) -> None:
    before = set(media.iterdir())
    with pytest.raises(MediaError, match="silent"):
        mix_dub(media / "film sound.m4a", 0, media / "mute.wav", CUES, media / "s.wav",
                background=False)  # fmt: skip
    assert set(media.iterdir()) == before  # no output, no temporary left behind


def test_duck_intervals_join_lines_too_close_to_recover() -> None:
    gap = DUCK_ATTACK_MS + DUCK_RELEASE_MS
    assert duck_intervals([(5000, 6000), (0, 1000), (1000 + gap - 1, 3000)]) == [
        (0, 3000),
        (5000, 6000),
    ]
    assert duck_intervals([(0, 1000), (1000 + gap, 2000)]) == [(0, 1000), (1000 + gap, 2000)]


cue_lists = st.lists(
    st.tuples(st.integers(0, 20_000), st.integers(1, 4000)).map(lambda c: (c[0], c[0] + c[1])),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(cue_lists, st.floats(0, 40), st.integers(0, 500), st.integers(0, 800))
def test_envelope_is_ducked_in_cues_and_full_far_from_them(
    cues: list[tuple[int, int]], duck_db: float, attack: int, release: int
) -> None:
    duration = 26_000
    gain = duck_envelope(cues, duration, duck_db=duck_db, attack_ms=attack, release_ms=release)
    floor = 10 ** (-duck_db / 20)
    assert gain.size == duration
    assert np.all(gain <= 1.0 + 1e-6) and np.all(gain >= floor - 1e-6)
    for start, end in cues:
        assert np.allclose(gain[start : end + 1], floor, atol=1e-5)
    far = np.ones(duration, dtype=bool)
    for start, end in cues:
        far[max(0, start - attack) : end + release + 1] = False
    assert np.allclose(gain[far], 1.0)


@settings(max_examples=20, deadline=None)
@given(cue_lists, st.integers(1, 9000))
def test_the_envelope_written_by_blocks_is_the_whole_envelope(
    cues: list[tuple[int, int]], block: int
) -> None:
    """Block by block (a long film's envelope never whole in memory), the same samples."""
    import tempfile
    import wave

    gain = duck_envelope(cues, 26_000, duck_db=15.0, attack_ms=200, release_ms=400)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "duck.wav"
        write_duck_envelope(
            path, cues, 26_000, duck_db=15.0, attack_ms=200, release_ms=400, block=block
        )
        with wave.open(str(path)) as wav:
            samples = np.frombuffer(wav.readframes(wav.getnframes()), dtype="<i2")
    assert np.array_equal(samples, np.clip(np.round(gain * 32767.0), 0, 32767).astype("<i2"))


@pytest.mark.parametrize("seconds", [0.2, 0.5, 1.0, 1.5, 2.5, 2.9, 3.0])
def test_films_shorter_than_loudnorms_window_are_mixed(tmp_path: Path, seconds: float) -> None:
    """loudnorm hands a programme under 3 s on as one frame; FLAC (the cached mix) takes at
    most 65,535 samples a block, so 1.4-2.9 s films failed "normalising" (issue 7). At
    3.0 s (one window, loudness range 0) loudnorm left linear mode. Under 400 ms (no
    BS.1770 block) the mix measured as silent."""
    film, dub = tmp_path / "film.m4a", tmp_path / "dub.wav"
    run_ffmpeg(
        "-f", "lavfi", "-i", f"sine=f={MUSIC_HZ}:r=44100:d={seconds}", "-ac", "2",
        "-c:a", "aac", str(film),
    )  # fmt: skip
    run_ffmpeg("-f", "lavfi", "-i", f"sine=f={DUB_HZ}:r=22050:d={seconds * 0.8}", str(dub))
    cue = (0, int(seconds * 800))
    mix = mix_dub(film, 0, dub, [cue], tmp_path / "mix.flac")
    assert mix.meets_target, mix.loudness
    assert mix.normalization == "linear"
    assert abs(probe(mix.path).duration_ms - probe(film).duration_ms) <= 30
