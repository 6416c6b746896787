"""From voice prints to speakers: which 1.5 s speech windows share a voice.

senko's spectral clustering (3D-Speaker's: pruned cosine affinity, unnormalised
Laplacian, k-means on the eigenvectors) labels the windows; ``--speakers N`` forces N
eigenvectors. At ``auto`` the count comes from the largest eigengap, which splits one
voice into two whenever its recording conditions change (a new microphone, another
room); the clusters found are therefore merged again while the two closest centres are
more alike than voices of different people are (``SAME_VOICE_COS``, calibrated on CAM++
prints of real speakers, see bench/bench_speakers.py). Clusters under 5% of the speech
then join the nearest voice (``speakers.merge_minor_speakers``).

Memory and time stay bounded on a feature film: the affinity matrix is built on at most
``MAX_WINDOWS`` windows taken evenly over the film, and every window then joins the
cluster whose centre its print is closest to. A film under about 15 minutes of speech is
clustered whole.
"""

from __future__ import annotations

import numpy as np

#: senko's settings (spectral.yaml): at most 15 speakers, 1.2% of the affinities kept
#: per row, clusters of fewer than 4 windows joined to the nearest larger one.
MAX_SPEAKERS = 15
_PVAL = 0.012
_MIN_WINDOWS = 4
_CLUSTER_LINE = 10  # fewer windows than this: one speaker
#: Above this many windows (about 15 minutes of speech) the spectral step runs on an even
#: sample of them. Its memory grows with the square: on top of the loaded models, 3000
#: windows took 447 MiB, 2000 204 MiB, 1500 120 MiB, 1000 61 MiB
#: (bench/bench_speakers_memory.py), so at 3000 a feature film's peak was set here.
MAX_WINDOWS = 1500
#: Two clusters whose centres are at least this alike (cosine) are one voice (auto).
#: senko's own value, 0.875, left one voice split in two or three (JFK's noisy recording:
#: its pieces were 0.66-0.75 alike; the LibriVox reader's 0.87-0.93), while different
#: real people were 0.39-0.55 alike. Two women's diphone voices (Festival's Czech dita
#: and Italian lp) were 0.73 alike: the one pair closer than a split voice, so the line
#: sits just above them. Chosen on the tuned clips of bench/bench_speakers.py (mean
#: confusion 3.3% against 8.3% at 0.875); its held-out clips were not looked at.
SAME_VOICE_COS = 0.75


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=-1, keepdims=True)
    out: np.ndarray = x / np.where(norms > 0, norms, 1.0)
    return out


def _centres(vectors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ids = np.unique(labels)
    return ids, np.stack([vectors[labels == i].mean(axis=0) for i in ids])


def _join_small(vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Clusters of fewer than ``_MIN_WINDOWS`` windows: each window to the nearest centre
    of a larger one (senko's filter_minor_cluster)."""
    ids, sizes = np.unique(labels, return_counts=True)
    major = ids[sizes >= _MIN_WINDOWS]
    if len(major) == len(ids):
        return labels
    if len(major) == 0:
        return np.zeros_like(labels)
    centres = _unit(np.stack([vectors[labels == i].mean(axis=0) for i in major]))
    out = labels.copy()
    minor = ~np.isin(labels, major)
    out[minor] = major[np.argmax(_unit(vectors[minor]) @ centres.T, axis=1)]
    return out


def merge_alike(vectors: np.ndarray, labels: np.ndarray, threshold: float) -> np.ndarray:
    """Merge the two clusters with the most alike centres while they are at least
    ``threshold`` alike (cosine), centres recomputed after each merge."""
    labels = labels.copy()
    while True:
        ids, centres = _centres(vectors, labels)
        if len(ids) < 2:
            return labels
        affinity = _unit(centres) @ _unit(centres).T
        affinity[np.tril_indices(len(ids))] = -np.inf
        a, b = np.unravel_index(int(np.argmax(affinity)), affinity.shape)
        if affinity[a, b] < threshold:
            return labels
        labels[labels == ids[b]] = ids[a]


def _spectral(vectors: np.ndarray, count: int | None) -> np.ndarray:
    from senko.cluster.cluster_cpu import SpectralCluster

    spectral = SpectralCluster(min_num_spks=1, max_num_spks=MAX_SPEAKERS, pval=_PVAL)
    labels: np.ndarray = spectral(vectors, oracle_num=count)
    return np.asarray(labels, dtype=np.int64)


def label_windows(
    vectors: np.ndarray, count: int | None, *, same_voice_cos: float = SAME_VOICE_COS
) -> np.ndarray:
    """One label per window (0, 1, ...; any order): ``count`` speakers when given."""
    n = len(vectors)
    if n < _CLUSTER_LINE:
        return np.zeros(n, dtype=np.int64)
    vectors = np.asarray(vectors, dtype=np.float64)
    sample = np.arange(n)
    if n > MAX_WINDOWS:
        sample = np.unique(np.linspace(0, n - 1, MAX_WINDOWS).round().astype(np.int64))
    labels = _join_small(vectors[sample], _spectral(vectors[sample], count))
    if count is None:
        labels = merge_alike(vectors[sample], labels, same_voice_cos)
    if len(sample) == n:
        return labels
    ids, centres = _centres(vectors[sample], labels)
    out: np.ndarray = ids[np.argmax(_unit(vectors) @ _unit(centres).T, axis=1)]
    return out
