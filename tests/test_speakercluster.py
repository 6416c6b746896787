"""From voice prints to speakers (scodub.asr.speakercluster), on prints built to shape."""

from __future__ import annotations

import numpy as np
import pytest

from scodub.asr import speakercluster
from scodub.asr.speakercluster import label_windows, merge_alike


def _voices(rng: np.random.Generator, centres: list[np.ndarray], each: int) -> np.ndarray:
    return np.concatenate([c + rng.normal(0, 0.15, (each, c.size)) for c in centres])


def _pair(cos: float, dim: int = 16, axis: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two unit vectors ``cos`` alike, in the plane of axes ``axis`` and ``axis + 1``."""
    a = np.zeros(dim)
    b = np.zeros(dim)
    a[axis] = 1.0
    b[axis], b[axis + 1] = cos, np.sqrt(1 - cos**2)
    return a, b


def test_one_voice_split_in_two_is_merged_again() -> None:
    rng = np.random.default_rng(0)
    one_a, one_b = _pair(0.85, axis=0)  # one voice, two recording conditions
    two_a, two_b = _pair(0.9, axis=4)
    vectors = _voices(rng, [one_a, one_b, two_a, two_b], 30)
    labels = np.repeat([0, 1, 2, 3], 30)
    merged = merge_alike(vectors, labels, 0.75)
    assert len(set(merged[:60])) == 1 and len(set(merged[60:])) == 1
    assert merged[0] != merged[60]
    # Two voices less alike than the line stay apart.
    far = merge_alike(vectors, labels, 0.99)
    assert len(set(far)) == 4


def test_auto_count_and_forced_count() -> None:
    rng = np.random.default_rng(1)
    a, b = _pair(0.3, axis=0)
    c, _ = _pair(0.3, axis=8)
    vectors = _voices(rng, [a, b, c], 40)
    auto = label_windows(vectors, None)
    assert len(set(auto)) == 3
    assert [len(set(auto[k : k + 40])) for k in (0, 40, 80)] == [1, 1, 1]
    assert len(set(label_windows(vectors, 2))) == 2
    assert set(label_windows(vectors[:5], None)) == {0}  # too few windows: one speaker


def test_a_long_film_is_clustered_on_a_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(2)
    a, b = _pair(0.2, axis=0)
    vectors = _voices(rng, [a, b, a, b], 100)  # the two voices take turns
    whole = label_windows(vectors, None)
    monkeypatch.setattr(speakercluster, "MAX_WINDOWS", 60)
    sampled = label_windows(vectors, None)
    # Every window still gets a label, the same grouping as the whole clustering.
    assert len(sampled) == len(vectors)
    assert all((sampled == sampled[i]).tolist() == (whole == whole[i]).tolist() for i in (0, 100))
