"""Kill -9 of a real ``scodub batch`` at three points, then resume (issue 10): after each
kill, how many stages had finished, how many were running, and how many of the finished
ones the next run did again (target: none: only the running ones are redone).

Two short films (English speech, English and Russian subtitles through the tiny test
translation model); the kill points are the first moment a transcription, a translation
and a publication are running. The last run finishes the batch.

Run: ``.venv/bin/python bench/bench_batch_resume.py`` (about two minutes on 2 cores).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from test_batch_resume import TINY_NLLB, _command, _env, _kill_when, _state, _with  # noqa: E402


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-resume-") as tmp:
        root = Path(tmp)
        for folder in ("a", "b"):
            (root / folder).mkdir()
            shutil.copy(ROOT / "tests" / "data" / "jfk.wav", root / folder / "speech.wav")
        manifest = root / "m.yaml"
        manifest.write_text(
            f"defaults: {{lang: en, langs: [en, ru], mt_model: {TINY_NLLB}}}\n"
            "films: [a/speech.wav, b/speech.wav]\n"
        )
        out = root / "out"
        before = _state(out)
        print("kill at      finished  running  redone-of-finished  reused-of-finished")
        for point in ("transcribe", "localize", "publish"):
            after = _kill_when(manifest, out, point)
            finished = _with(before, "done") | _with(before, "reused")
            redone = finished & (_with(after, "done") | _with(after, "running"))
            reused = finished & _with(after, "reused")
            running = _with(after, "running")
            done_now = _with(after, "done") | _with(after, "reused")
            print(f"{point:<12} {len(done_now):>8}  {len(running):>7}  {len(redone):>18}  "
                  f"{len(reused):>18}")  # fmt: skip
            before = after
        result = subprocess.run(_command(manifest, out), env=_env(), capture_output=True)
        final = _state(out)
        finished = _with(before, "done") | _with(before, "reused")
        ran = _with(final, "done")
        open_at_kill = _with(before, "running") | _with(before, "pending")
        print(f"final run: exit {result.returncode}; ran {len(ran)} stages, all of them "
              f"running or pending at the last kill: {ran <= open_at_kill}; "
              f"finished before and run again: {len(ran & finished)}")  # fmt: skip


if __name__ == "__main__":
    main()
