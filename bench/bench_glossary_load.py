"""Glossary loading time at 1,000 / 10,000 / 100,000 terms (issue 7).

Generates synthetic glossaries (``tests/glossary_synth.py``: English, Russian and Chinese
forms, an alias on every tenth term), then times ``load_glossaries`` on a festival file
plus a film file that overrides a tenth of its terms (the merge), and the hotword ranking
that ``transcribe`` does with it. Prints each time and the ratio to the previous size:
linear work gives ~10x per 10x more terms, quadratic work ~100x.

Times are CPU seconds of this process (time.process_time), so other work on a shared
machine does not distort the ratios.

Run: ``.venv/bin/python bench/bench_glossary_load.py [--sizes 1000,10000,100000]``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from glossary_synth import synthetic_glossary_yaml  # noqa: E402
from scodub.names.io import load_glossaries  # noqa: E402
from scodub.names.prompt import hotwords  # noqa: E402


def _time_load(folder: Path, terms: int) -> tuple[float, float]:
    festival = folder / f"festival-{terms}.yaml"
    film = folder / f"film-{terms}.yaml"
    festival.write_text(synthetic_glossary_yaml(terms, seed=1, id_prefix="f"), "utf-8")
    film.write_text(synthetic_glossary_yaml(max(1, terms // 10), seed=1, id_prefix="g"), "utf-8")
    started = time.process_time()
    glossary = load_glossaries([festival, film])
    loaded = time.process_time() - started
    started = time.process_time()
    hotwords(glossary, "en")
    ranked = time.process_time() - started
    assert len(glossary) == terms
    return loaded, ranked


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    print(f"{'terms':>8} {'load s':>9} {'ratio':>7} {'hotwords s':>11} {'ratio':>7}")
    previous: tuple[int, float, float] | None = None
    with tempfile.TemporaryDirectory() as tmp:
        for terms in sizes:
            loaded, ranked = _time_load(Path(tmp), terms)
            ratios = ("", "")
            if previous is not None:
                scale = terms / previous[0]
                ratios = (
                    f"{loaded / previous[1]:.1f}x",
                    f"{ranked / max(previous[2], 1e-9):.1f}x",
                )
                ratios = (f"{ratios[0]}/{scale:g}", f"{ratios[1]}/{scale:g}")
            print(f"{terms:>8} {loaded:>9.2f} {ratios[0]:>7} {ranked:>11.3f} {ratios[1]:>7}")
            previous = (terms, loaded, ranked)


if __name__ == "__main__":
    main()
