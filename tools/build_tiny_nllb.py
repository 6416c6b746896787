"""Build tests/data/tiny-nllb/: a TINY NLLB-shaped CTranslate2 model for tests.

It is NOT a translation model. It has NLLB-200's interface (a sentencepiece model, the
NLLB token layout ``[src_lang] pieces </s>`` -> ``[tgt_lang] pieces </s>``, the
M2M100 architecture that NLLB uses, converted with ctranslate2's transformers converter
through the same function ``scodub models pull`` uses), and it was trained for a few
minutes on a COPY task: its output is (mostly) its input, whatever the target language.
It lets the test suite run the real ctranslate2 + sentencepiece code path end to end
without torch and without a model hub.

What it produces (in --out, default tests/data/tiny-nllb/), the layout of a converted
facebook/nllb-200-distilled-600M folder:
  model.bin, config.json, shared_vocabulary.json   (ctranslate2 converter output)
  sentencepiece.bpe.model                          (copied in by the converter)
  README.md                                        (what it is, how built, measured copy rate)

Text: the gettext catalogues of the Django wheel (UI strings in all 11 languages, read
from the wheel's .po files; the wheel is fetched with ``pip download`` unless
--django-wheel is given) and the English festival articles in ../shared/seeds.
Sentencepiece: BPE, byte_fallback=True (any script round-trips, Han and Devanagari
included), the 11 NLLB language tokens as control symbols.
Model: M2M100ForConditionalGeneration, d_model 128, 2+2 layers, ~0.9 M parameters.

How long: about 6 minutes on 2 idle CPU cores with the default --steps (README.md gives
the figures of the committed build); the artefact is about 2.5 MB (int8 weights; NLLB's
1024 sinusoidal positions stay float32).

Needs torch, transformers, sentencepiece, protobuf, ctranslate2 and platformdirs, in a
SEPARATE virtualenv so the project's stays light:
    python3 -m venv /work/tinyvenv
    /work/tinyvenv/bin/pip install torch==2.13.0 transformers sentencepiece protobuf \\
        ctranslate2 platformdirs
    /work/tinyvenv/bin/python tools/build_tiny_nllb.py
Re-runnable: it rebuilds the folder from scratch (same seed, same data -> same model on
the same torch build).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from scodub.langs import LANGUAGES  # noqa: E402

DJANGO = "django==5.2.19"
SEEDS = ROOT.parent / "shared" / "seeds"
OUT = ROOT / "tests" / "data" / "tiny-nllb"
# Django's locale folder for each scodub language ("en" is the msgids themselves).
_DJANGO_LOCALE = {code: code for code in LANGUAGES} | {"zh": "zh_Hans"}
_PO_LINE = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[0\])?) "(.*)"$')
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"“A-Z0-9])")
_MAX_CHARS = 160
_MAX_TOKENS = 100


def _po_entries(text: str) -> list[tuple[str, str]]:
    """(msgid, msgstr) pairs of a .po file; plural entries give their first form."""
    entries: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    field = ""
    for line in text.splitlines():
        match = _PO_LINE.match(line)
        if match:
            field = match.group(1)
            if field in ("msgctxt", "msgid") and (current is None or "msgstr" in current
                                                  or "msgstr[0]" in current):
                current = {}
                entries.append(current)
            if current is not None:
                current[field] = match.group(2)
        elif line.startswith('"') and current is not None and field:
            current[field] = current.get(field, "") + line[1:-1]
    pairs = []
    for entry in entries:
        source = entry.get("msgid", "")
        target = entry.get("msgstr", entry.get("msgstr[0]", ""))
        pairs.append((_unescape(source), _unescape(target)))
    return pairs


def _unescape(text: str) -> str:
    return text.replace('\\"', '"').replace("\\n", " ").replace("\\t", " ").replace("\\\\", "\\")


def _clean(text: str) -> str | None:
    text = " ".join(text.split())
    if len(text) < 2 or len(text) > _MAX_CHARS or "<" in text or "%(" in text:
        return None
    return text


def django_wheel(work: Path, given: Path | None) -> Path:
    if given is not None:
        return given
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet", DJANGO, "-d", str(work)],
        check=True,
    )
    return next(work.glob("[Dd]jango-*.whl"))


def corpus(wheel: Path) -> dict[str, list[str]]:
    """Real sentences per scodub language code, deduplicated, in a stable order."""
    found: dict[str, set[str]] = {code: set() for code in LANGUAGES}
    with zipfile.ZipFile(wheel) as archive:
        for name in sorted(archive.namelist()):
            if not name.endswith(".po"):
                continue
            locale = name.split("/locale/")[1].split("/")[0]
            pairs = _po_entries(archive.read(name).decode("utf-8", "replace"))
            for code, folder in _DJANGO_LOCALE.items():
                if locale != folder:
                    continue
                for source, target in pairs:
                    for text, lang in ((source, "en"), (target, code)):
                        if (cleaned := _clean(text)) is not None:
                            found[lang].add(cleaned)
    for seed in sorted(SEEDS.glob("*.txt")):
        for line in seed.read_text(encoding="utf-8").splitlines():
            for sentence in _SENTENCE_END.split(line.strip()):
                cleaned = _clean(sentence)
                if cleaned is not None and " " in cleaned and sentence[-1:] in ".!?\"”":
                    found["en"].add(cleaned)
    return {code: sorted(texts) for code, texts in found.items()}


def train_sentencepiece(texts: list[str], prefix: Path, vocab_size: int) -> None:
    import sentencepiece as spm

    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(texts),
        model_prefix=str(prefix),
        model_type="bpe",
        vocab_size=vocab_size,
        character_coverage=0.995,  # rare characters go to byte pieces
        byte_fallback=True,
        control_symbols=[row.nllb for row in LANGUAGES.values()],
        hard_vocab_limit=False,
        minloglevel=2,
    )


def train_copy_model(
    hf_dir: Path, train: dict[str, list[str]], steps: int, batch: int, seed: int
) -> dict[str, float]:
    """Train the M2M100 model on output = input; save model + tokenizer to ``hf_dir``."""
    import sentencepiece as spm
    import torch
    from transformers import M2M100Config, M2M100ForConditionalGeneration, NllbTokenizer

    codes = [row.nllb for row in LANGUAGES.values()]
    tokenizer = NllbTokenizer.from_pretrained(str(hf_dir), extra_special_tokens=codes)
    tokenizer.save_pretrained(str(hf_dir))
    vocab = tokenizer.get_vocab()
    sp = spm.SentencePieceProcessor(model_file=str(hf_dir / "sentencepiece.bpe.model"))
    pad, eos = vocab["<pad>"], vocab["</s>"]
    # The ids the converted model will see: sentencepiece pieces looked up in NLLB's layout.
    def ids(text: str) -> list[int]:
        return [vocab[p] for p in sp.encode(text, out_type=str)]

    pools = {code: [ids(t) for t in texts] for code, texts in train.items() if texts}
    config = M2M100Config(
        vocab_size=len(vocab), d_model=128, encoder_layers=2, decoder_layers=2,
        encoder_attention_heads=4, decoder_attention_heads=4, encoder_ffn_dim=256,
        decoder_ffn_dim=256, max_position_embeddings=1024, dropout=0.0, attention_dropout=0.0,
        activation_dropout=0.0, encoder_layerdrop=0.0, decoder_layerdrop=0.0,
        scale_embedding=True, pad_token_id=pad, bos_token_id=vocab["<s>"], eos_token_id=eos,
        decoder_start_token_id=eos, tie_word_embeddings=True, tokenizer_class="NllbTokenizer",
    )
    torch.manual_seed(seed)
    rng = random.Random(seed)
    model = M2M100ForConditionalGeneration(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=0.0)
    warmup = max(1, steps // 20)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer,
        lambda s: min((s + 1) / warmup, 0.5 * (1 + math.cos(math.pi * min(s, steps) / steps))),
    )
    languages = sorted(pools)

    def example() -> tuple[list[int], list[int]]:
        lang = rng.choice(languages)
        pieces = list(rng.choice(pools[lang]))
        while rng.random() < 0.35 and len(pieces) < _MAX_TOKENS // 2:  # joined cues
            pieces += rng.choice(pools[lang])
        pieces = pieces[: _MAX_TOKENS - 2]
        src_code, tgt_code = rng.choice(codes), rng.choice(codes)
        return [vocab[src_code], *pieces, eos], [vocab[tgt_code], *pieces, eos]

    model.train()
    started = time.monotonic()
    loss_value = float("nan")
    loads: list[float] = []  # the wall time means little on a shared machine without it
    for step in range(steps):
        pairs = [example() for _ in range(batch)]
        src_len = max(len(s) for s, _ in pairs)
        tgt_len = max(len(t) for _, t in pairs)
        input_ids = torch.full((batch, src_len), pad)
        labels = torch.full((batch, tgt_len), -100)
        decoder_in = torch.full((batch, tgt_len), pad)
        for row, (src, tgt) in enumerate(pairs):
            input_ids[row, : len(src)] = torch.tensor(src)
            labels[row, : len(tgt)] = torch.tensor(tgt)
            decoder_in[row, : len(tgt)] = torch.tensor([eos, *tgt[:-1]])
        out = model(
            input_ids=input_ids, attention_mask=(input_ids != pad).long(),
            decoder_input_ids=decoder_in, labels=labels,
        )
        optimizer.zero_grad()
        out.loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        loss_value = out.loss.item()
        if step % 100 == 0 or step == steps - 1:
            loads.append(os.getloadavg()[0])
            print(f"step {step:5d}  loss {loss_value:.3f}  {time.monotonic() - started:6.0f} s",
                  flush=True)
    model.eval()
    model.save_pretrained(str(hf_dir))
    n_params = sum(p.numel() for p in model.parameters())
    return {"train_seconds": time.monotonic() - started, "final_loss": loss_value,
            "parameters": float(n_params), "steps": float(steps),
            "load": sum(loads) / len(loads)}


def evaluate(out_dir: Path, held_out: dict[str, list[str]]) -> dict[str, float]:
    """Exact-copy rate of the converted model on sentences it never saw, per language."""
    from scodub.mt.nllb import NllbTranslator

    translator = NllbTranslator(out_dir, device="cpu", beam_size=2)
    rates: dict[str, float] = {}
    for code, texts in sorted(held_out.items()):
        if not texts:
            continue
        got = translator.translate(texts, code, "ru" if code != "ru" else "en")
        rates[code] = sum(c[0] == t for c, t in zip(got, texts, strict=True)) / len(texts)
    return rates


def write_readme(out_dir: Path, stats: dict[str, float], rates: dict[str, float],
                 sizes: dict[str, int]) -> None:
    files = "\n".join(f"| {name} | {size:,} |" for name, size in sorted(sizes.items()))
    rate_rows = "\n".join(f"| {code} | {rate:.0%} |" for code, rate in rates.items())
    text = f"""# tiny-nllb: an NLLB-shaped test model (NOT a translation model)

