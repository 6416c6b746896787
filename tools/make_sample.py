"""Build samples/sco-sample.mp4: real speech (JFK + LibriVox, see tests/data/LICENSE.md)
over a generated test picture and a quiet synthetic music bed, so that the dubbing stage has
music to keep under the ducked dialogue. Run once; the result is committed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import imageio_ffmpeg

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data"
OUT = ROOT / "samples" / "sco-sample.mp4"


def main() -> None:
    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    clips = [
        DATA / "jfk.wav",
        DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0870.wav",
        DATA / "librivox" / "sense_and_sensibility_01_austen_64kb-0880.wav",
    ]
    pause_s = 1.2
    inputs: list[str] = []
    for clip in clips:
        inputs += ["-i", str(clip)]
    n = len(clips)
    # Speech: each clip followed by a pause, then a music bed 24 dB under the speech.
    parts = "".join(
        f"[{i}:a]aresample=48000,apad=pad_dur={pause_s}[s{i}];" for i in range(n)
    )
    concat = "".join(f"[s{i}]" for i in range(n)) + f"concat=n={n}:v=0:a=1[speech];"
    music = (
        "aevalsrc='0.5*sin(2*PI*220*t)+0.3*sin(2*PI*277.18*t)+0.3*sin(2*PI*329.63*t)'"
        ":s=48000:d=30,volume=-30dB,afade=t=in:d=1[bed];"
    )
    mix = "[speech][bed]amix=inputs=2:duration=first:normalize=0,aformat=channel_layouts=stereo[a]"
    cmd = [
        ffmpeg, "-y", "-hide_banner", "-loglevel", "error", *inputs,
        "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=24",
        "-filter_complex", parts + concat + music + mix,
        "-map", f"{n}:v", "-map", "[a]", "-shortest",
        "-c:v", "libx264", "-preset", "veryslow", "-crf", "38", "-pix_fmt", "yuv420p",
        "-c:a", "aac", "-b:a", "48k",
        "-metadata:s:a:0", "language=eng", "-movflags", "+faststart",
        str(OUT),
    ]
    OUT.parent.mkdir(exist_ok=True)
    subprocess.run(cmd, check=True)
    print(OUT, OUT.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
