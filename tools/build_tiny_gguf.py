"""Build tests/data/tiny-llm/tiny-llama.gguf: a tiny llama-architecture chat model.

It is NOT a translation model: its weights are random (seeded, so the file is the same
on every run) except for one steering direction: embedding dimension 0 is 1 for every
token and the attention and feed-forward weights are small, so after the final norm that
dimension dominates, and column 0 of the output matrix is a fixed preference over tokens
(quotes and JSON closers first, then the word piece "▁the", everything else far below).
Greedy decoding under a JSON grammar therefore writes short, plain answers
(``{"1": " the", ...}``) instead of random bytes, whatever the prompt.

It exists so the tests run a real OpenAI-compatible server (llama.cpp's, from
``llama-cpp-python[server]``) end to end without a model hub: the server loads it,
applies its chat template, tokenizes the prompt, runs the transformer and samples under
the JSON-schema grammar the client asks for, so the answer is well-formed JSON with the
right cue numbers.

Layout: 2 layers, 64-dim embeddings, 4 heads, 128-dim feed-forward, float32; a
SentencePiece-style ("llama") vocabulary of the control tokens, the 256 byte-fallback
tokens (so any UTF-8 text tokenizes), the printable ASCII characters and a few JSON
pieces; a ChatML chat template. About 0.5 MB.

    python tools/build_tiny_gguf.py [OUT.gguf]     # needs: pip install gguf numpy
"""

from __future__ import annotations

import string
import sys
from pathlib import Path

import gguf
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "tests" / "data" / "tiny-llm" / "tiny-llama.gguf"
N_EMBD, N_HEAD, N_LAYER, N_FF, N_CTX = 64, 4, 2, 128, 8192
CHATML = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + "
    "message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


#: Column 0 of the output matrix: what greedy decoding prefers where the grammar allows.
PREFERENCE = {'"': 3.0, '"}': 3.0, '",': 3.0, '":': 3.0, '{"': 3.0, "▁the": 2.0, "<|im_end|>": 2.5}


def vocabulary() -> tuple[list[str], list[float], list[int]]:
    """Tokens, scores and token types of the tiny SentencePiece-style vocabulary."""
    tokens = ["<unk>", "<s>", "</s>", "<|im_start|>", "<|im_end|>"]
    types = [gguf.TokenType.UNKNOWN] + [gguf.TokenType.CONTROL] * 4
    tokens += [f"<0x{b:02X}>" for b in range(256)]
    types += [gguf.TokenType.BYTE] * 256
    pieces = ["▁"] + [c for c in string.printable if c.isprintable() and c != " "]
    pieces += ['{"', '":', '",', '"}', "▁the", "▁and", "[[", "]]"]
    tokens += pieces
    types += [gguf.TokenType.NORMAL] * len(pieces)
    scores = [0.0] * (len(tokens) - len(pieces)) + [float(len(p)) - 10.0 for p in pieces]
    return tokens, scores, [int(t) for t in types]


def build(out: Path = DEFAULT_OUT, seed: int = 20250703) -> Path:
    tokens, scores, types = vocabulary()
    rng = np.random.default_rng(seed)

    def weight(*shape: int) -> np.ndarray:
        return (rng.standard_normal(shape) * 0.02).astype(np.float32)

    out.parent.mkdir(parents=True, exist_ok=True)
    writer = gguf.GGUFWriter(str(out), "llama")
    writer.add_name("scodub tiny llama (random weights, tests only)")
    writer.add_context_length(N_CTX)
    writer.add_embedding_length(N_EMBD)
    writer.add_block_count(N_LAYER)
    writer.add_feed_forward_length(N_FF)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD)
    writer.add_rope_dimension_count(N_EMBD // N_HEAD)
    writer.add_rope_freq_base(10000.0)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(tokens)
    writer.add_token_scores(scores)
    writer.add_token_types(types)
    writer.add_bos_token_id(1)
    writer.add_eos_token_id(4)  # <|im_end|> ends a ChatML turn
    writer.add_unk_token_id(0)
    writer.add_add_bos_token(False)
    writer.add_chat_template(CHATML)
    n_vocab = len(tokens)
    embedding = weight(n_vocab, N_EMBD)
    embedding[:, 0] = 1.0  # the steering direction (see the module docstring)
    writer.add_tensor("token_embd.weight", embedding)
    for i in range(N_LAYER):
        ones = np.ones(N_EMBD, dtype=np.float32)
        writer.add_tensor(f"blk.{i}.attn_norm.weight", ones)
        for name in ("attn_q", "attn_k", "attn_v", "attn_output"):
            writer.add_tensor(f"blk.{i}.{name}.weight", weight(N_EMBD, N_EMBD))
        writer.add_tensor(f"blk.{i}.ffn_norm.weight", ones.copy())
        writer.add_tensor(f"blk.{i}.ffn_gate.weight", weight(N_FF, N_EMBD))
        writer.add_tensor(f"blk.{i}.ffn_up.weight", weight(N_FF, N_EMBD))
        writer.add_tensor(f"blk.{i}.ffn_down.weight", weight(N_EMBD, N_FF))
    writer.add_tensor("output_norm.weight", np.ones(N_EMBD, dtype=np.float32))
    output = weight(n_vocab, N_EMBD)
    output[:, 0] = [PREFERENCE.get(t, -2.0) for t in tokens]
    writer.add_tensor("output.weight", output)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out


if __name__ == "__main__":
    path = build(Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OUT)
    print(f"{path}: {path.stat().st_size} bytes")