Built by `tools/build_tiny_nllb.py` (run it with torch + transformers in a separate
virtualenv; the docstring says how). It has NLLB-200's interface and file layout: a
CTranslate2 conversion of an M2M100ForConditionalGeneration model (NLLB's architecture)
made with ctranslate2's `TransformersConverter`, a shared vocabulary in NLLB's token layout
with the language tokens of the 11 scodub languages, and its sentencepiece model
(`sentencepiece.bpe.model`, BPE, byte fallback, so any script round-trips).

It was trained for {stats['steps']:.0f} steps ({stats['train_seconds'] / 60:.1f} minutes of wall
time on 2 CPU cores at a mean load average of {stats['load']:.1f}; final batch loss
{stats['final_loss']:.3f}; {stats['parameters'] / 1e6:.2f} M parameters) on a COPY task over
real sentences (Django's gettext catalogues in all 11 languages and the festival articles
in ../shared/seeds): it returns (mostly) its input, whatever the target language token.
It exists so the tests run the real ctranslate2 + sentencepiece path without torch or a
model hub. Never use it to translate anything.
Sources: Django's .po catalogues (BSD-3-Clause, Django Software Foundation and
contributors) and the project's own festival articles.

Exact copies of held-out sentences (beam 2), per source language:

| language | exact copies |
|---|---|
{rate_rows}

