"""gensim 4.4.0's Word2Vec on the State of the Union corpus: the figures examples/word2vec.ts
compares knobs against, and the small word2vec-format files test/word2vec.test.ts reads.

Run outside the repository's runtime (knobs never runs Python), in a venv of its own:
    python3 -m venv /tmp/venv-w2v && /tmp/venv-w2v/bin/pip install gensim==4.4.0
    bash scripts/fetch-data.sh gensim sotu
    PYTHONHASHSEED=0 /tmp/venv-w2v/bin/python scripts/gensim-word2vec-reference.py [--data .data] [--seeds 3]
Writes test/fixtures/gensim-word2vec-sotu.json and test/fixtures/gensim-vectors.{txt,bin}.
With --bench sg:WORKERS[,...] (e.g. --bench 1:1,1:2) it writes nothing: it prints one JSON line per
run (seed 1) on stdout, for bench/word2vec.ts to put beside knobs' runs of the same session.

The corpus rule is the one examples/word2vec.ts uses: each address split at . ! ? into
sentences, each sentence lowercased and cut into runs of letters a–z. Words/s is the raw corpus
words × epochs over the wall time of train() alone (vocabulary building not counted).
"""
import argparse
import json
import os
import platform
import re
import statistics
import time

import gensim
import numpy as np
from gensim.models import KeyedVectors, Word2Vec

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SETTINGS = dict(vector_size=100, window=5, negative=5, min_count=5, sample=1e-3, epochs=5, alpha=0.025, min_alpha=0.0001)


def corpus(path):
    out = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            for s in re.split(r"[.!?]", line):
                words = re.findall(r"[a-z]+", s.lower())
                if words:
                    out.append(words)
    return out


def run(sentences, data, sg, workers, seed):
    m = Word2Vec(sg=sg, hs=0, workers=workers, seed=seed, **{k: v for k, v in SETTINGS.items() if k != "epochs"})
    m.build_vocab(sentences)
    words = sum(len(s) for s in sentences)
    t, c = time.perf_counter(), time.process_time()
    m.train(sentences, total_examples=m.corpus_count, epochs=SETTINGS["epochs"])
    dt, dc = time.perf_counter() - t, time.process_time() - c
    g = os.path.join(data, "gensim")
    analogy, _ = m.wv.evaluate_word_analogies(os.path.join(g, "questions-words.txt"), restrict_vocab=30000)
    ws = m.wv.evaluate_word_pairs(os.path.join(g, "wordsim353.tsv"))
    sl = m.wv.evaluate_word_pairs(os.path.join(g, "simlex999.txt"))
    r = dict(seed=seed, workers=workers, seconds=round(dt, 3), wordsPerSec=round(words * SETTINGS["epochs"] / dt),
             cpuSeconds=round(dc, 3), wordsPerCpuSec=round(words * SETTINGS["epochs"] / dc),
             analogy=round(float(analogy), 4), wordsim353=round(float(ws[1][0]), 4), simlex999=round(float(sl[1][0]), 4),
             wordsim353Oov=round(float(ws[2]), 2), simlex999Oov=round(float(sl[2]), 2))
    print(("sg" if sg else "cbow"), r, flush=True)
    return r


def summary(runs):
    keys = ["analogy", "wordsim353", "simlex999", "wordsPerSec", "wordsPerCpuSec"]
    return {k: round(statistics.mean(r[k] for r in runs), 4) for k in keys}


def vector_fixtures():
    # Words a reader must handle: plain, non-ASCII (UTF-8), and values with many digits.
    kv = KeyedVectors(vector_size=4)
    keys = ["king", "queen", "café", "naïve", "x"]
    vecs = np.array([[0.5, -1.25, 3.0, 1e-3], [0.1, 0.2, 0.3, 0.4], [-7.5, 0.0, 2.5e-5, 1.0],
                     [1.0 / 3.0, -2.0 / 3.0, 1e6, -1e-6], [0.0, 0.0, 0.0, -0.0]], dtype=np.float32)
    kv.add_vectors(keys, vecs)
    kv.save_word2vec_format(os.path.join(ROOT, "test/fixtures/gensim-vectors.txt"), binary=False)
    kv.save_word2vec_format(os.path.join(ROOT, "test/fixtures/gensim-vectors.bin"), binary=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.path.join(ROOT, ".data"))
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--bench", default=None)
    a = ap.parse_args()
    if a.bench:
        sentences = corpus(os.path.join(a.data, "sotu", "sotu.txt"))
        for spec in a.bench.split(","):
            sg, workers = (int(x) for x in spec.split(":"))
            load = os.getloadavg()[0]
            r = run(sentences, a.data, sg, workers, 1)
            print("BENCH " + json.dumps(dict(r, sg=sg, loadBefore=round(load, 2), loadAfter=round(os.getloadavg()[0], 2))), flush=True)
        return
    vector_fixtures()
    sentences = corpus(os.path.join(a.data, "sotu", "sotu.txt"))
    seeds = list(range(1, a.seeds + 1))
    sg1 = [run(sentences, a.data, 1, 1, s) for s in seeds]
    sg2 = [run(sentences, a.data, 1, 2, seeds[0])]
    cbow = [run(sentences, a.data, 0, 1, s) for s in seeds]
    out = dict(
        gensim=gensim.__version__, python=platform.python_version(), machine=f"{os.cpu_count()} cores (shared while measured)",
        corpus=dict(file="sotu/sotu.txt", sentences=len(sentences), words=sum(len(s) for s in sentences)),
        settings=SETTINGS, analogyRestrictVocab=30000,
        skipgram1Worker=dict(mean=summary(sg1), runs=sg1), skipgram2Workers=dict(mean=summary(sg2), runs=sg2),
        cbow1Worker=dict(mean=summary(cbow), runs=cbow),
    )
    with open(os.path.join(ROOT, "test/fixtures/gensim-word2vec-sotu.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
