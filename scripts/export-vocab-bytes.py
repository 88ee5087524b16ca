#!/usr/bin/env python3
"""Writes a GGUF model's token bytes for the ContinuumGrammar tests and benchmark.

Usage: export-vocab-bytes.py MODEL.gguf OUT.bin   (needs `pip install gguf`)
Format: b"CVB1", u32 token count, u32 end-token count, u32 end ids, then per token a u16
length and the bytes. GPT-2 byte-level token texts are mapped back to bytes (Ġ = space);
control tokens are written empty (a grammar never allows them).
"""
import struct, sys
from gguf import GGUFReader

def byte_decoder():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return {chr(c): b for b, c in zip(bs, cs)}

def field(reader, name):
    f = reader.fields.get(name)
    if f is None:
        return None
    if len(f.data) == 1:
        return f.parts[f.data[0]].tolist()[0]
    return [bytes(f.parts[i]) if f.types[-1].name == "STRING" else f.parts[i].tolist()[0] for i in f.data]

reader = GGUFReader(sys.argv[1])
tokens = field(reader, "tokenizer.ggml.tokens")
types = field(reader, "tokenizer.ggml.token_type")
ends = sorted({v for v in (field(reader, "tokenizer.ggml.eos_token_id"), field(reader, "tokenizer.ggml.eot_token_id")) if v is not None})
dec = byte_decoder()
with open(sys.argv[2], "wb") as out:
    out.write(b"CVB1" + struct.pack("<II", len(tokens), len(ends)))
    for e in ends:
        out.write(struct.pack("<I", e))
    for text, kind in zip(tokens, types):
        s = text.decode("utf-8")
        if kind == 3:
            b = b""
        elif kind == 4 or not all(ch in dec for ch in s):
            b = s.encode("utf-8")
        else:
            b = bytes(dec[ch] for ch in s)
        out.write(struct.pack("<H", len(b)) + b)
print(sys.argv[1], len(tokens), "tokens, end ids", ends)
