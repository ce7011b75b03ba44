"""PyTorch's attention layers on Torchlight's weights and inputs, for the comparison test in
Tests/TorchlightNNTests/PyTorchAttentionTests.swift.

    python attention_reference.py IN.safetensors OUT.safetensors

IN holds, for every case, the layer's state dict and its inputs under the prefix "<case>.", and
in its metadata a JSON list of cases ({"name", "kind", settings, "call": {keyword arguments}}).
Each case is built in float64 with PyTorch's own module, loaded with the state dict, put in eval
mode and run; OUT gets "<case>.output" (and "<case>.weights" for MultiheadAttention). Only
numpy and torch are needed: safetensors files are read and written with numpy.
"""
import json
import struct
import sys

import numpy as np
import torch
import torch.nn as nn

KINDS = {"F32": "<f4", "F64": "<f8", "I64": "<i8", "BOOL": "?"}
NAMES = {np.dtype("<f4"): "F32", np.dtype("<f8"): "F64", np.dtype("<i8"): "I64", np.dtype("bool"): "BOOL"}


def read_safetensors(path):
    raw = open(path, "rb").read()
    (n,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=KINDS[entry["dtype"]]).reshape(entry["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors, metadata


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, tensor in tensors.items():
        array = np.ascontiguousarray(tensor.detach().numpy())
        blob = array.tobytes()
        header[name] = {"dtype": NAMES[array.dtype], "shape": list(array.shape), "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    encoded = json.dumps(header).encode("utf-8")
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(encoded)) + encoded + b"".join(blobs))


def build(case):
    kind = case["kind"]
    common = dict(dtype=torch.float64)
    if kind == "mha":
        return nn.MultiheadAttention(case["embed_dim"], case["num_heads"], dropout=case["dropout"], bias=case["bias"],
                                     kdim=case["kdim"], vdim=case["vdim"], batch_first=case["batch_first"], **common)
    layer_args = dict(d_model=case["d_model"], nhead=case["nhead"], dim_feedforward=case["dim_feedforward"],
                      dropout=case["dropout"], activation=case["activation"], layer_norm_eps=case["layer_norm_eps"],
                      batch_first=case["batch_first"], norm_first=case["norm_first"], **common)
    if kind == "encoder_layer":
        return nn.TransformerEncoderLayer(**layer_args)
    if kind == "decoder_layer":
        return nn.TransformerDecoderLayer(**layer_args)
    if kind == "transformer":
        return nn.Transformer(num_encoder_layers=case["num_encoder_layers"], num_decoder_layers=case["num_decoder_layers"],
                              **layer_args)
    raise ValueError(f"unknown kind {kind}")


def main():
    torch.set_num_threads(1)
    tensors, metadata = read_safetensors(sys.argv[1])
    outputs = {}
    for case in json.loads(metadata["cases"]):
        name = case["name"]
        prefix = name + "."
        model = build(case)
        state = {key[len(prefix):]: value for key, value in tensors.items()
                 if key.startswith(prefix + "param.")}
        state = {key[len("param."):]: value for key, value in state.items()}
        model.load_state_dict(state, strict=True)
        model.eval()
        args = [tensors[prefix + "input." + a] for a in case["inputs"]]
        kwargs = {k: tensors[prefix + "mask." + v] for k, v in case.get("masks", {}).items()}
        kwargs.update(case.get("call", {}))
        result = model(*args, **kwargs)
        if isinstance(result, tuple):
            outputs[prefix + "output"] = result[0]
            if result[1] is not None:
                outputs[prefix + "weights"] = result[1]
        else:
            outputs[prefix + "output"] = result
    write_safetensors(sys.argv[2], outputs)
    print(f"torch {torch.__version__}: {len(outputs)} outputs")


if __name__ == "__main__":
    main()
