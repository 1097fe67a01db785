"""The converted all-MiniLM-L6-v2 gives the original model's vectors.

The reference is the sentence-transformers model computed here from the registry package's own
float32 safetensors (BERT in numpy, mean pooling, L2 norm), so the GGUF conversion, llama.cpp's
WordPiece tokenizer and the Q8_0 quantization are all checked at once.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import httpx
import numpy as np
import pytest
from tokenizers import Tokenizer

from workshop_app.engine.catalog import find
from workshop_app.engine.convert_minilm import read_safetensors
from workshop_app.settings import get_settings

pytestmark = pytest.mark.real_model

SENTENCES = [
    "cat",
    "A man is eating food.",
    "The new movie is awesome, I loved every minute of it!",
    "Quarterly stock prices fell sharply after the announcement.",
]
_erf = np.vectorize(math.erf)


def _layer_norm(x: np.ndarray, weights: dict[str, np.ndarray], prefix: str, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(variance + eps) * weights[f"{prefix}.weight"] + weights[f"{prefix}.bias"]


def _dense(x: np.ndarray, weights: dict[str, np.ndarray], prefix: str) -> np.ndarray:
    return x @ weights[f"{prefix}.weight"].T + weights[f"{prefix}.bias"]


def reference_vectors(source: Path, texts: list[str]) -> np.ndarray:
    config = json.loads((source / "config.json").read_text())
    tensors = read_safetensors(source / "model.safetensors").items()
    weights = {name: array.astype(np.float64) for name, array in tensors if array.dtype != np.int64}
    tokenizer = Tokenizer.from_file(str(source / "tokenizer.json"))
    tokenizer.no_padding()  # the file pads to 128 for batches; one text at a time needs none
    heads, eps = config["num_attention_heads"], config["layer_norm_eps"]
    vectors = []
    for text in texts:
        ids = tokenizer.encode(text).ids
        embeddings = [
            weights["embeddings.word_embeddings.weight"][ids],
            weights["embeddings.position_embeddings.weight"][: len(ids)],
            weights["embeddings.token_type_embeddings.weight"][0],
        ]
        x = sum(embeddings[1:], embeddings[0])
        x = _layer_norm(x, weights, "embeddings.LayerNorm", eps)
        for layer in range(config["num_hidden_layers"]):
            at = f"encoder.layer.{layer}"
            q, k, v = (
                _dense(x, weights, f"{at}.attention.self.{part}").reshape(len(ids), heads, -1).transpose(1, 0, 2)
                for part in ("query", "key", "value")
            )
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(q.shape[-1])
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = (scores / scores.sum(-1, keepdims=True) @ v).transpose(1, 0, 2).reshape(len(ids), -1)
            x = _layer_norm(
                x + _dense(context, weights, f"{at}.attention.output.dense"),
                weights,
                f"{at}.attention.output.LayerNorm",
                eps,
            )
            hidden = _dense(x, weights, f"{at}.intermediate.dense")
            hidden = 0.5 * hidden * (1 + _erf(hidden / math.sqrt(2)))
            x = _layer_norm(x + _dense(hidden, weights, f"{at}.output.dense"), weights, f"{at}.output.LayerNorm", eps)
        pooled = x.mean(0)
        vectors.append(pooled / np.linalg.norm(pooled))
    return np.array(vectors)


def test_engine_vectors_match_the_original_model(api: httpx.Client) -> None:
    model = find("all-minilm")
    assert model is not None and get_settings().engine_cache_dir is not None
    expected = reference_vectors(model.source(get_settings().engine_cache_dir), SENTENCES)
    answer = api.post("/api/embed", json={"model": "all-minilm", "input": SENTENCES}).json()
    actual = np.array(answer["embeddings"])
    cosines = (expected * actual).sum(1)
    print("cosine to the float32 original:", cosines.round(5).tolist())
    assert cosines.min() > 0.999, cosines  # Q8_0 against float32
