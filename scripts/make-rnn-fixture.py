#!/usr/bin/env python3
"""Writes test/fixtures/rnn-reference.safetensors: weights named and shaped as PyTorch's nn.RNN,
nn.LSTM and nn.GRU state dicts, inputs, initial states, and the outputs of PyTorch's equations
computed here in float64 numpy (torch is not installable on the build machine; the equations are
those of the torch.nn.LSTM/GRU/RNN documentation, gate order i,f,g,o and r,z,n, with the GRU's
reset gate applied to (W_hn·h + b_hn)).

Run by a developer when the reference has to change, never by the tests:

    python3 -m venv /tmp/rnn-venv && /tmp/rnn-venv/bin/pip install numpy==2.4.6 safetensors==0.8.0
    /tmp/rnn-venv/bin/python scripts/make-rnn-fixture.py

Weights are drawn as float32 (what knobs stores) and the reference is computed from exactly those
values, so knobs must match to float32 rounding of the arithmetic alone. Keys are
"<model>.<pytorch name>" for weights, "<model>.x", "<model>.h0", "<model>.c0" for inputs and
"<model>.y", "<model>.hN", "<model>.cN" for expected outputs; the metadata lists each model's config.
"""
import json
import os

import numpy as np
from safetensors.numpy import save_file

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "..", "test", "fixtures", "rnn-reference.safetensors")

rng = np.random.default_rng(20261129)


def f32(shape, k):
    return rng.uniform(-k, k, size=shape).astype(np.float32)


def sigmoid(v):
    return 1 / (1 + np.exp(-v))


def cell(kind, x, h, c, w_ih, w_hh, b_ih, b_hh):
    gi = x @ w_ih.T + b_ih
    gh = h @ w_hh.T + b_hh
    if kind == "tanh":
        return np.tanh(gi + gh), None
    if kind == "relu":
        return np.maximum(gi + gh, 0), None
    if kind == "lstm":
        i, f, g, o = np.split(gi + gh, 4, axis=1)
        c2 = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        return sigmoid(o) * np.tanh(c2), c2
    r_i, z_i, n_i = np.split(gi, 3, axis=1)
    r_h, z_h, n_h = np.split(gh, 3, axis=1)
    r = sigmoid(r_i + r_h)
    z = sigmoid(z_i + z_h)
    n = np.tanh(n_i + r * n_h)
    return (1 - z) * n + z * h, None


GATES = {"tanh": 1, "relu": 1, "lstm": 4, "gru": 3}


def model(name, kind, I, H, L, T, B, batch_first, out):
    k = 1 / np.sqrt(H)
    G = GATES[kind]
    params = []
    for l in range(L):
        inp = I if l == 0 else H
        p = {
            f"weight_ih_l{l}": f32((G * H, inp), k),
            f"weight_hh_l{l}": f32((G * H, H), k),
            f"bias_ih_l{l}": f32((G * H,), k),
            f"bias_hh_l{l}": f32((G * H,), k),
        }
        params.append(p)
        for n, v in p.items():
            out[f"{name}.{n}"] = v
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I)).astype(np.float32)
    h0 = rng.standard_normal((L, B, H)).astype(np.float32) * 0.5
    c0 = rng.standard_normal((L, B, H)).astype(np.float32) * 0.5
    out[f"{name}.x"] = x
    out[f"{name}.h0"] = h0
    if kind == "lstm":
        out[f"{name}.c0"] = c0
    seq = (np.swapaxes(x, 0, 1) if batch_first else x).astype(np.float64)
    hN, cN = [], []
    for l in range(L):
        p = {n: v.astype(np.float64) for n, v in params[l].items()}
        h, c = h0[l].astype(np.float64), c0[l].astype(np.float64)
        ys = []
        for t in range(T):
            h, c2 = cell(kind, seq[t], h, c, p[f"weight_ih_l{l}"], p[f"weight_hh_l{l}"], p[f"bias_ih_l{l}"], p[f"bias_hh_l{l}"])
            c = c2 if c2 is not None else c
            ys.append(h)
        seq = np.stack(ys)
        hN.append(h)
        cN.append(c)
    y = np.swapaxes(seq, 0, 1) if batch_first else seq
    out[f"{name}.y"] = y.astype(np.float32)
    out[f"{name}.hN"] = np.stack(hN).astype(np.float32)
    if kind == "lstm":
        out[f"{name}.cN"] = np.stack(cN).astype(np.float32)
    return {"kind": kind, "inputSize": I, "hiddenSize": H, "numLayers": L, "batchFirst": batch_first}


def main():
    out = {}
    configs = {
        "lstm": model("lstm", "lstm", 3, 4, 2, 5, 2, False, out),
        "gru": model("gru", "gru", 3, 5, 2, 4, 3, True, out),
        "rnn_tanh": model("rnn_tanh", "tanh", 4, 3, 1, 6, 2, False, out),
        "rnn_relu": model("rnn_relu", "relu", 2, 3, 2, 3, 2, True, out),
    }
    # astype keeps a swapped view's strides and save_file writes the raw buffer: make every array C-ordered.
    out = {k: np.ascontiguousarray(v) for k, v in out.items()}
    save_file(out, OUT, metadata={"configs": json.dumps(configs, sort_keys=True), "generator": "scripts/make-rnn-fixture.py"})
    print(f"wrote {OUT}: {len(out)} tensors")


if __name__ == "__main__":
    main()
