"""Convert all-MiniLM-L6-v2 (safetensors + WordPiece tokenizer) into a GGUF file llama.cpp runs.

No package ships this sentence-embedding model as GGUF, so setup produces it from the registry
package's own files. The conversion follows llama.cpp's BERT layout (phantom-space WordPiece
vocabulary, mean pooling, non-causal attention) and is deterministic: the same inputs give the
same bytes, so the checksum recorded in the catalog proves the file.

    python -m workshop_app.engine.convert_minilm MODEL_DIR OUT.gguf [--type q8_0|f16]
"""

from __future__ import annotations

import argparse
import json
import struct
from pathlib import Path

import gguf
import numpy as np

_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}
# Kept in full precision: small tables read row by row, where quantizing buys nothing.
_FLOAT_TENSORS = ("position_embd.weight", "token_types.weight")
_SKIPPED = ("embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias")


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """Tensors of a .safetensors file (a JSON header, then raw little-endian arrays)."""
    raw = path.read_bytes()
    (header_size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8 : 8 + header_size])
    body = memoryview(raw)[8 + header_size :]
    tensors = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        start, end = info["data_offsets"]
        dtype = _DTYPES[info["dtype"]]
        tensors[name] = np.frombuffer(body[start:end], dtype=dtype).reshape(info["shape"])
    return tensors


def _phantom(token: str) -> str:
    """llama.cpp's WordPiece form: word starts carry '▁', continuations lose their '##'."""
    if token.startswith("[") and token.endswith("]"):
        return token
    if token.startswith("##"):
        return token[2:]
    return "\u2581" + token


def _vocabulary(model_dir: Path) -> tuple[list[str], list[int]]:
    tokens = (model_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    added = json.loads((model_dir / "tokenizer.json").read_text(encoding="utf-8")).get("added_tokens", [])
    special = {item["id"] for item in added if item.get("special")}
    types = [
        int(gguf.TokenType.CONTROL) if index in special else int(gguf.TokenType.NORMAL) for index in range(len(tokens))
    ]
    return [_phantom(token) for token in tokens], types


def _quantized(
    name: str, data: np.ndarray, qtype: gguf.GGMLQuantizationType
) -> tuple[np.ndarray, gguf.GGMLQuantizationType]:
    if data.ndim == 1 or name in _FLOAT_TENSORS:
        return data.astype(np.float32), gguf.GGMLQuantizationType.F32
    if qtype == gguf.GGMLQuantizationType.F16:
        return data.astype(np.float16), qtype
    return gguf.quants.quantize(data.astype(np.float32), qtype), qtype


def convert(model_dir: Path, out: Path, quant: str = "q8_0") -> Path:
    """Write the GGUF for the model in model_dir (config.json, model.safetensors, vocab, pooling)."""
    config = json.loads((model_dir / "config.json").read_text())
    pooling_config = model_dir / "1_Pooling" / "config.json"
    if pooling_config.exists() and not json.loads(pooling_config.read_text()).get("pooling_mode_mean_tokens"):
        raise ValueError(f"{model_dir} does not use mean pooling; only mean-pooled BERT models are converted")
    qtype = {"q8_0": gguf.GGMLQuantizationType.Q8_0, "f16": gguf.GGMLQuantizationType.F16}[quant]
    file_type = {"q8_0": gguf.LlamaFileType.MOSTLY_Q8_0, "f16": gguf.LlamaFileType.MOSTLY_F16}[quant]
    blocks = int(config["num_hidden_layers"])
    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, blocks)

    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    writer = gguf.GGUFWriter(partial, gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.BERT])
    writer.add_name("all-MiniLM-L6-v2")
    writer.add_block_count(blocks)
    writer.add_context_length(int(config["max_position_embeddings"]))
    writer.add_embedding_length(int(config["hidden_size"]))
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_head_count(int(config["num_attention_heads"]))
    writer.add_layer_norm_eps(float(config["layer_norm_eps"]))
    writer.add_causal_attention(False)
    writer.add_pooling_type(gguf.PoolingType.MEAN)
    writer.add_file_type(file_type)

    tokens, types = _vocabulary(model_dir)
    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre("default")
    writer.add_token_type_count(int(config.get("type_vocab_size", 1)))
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    # The [CLS] id is written as BOS (llama.cpp's BERT reads it there); 'cls' itself has no key.
    kinds = ("bos", "eos", "unk", "sep", "pad", "mask")
    special = gguf.SpecialVocab(model_dir, n_vocab=len(tokens), special_token_types=kinds)
    special.add_to_gguf(writer, quiet=True)

    for source, data in read_safetensors(model_dir / "model.safetensors").items():
        if source in _SKIPPED:
            continue
        target = names.get_name(source, try_suffixes=(".weight", ".bias"))
        if target is None:
            raise ValueError(f"{source} has no GGUF name in llama.cpp's BERT layout")
        array, kind = _quantized(target, data, qtype)
        writer.add_tensor(target, array, raw_dtype=kind)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    partial.replace(out)
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("model_dir", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--type", choices=("q8_0", "f16"), default="q8_0")
    args = parser.parse_args(argv)
    print(convert(args.model_dir, args.out, args.type))


if __name__ == "__main__":
    main()