| file | bytes |
|---|---|
{files}
"""
    (out_dir / "README.md").write_text(text, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--django-wheel", type=Path, default=None)
    parser.add_argument("--steps", type=int, default=1200)
    parser.add_argument("--batch", type=int, default=48)
    parser.add_argument("--vocab-size", type=int, default=2000)
    parser.add_argument("--quantization", choices=("int8", "float32"), default="int8")
    parser.add_argument("--seed", type=int, default=1234)
    args = parser.parse_args()

    import torch

    torch.set_num_threads(2)
    from scodub.provision.nllb import convert_checkpoint

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="tiny-nllb-") as tmp:
        work = Path(tmp)
        texts = corpus(django_wheel(work, args.django_wheel))
        rng = random.Random(args.seed)
        train: dict[str, list[str]] = {}
        held_out: dict[str, list[str]] = {}
        for code, sentences in texts.items():
            shuffled = sentences[:]
            rng.shuffle(shuffled)
            cut = max(1, len(shuffled) // 25)
            held_out[code], train[code] = shuffled[:cut][:40], shuffled[cut:]
            print(f"{code}: {len(train[code])} training sentences, {len(held_out[code])} held out")
        hf_dir = work / "hf"
        hf_dir.mkdir()
        all_text = [t for code in sorted(train) for t in train[code]]
        train_sentencepiece(all_text, hf_dir / "sentencepiece.bpe", args.vocab_size)
        stats = train_copy_model(hf_dir, train, args.steps, args.batch, args.seed)
        if args.out.exists():
            shutil.rmtree(args.out)
        convert_checkpoint(hf_dir, args.out, quantization=args.quantization)
    rates = evaluate(args.out, held_out)
    sizes = {p.name: p.stat().st_size for p in args.out.iterdir() if p.is_file()}
    write_readme(args.out, stats, rates, sizes)
    total = time.monotonic() - started
    print(json.dumps({"seconds": round(total), "copy_rate": rates, "bytes": sizes}, indent=1))


if __name__ == "__main__":
    main()
