#!/usr/bin/env python3
"""Writes test/fixtures/sklearn-reference.json: scikit-learn's numbers for the classic learners
(kNN, naive Bayes, logistic regression, k-means, Gaussian mixtures, DBSCAN, agglomerative
clustering) on the CSVs that scripts/fetch-data.sh puts in .data/sklearn/.

Run by a developer when the reference has to change, never by the tests (which only read the JSON):

    bash scripts/fetch-data.sh sklearn
    python3 -m venv /tmp/skl-venv && /tmp/skl-venv/bin/pip install scikit-learn==1.9.1 numpy==2.4.6
    /tmp/skl-venv/bin/python scripts/make-sklearn-fixtures.py

Choices that let the TypeScript side reproduce these numbers exactly rather than approximately:
- Features are rounded to float32 before anything else, because knobs' CSV reader stores float32:
  both sides then start from the same values (sklearn still computes in float64).
- Splits are written out as index lists, and every model is fit on the train rows in ascending
  index order (row order decides kNN and clustering tie-breaks).
- Where a result could hinge on a tie (kNN neighbour distances, DBSCAN border points, the
  agglomerative cut, thresholds), the script measures the margin or the number of ties and
  records it, and asserts the properties the TS tests rely on (e.g. permutation stability).
- Iterative methods get a deterministic variant (given initial centres / parameters, tight
  tolerance) so a TS implementation from the same start must land on the same optimum, besides
  sklearn's usual multi-restart result for "is our best as good as sklearn's best".
"""
from __future__ import annotations

import gzip
import hashlib
import json
import math
import platform
import sys
import warnings
from pathlib import Path

import numpy as np
import scipy
import sklearn
from sklearn.cluster import DBSCAN, AgglomerativeClustering, KMeans
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import adjusted_rand_score, log_loss, r2_score
from sklearn.mixture import GaussianMixture
from sklearn.model_selection import train_test_split
from sklearn.naive_bayes import CategoricalNB, GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / ".data" / "sklearn"
OUT = ROOT / "test" / "fixtures" / "sklearn-reference.json"

# Any convergence warning means a reference number is not what it claims to be.
warnings.simplefilter("error", ConvergenceWarning)


# ---------------------------------------------------------------- data


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def read_counts_csv(name: str):
    """sklearn's format: 'n_samples,n_features,class names...' then rows of features + int label."""
    path = DATA / name
    lines = path.read_text().strip().split("\n")
    head = lines[0].split(",")
    n, d, names = int(head[0]), int(head[1]), head[2:]
    arr = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    assert arr.shape == (n, d + 1), (name, arr.shape, n, d)
    return arr[:, :d], arr[:, d].astype(np.int64), names


def read_digits():
    """digits.csv.gz has no header line: 64 pixel values (0..16) then the digit, per row."""
    with gzip.open(DATA / "digits.csv.gz", "rt") as f:
        arr = np.loadtxt(f, delimiter=",")
    assert arr.shape == (1797, 65), arr.shape
    return arr[:, :64], arr[:, 64].astype(np.int64), [str(i) for i in range(10)]


def read_diabetes():
    """Whitespace-separated, features and target in two files (the raw, unscaled values)."""
    with gzip.open(DATA / "diabetes_data_raw.csv.gz", "rt") as f:
        x = np.loadtxt(f)
    with gzip.open(DATA / "diabetes_target.csv.gz", "rt") as f:
        y = np.loadtxt(f)
    assert x.shape == (442, 10) and y.shape == (442,), (x.shape, y.shape)
    return x, y


def f32(x: np.ndarray) -> np.ndarray:
    return x.astype(np.float32).astype(np.float64)


def check_against_sklearn(datasets):
    """The CSVs must hold what sklearn's own loaders return (guards the parsing above)."""
    from sklearn import datasets as skd

    for key, loader in [("iris", skd.load_iris), ("wine", skd.load_wine),
                        ("breast_cancer", skd.load_breast_cancer), ("digits", skd.load_digits)]:
        ref = loader()
        x, y, _ = datasets[key]
        assert np.allclose(x, f32(ref.data), rtol=1e-6, atol=0), key
        assert np.array_equal(y, ref.target), key


# ---------------------------------------------------------------- helpers


def split(n: int, y, stratify: bool, seed: int = 0, test_size: float = 0.3):
    idx = np.arange(n)
    _, test = train_test_split(idx, test_size=test_size, random_state=seed,
                               stratify=y if stratify else None)
    test = np.sort(test)
    train = np.setdiff1d(idx, test)  # ascending: the order every model is fit in
    return train, test


def standardize(train_x: np.ndarray):
    """StandardScaler: population std (ddof=0); a constant feature keeps scale 1."""
    mean = train_x.mean(axis=0)
    std = train_x.std(axis=0)
    scale = np.where(std == 0, 1.0, std)
    return mean, scale


def ints(a) -> list[int]:
    return [int(v) for v in a]


def floats(a) -> list[float]:
    return [float(v) for v in np.asarray(a).ravel()]


def matrix(a) -> list[list[float]]:
    return [floats(row) for row in np.asarray(a)]


def accuracy(pred, y) -> float:
    return float(np.mean(np.asarray(pred) == np.asarray(y)))


def pairwise(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.sqrt(((a[:, None, :] - b[None, :, :]) ** 2).sum(-1))


def knn_ties(train_x, test_x, train_y, k: int) -> dict:
    """How many test points an implementation could legitimately classify differently."""
    d = pairwise(test_x, train_x)
    ds = np.sort(d, axis=1)
    # Near ties count too: on iris' 0.1 grid exact ties in real arithmetic come out equal or not
    # depending on float32/float64 rounding, so only a relative gap makes an order trustworthy.
    kth_tie = np.flatnonzero(ds[:, k] - ds[:, k - 1] <= 1e-5 * ds[:, k])
    near = np.argsort(d, axis=1, kind="stable")[:, :k]
    votes = np.stack([np.bincount(train_y[r], minlength=max(int(train_y.max()) + 1, 2)) for r in near])
    top = np.sort(votes, axis=1)[:, -2:]
    vote_tie = np.flatnonzero(top[:, 0] == top[:, 1])
    return {"kth_distance_ties": ints(kth_tie), "uniform_vote_ties": ints(vote_tie)}


# ---------------------------------------------------------------- supervised


def knn_section(data, splits, prep):
    out = {
        "about": "KNeighborsClassifier(n_neighbors=5, algorithm='brute', metric='euclidean'), fit on "
                 "the train rows in ascending index order. Vote ties go to the smallest label; "
                 "with weights='distance' a test point at distance 0 from training points gets "
                 "weight 1 on exactly those points. kth_distance_ties lists the test positions "
                 "(0-based, into the split's test list) whose 5th and 6th nearest distances are "
                 "equal within a relative 1e-5: only there may a correct implementation pick other "
                 "neighbours (and predict differently). "
                 "uniform_vote_ties lists the test positions whose top two class votes are equal.",
        "k": 5,
    }
    for key in ["iris", "wine_raw", "wine", "breast_cancer", "digits"]:
        base = key.replace("_raw", "")
        x, y, _ = data[base]
        tr, te = splits[base]
        xtr, xte = prep(base if key == base else None, x[tr], x[te])
        res = {"dataset": base, "preprocess": "standardize" if key in prep.std_keys else "none"}
        for w in ["uniform", "distance"]:
            m = KNeighborsClassifier(n_neighbors=5, weights=w, algorithm="brute").fit(xtr, y[tr])
            p = m.predict(xte)
            res[w] = {"accuracy": accuracy(p, y[te]), "predictions": ints(p)}
        res.update(knn_ties(xtr, xte, y[tr], 5))
        out[key] = res
    return out


def knn_regressor_section(data, splits, diabetes, diabetes_split):
    out = {
        "about": "KNeighborsRegressor(n_neighbors=5, algorithm='brute'); R^2 = 1 - SS_res/SS_tot "
                 "on the test rows (SS_tot around the test mean); kth_distance_ties as for the "
                 "classifier.",
    }
    x, _, _ = data["iris"]
    tr, te = splits["iris"]
    feats, target = [0, 1, 2], 3
    res = {"dataset": "iris", "split": "iris", "features": feats, "target_feature": target,
           "preprocess": "none"}
    for w in ["uniform", "distance"]:
        m = KNeighborsRegressor(n_neighbors=5, weights=w, algorithm="brute").fit(x[tr][:, feats], x[tr][:, target])
        p = m.predict(x[te][:, feats])
        res[w] = {"r2": float(r2_score(x[te][:, target], p)), "predictions": floats(p)}
    res.update({"kth_distance_ties": knn_ties(x[tr][:, feats], x[te][:, feats], np.zeros(len(tr), int), 5)["kth_distance_ties"]})
    out["iris_petal_width"] = res

    dx, dy = diabetes
    tr, te = diabetes_split
    mean, scale = standardize(dx[tr])
    res = {"dataset": "diabetes", "split": "diabetes", "preprocess": "standardize",
           "standardize": {"mean": floats(mean), "std": floats(scale)}}
    for w in ["uniform", "distance"]:
        m = KNeighborsRegressor(n_neighbors=5, weights=w, algorithm="brute").fit((dx[tr] - mean) / scale, dy[tr])
        p = m.predict((dx[te] - mean) / scale)
        res[w] = {"r2": float(r2_score(dy[te], p))}
    out["diabetes"] = res
    return out


def gnb_section(data, splits):
    out = {
        "about": "GaussianNB(var_smoothing=1e-9) on raw features: epsilon = 1e-9 * max per-feature "
                 "variance (ddof=0) of the train rows is added to every class variance; priors are "
                 "class frequencies in train. log_loss is the mean negative log predict_proba of "
                 "the true class over the test rows.",
    }
    for key in ["iris", "wine", "breast_cancer", "digits"]:
        x, y, _ = data[key]
        tr, te = splits[key]
        m = GaussianNB().fit(x[tr], y[tr])
        p = m.predict(x[te])
        res = {"accuracy": accuracy(p, y[te]), "log_loss": float(log_loss(y[te], m.predict_proba(x[te]), labels=m.classes_)),
               "epsilon": float(m.epsilon_)}
        if key != "digits":
            res["predictions"] = ints(p)
        if key == "iris":
            res["class_prior"] = floats(m.class_prior_)
            res["theta"] = matrix(m.theta_)
            res["var"] = matrix(m.var_)
        out[key] = res
    return out


def cnb_section(data, splits):
    x, y, _ = data["digits"]
    tr, te = splits["digits"]
    cats = 17
    m = CategoricalNB(alpha=1.0, min_categories=cats).fit(x[tr].astype(int), y[tr])
    p = m.predict(x[te].astype(int))
    return {
        "about": "CategoricalNB(alpha=1.0, min_categories=17) on digits: each of the 64 pixels is a "
                 "categorical feature with values 0..16 (already integers, no binning). "
                 "P(x_j = c | class) = (count + alpha) / (class count + alpha * 17).",
        "digits": {"accuracy": accuracy(p, y[te]),
                   "log_loss": float(log_loss(y[te], m.predict_proba(x[te].astype(int)), labels=m.classes_)),
                   "predictions": ints(p)},
    }


def logreg_section(data, splits, prep):
    C, max_iter, tol = 1.0, 10000, 1e-8
    out = {
        "about": "LogisticRegression(C=1.0, l1_ratio=0 i.e. L2 penalty, solver='lbfgs', "
                 f"max_iter={max_iter}, tol={tol}, fit_intercept=True). Multiclass is multinomial "
                 "(softmax); two classes use the binary sigmoid model with ONE weight vector. "
                 "Objective minimised: mean cross-entropy over the n train rows + ||W||_F^2 / (2*C*n), "
                 "intercept not penalised (a 2-row softmax with both rows penalised is the same "
                 "model with C doubled). Softmax intercepts are only defined up to a common shift "
                 "(unpenalised), so intercept_centered has its mean subtracted.",
        "C": C, "max_iter": max_iter, "tol": tol,
    }
    for key in ["iris", "wine", "breast_cancer", "digits"]:
        x, y, _ = data[key]
        tr, te = splits[key]
        xtr, xte = prep(key, x[tr], x[te])
        m = LogisticRegression(C=C, solver="lbfgs", max_iter=max_iter, tol=tol).fit(xtr, y[tr])
        p = m.predict(xte)
        proba_tr = m.predict_proba(xtr)
        objective = log_loss(y[tr], proba_tr, labels=m.classes_) + np.sum(m.coef_ ** 2) / (2 * C * len(tr))
        res = {"preprocess": prep.describe(key), "accuracy": accuracy(p, y[te]),
               "test_log_loss": float(log_loss(y[te], m.predict_proba(xte), labels=m.classes_)),
               "train_objective": float(objective), "n_iter": int(np.max(m.n_iter_))}
        if key != "digits":
            res["predictions"] = ints(p)
        if key in ("iris", "wine"):
            res["coef"] = matrix(m.coef_)
            res["intercept_centered"] = floats(m.intercept_ - m.intercept_.mean())
        out[key] = res
    return out


# ---------------------------------------------------------------- clustering


def kmeans_section(data):
    out = {
        "about": "KMeans on ALL rows, raw features, algorithm='lloyd'. best_of_n_init: KMeans("
                 "n_init=10, init='k-means++', random_state=0) best inertia (sum of squared "
                 "distances to the nearest centre); best_inertia_over_seeds gives the spread of that "
                 "number for random_state 0..9. fixed_init: Lloyd from the given rows as initial "
                 "centres, n_init=1, tol=0 (iterate until the labels stop changing), max_iter=300: "
                 "deterministic, so the same start must give the same labels and inertia.",
    }
    for key, k, init_rows in [("iris", 3, [0, 50, 100]), ("digits", 10, None)]:
        x, y, _ = data[key]
        if init_rows is None:  # first row of each digit: a start any implementation can rebuild
            init_rows = [int(np.flatnonzero(y == c)[0]) for c in range(10)]
        best = KMeans(n_clusters=k, n_init=10, random_state=0).fit(x)
        seeds = [float(KMeans(n_clusters=k, n_init=10, random_state=s).fit(x).inertia_) for s in range(10)]
        fixed = KMeans(n_clusters=k, init=x[init_rows], n_init=1, tol=0, max_iter=300).fit(x)
        assert fixed.n_iter_ < 300
        out[key] = {
            "k": k,
            "best_of_n_init": {"n_init": 10, "random_state": 0, "inertia": float(best.inertia_),
                               "ari_vs_target": float(adjusted_rand_score(y, best.labels_))},
            "best_inertia_over_seeds": {"min": min(seeds), "max": max(seeds)},
            "fixed_init": {"init_rows": init_rows, "inertia": float(fixed.inertia_), "n_iter": int(fixed.n_iter_),
                           "labels": ints(fixed.labels_),
                           **({"centers": matrix(fixed.cluster_centers_)} if key == "iris" else {})},
        }
    return out


def gmm_section(data):
    x, y, _ = data["iris"]
    n = len(x)
    init_rows = [0, 50, 100]
    cov_all = np.cov(x.T, bias=True)
    out = {
        "about": "GaussianMixture(n_components=3, reg_covar=1e-6) on ALL 150 iris rows, raw. "
                 "total_log_likelihood = score(X) * n = sum_i log p(x_i) under the fitted model. "
                 "best_of_n_init: n_init=10, init_params='kmeans', random_state=0, tol=1e-3 "
                 "(sklearn defaults). fixed_init: weights 1/3, means = rows init_rows, every "
                 "component's covariance = the covariance of all rows (ddof=0; for 'diag' its "
                 "diagonal) given as precisions, then EM with tol=1e-10 on the change of the mean "
                 "log-likelihood, max_iter=1000; reg_covar is added to covariance diagonals in "
                 "every M-step. fixed_init stops in its own local optimum (for 'full' a worse one than "
                 "best_of_n_init: a test should match it, not beat it).",
        "n_components": 3,
    }
    for ct in ["diag", "full"]:
        best = GaussianMixture(n_components=3, covariance_type=ct, n_init=10, random_state=0).fit(x)
        if ct == "full":
            prec = np.stack([np.linalg.inv(cov_all)] * 3)
        else:
            prec = np.stack([1.0 / np.diag(cov_all)] * 3)
        fixed = GaussianMixture(n_components=3, covariance_type=ct, weights_init=np.full(3, 1 / 3),
                                means_init=x[init_rows], precisions_init=prec, tol=1e-10,
                                max_iter=1000).fit(x)
        assert fixed.converged_
        lab = fixed.predict(x)
        out[ct] = {
            "best_of_n_init": {"total_log_likelihood": float(best.score(x) * n),
                               "ari_vs_target": float(adjusted_rand_score(y, best.predict(x)))},
            "fixed_init": {"init_rows": init_rows, "total_log_likelihood": float(fixed.score(x) * n),
                           "n_iter": int(fixed.n_iter_), "weights": floats(fixed.weights_),
                           "means": matrix(fixed.means_), "labels": ints(lab),
                           "ari_vs_target": float(adjusted_rand_score(y, lab))},
        }
    return out


def dbscan_section(data):
    x, y, _ = data["iris"]
    mean, scale = x.mean(axis=0), x.std(axis=0)
    z = (x - mean) / scale
    out = {
        "about": "DBSCAN(metric='euclidean') on ALL 150 iris rows. A point is core when at least "
                 "min_samples points (itself included) lie within distance <= eps. Label -1 is "
                 "noise; cluster numbers are arbitrary (compare with adjusted Rand index). The "
                 "settings were chosen so that no pairwise distance lies within eps_margin of eps "
                 "and no border point is within eps of core points of two clusters "
                 "(ambiguous_border_points = 0), so the partition does not depend on visit order.",
    }
    cases = {
        "iris_petal_raw": ("raw petal length and width (columns 2, 3)", x[:, 2:], 0.25, 10, None),
        "iris_standardized": ("all 4 features standardized with the mean/std (ddof=0) of all rows",
                              z, 0.5, 3, {"mean": floats(mean), "std": floats(scale)}),
    }
    for key, (desc, pts, eps, ms, std) in cases.items():
        db = DBSCAN(eps=eps, min_samples=ms).fit(pts)
        lab = db.labels_
        d = pairwise(pts, pts)
        core = np.zeros(len(pts), bool)
        core[db.core_sample_indices_] = True
        ambiguous = sum(1 for i in np.flatnonzero(~core)
                        if len(set(lab[(d[i] <= eps) & core])) > 1)
        margin = float(np.min(np.abs(d - eps)))
        n_clusters = int(lab.max() + 1)
        assert ambiguous == 0 and margin > 1e-3 and n_clusters >= 3 and np.any(lab == -1), key
        out[key] = {"features": desc, "eps": eps, "min_samples": ms, **({"standardize": std} if std else {}),
                    "n_clusters": n_clusters, "n_noise": int(np.sum(lab == -1)),
                    "core_sample_indices": ints(db.core_sample_indices_), "labels": ints(lab),
                    "eps_margin": margin, "ambiguous_border_points": ambiguous,
                    "ari_vs_target": float(adjusted_rand_score(y, lab))}
    return out


def ward_check(x, children, distances):
    """sklearn's ward merge height is sqrt(2 * increase in within-cluster sum of squares)."""
    n = len(x)
    members = {i: [i] for i in range(n)}
    sse = lambda idx: float(((x[idx] - x[idx].mean(0)) ** 2).sum())
    for s, (a, b) in enumerate(children):
        ma, mb = members[a], members[b]
        delta = sse(ma + mb) - sse(ma) - sse(mb)
        assert math.isclose(distances[s] ** 2, 2 * delta, rel_tol=1e-9, abs_tol=1e-9), (s, distances[s], delta)
        members[n + s] = ma + mb


def agglomerative_section(data):
    x, y, _ = data["iris"]
    # Each threshold sits in a wide gap of its linkage's merge heights (checked below).
    thresholds = {"single": 0.7, "complete": 2.8, "average": 1.25, "ward": 4.0}
    out = {
        "about": "AgglomerativeClustering(metric='euclidean') on ALL 150 iris rows, raw features. "
                 "Merge heights: single = min pairwise distance, complete = max, average = mean "
                 "over all cross pairs, ward = sqrt(2 * increase in within-cluster sum of squares) "
                 "(checked by this script). With distance_threshold t the merges with height >= t "
                 "are not made, so n_clusters = 1 + #(heights >= t); threshold_margin is the "
                 "distance from t to the nearest height. The iris values lie on a 0.1 grid, so many "
                 "pairwise distances tie and the low levels of the complete/average trees depend on "
                 "tie order; the labels recorded here were checked to be the same partition under 30 "
                 "row permutations with relative 3e-7 noise (float32 rounding scale), so any correct "
                 "implementation gets adjusted Rand index 1.0. top_merge_heights are the last (up to 20) "
                 "heights in ascending order, as far down the tree as they stay within 1e-5 "
                 "(absolute + relative) under the same noise.",
    }
    rng = np.random.default_rng(12345)
    trials = []
    for _ in range(30):
        p = rng.permutation(len(x))
        trials.append((p, x[p] * (1 + rng.normal(scale=3e-7, size=x.shape))))

    def same_partition(labels, link, **kw):
        for p, xp in trials:
            lp = AgglomerativeClustering(linkage=link, **kw).fit(xp).labels_
            back = np.empty_like(lp)
            back[p] = lp
            if adjusted_rand_score(labels, back) != 1.0:
                return False
        return True

    def heights_of(xp, link):
        return AgglomerativeClustering(n_clusters=None, distance_threshold=0, linkage=link,
                                       compute_full_tree=True).fit(xp)

    for link in ["single", "complete", "average", "ward"]:
        full = heights_of(x, link)
        heights = full.distances_
        assert np.all(np.diff(heights) >= 0), link
        if link == "ward":
            ward_check(x, full.children_, heights)
        # Keep the top of the tree only as far down as it survives the same noise.
        n_top = 20
        for _, xp in trials[:10]:
            close = np.isclose(heights_of(xp, link).distances_[-n_top:], heights[-n_top:], rtol=1e-5, atol=1e-5)
            n_top = n_top if close.all() else n_top - 1 - int(np.flatnonzero(~close).max())
        assert n_top >= 3, (link, n_top)
        top = heights[-n_top:]
        k3 = AgglomerativeClustering(n_clusters=3, linkage=link).fit(x).labels_
        assert same_partition(k3, link, n_clusters=3), link
        t = thresholds[link]
        th = AgglomerativeClustering(n_clusters=None, distance_threshold=t, linkage=link).fit(x)
        assert th.n_clusters_ == 1 + int(np.sum(heights >= t)) and th.n_clusters_ != 3
        assert same_partition(th.labels_, link, n_clusters=None, distance_threshold=t), (link, t)
        out[link] = {
            "n_clusters_3": {"labels": ints(k3), "ari_vs_target": float(adjusted_rand_score(y, k3))},
            "distance_threshold": {"threshold": t, "n_clusters": int(th.n_clusters_), "labels": ints(th.labels_),
                                   "threshold_margin": float(np.min(np.abs(heights - t)))},
            "top_merge_heights": floats(top),
        }
    return out


# ---------------------------------------------------------------- output


def dump(obj, indent=0) -> str:
    """JSON with arrays of numbers on one line: small file, still readable and diffable."""
    pad = "  " * indent
    if isinstance(obj, dict):
        items = [f'{pad}  {json.dumps(k)}: {dump(v, indent + 1)}' for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    if isinstance(obj, list) and obj and all(isinstance(v, (dict, list)) for v in obj) and not all(
            isinstance(v, list) and all(not isinstance(u, (dict, list)) for u in v) for v in obj):
        items = [f"{pad}  {dump(v, indent + 1)}" for v in obj]
        return "[\n" + ",\n".join(items) + "\n" + pad + "]"
    if isinstance(obj, float):
        assert math.isfinite(obj), obj
    return json.dumps(obj, separators=(",", ":"), allow_nan=False)


def main() -> None:
    if not (DATA / "iris.csv").exists():
        sys.exit(f"{DATA} is empty: run `bash scripts/fetch-data.sh sklearn` first")
    raw = {
        "iris": read_counts_csv("iris.csv"),
        "wine": read_counts_csv("wine_data.csv"),
        "breast_cancer": read_counts_csv("breast_cancer.csv"),
        "digits": read_digits(),
    }
    data = {k: (f32(x), y, names) for k, (x, y, names) in raw.items()}
    check_against_sklearn(data)
    dx, dy = read_diabetes()
    diabetes = (f32(dx), f32(dy))

    splits = {k: split(len(y), y, stratify=True) for k, (_, y, _) in data.items()}
    diabetes_split = split(len(dy), None, stratify=False)

    std_keys = {"wine", "breast_cancer"}
    std_params = {}

    def prep(key, xtr, xte):
        if key == "digits_lr":
            return xtr / 16.0, xte / 16.0
        if key not in std_keys:
            return xtr, xte
        mean, scale = standardize(xtr)
        std_params[key] = {"mean": floats(mean), "std": floats(scale)}
        return (xtr - mean) / scale, (xte - mean) / scale

    prep.std_keys = std_keys
    prep.describe = lambda k: "standardize" if k in std_keys else ("divide by 16" if k == "digits" else "none")

    def prep_lr(key, xtr, xte):
        return prep("digits_lr" if key == "digits" else key, xtr, xte)

    prep_lr.describe = prep.describe

    files = ["iris.csv", "wine_data.csv", "breast_cancer.csv", "digits.csv.gz",
             "diabetes_data_raw.csv.gz", "diabetes_target.csv.gz"]
    fixture = {
        "about": "Reference numbers from scikit-learn for knobs' classic learners; written by "
                 "scripts/make-sklearn-fixtures.py from .data/sklearn (scripts/fetch-data.sh). "
                 "Features are rounded to float32 first (what ts/data/csv.ts returns). Indices are "
                 "0-based row numbers of the CSV data rows.",
        "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
                     "python": platform.python_version()},
        "data_sha256": {f: sha256(DATA / f) for f in files},
        "shapes": {k: {"n_samples": int(x.shape[0]), "n_features": int(x.shape[1]), "n_classes": len(names)}
                   for k, (x, _, names) in data.items()} | {"diabetes": {"n_samples": 442, "n_features": 10}},
        "splits": {
            "about": "sklearn train_test_split(test_size=0.3, random_state=0), stratified by class "
                     "except diabetes. train = all other rows, in ascending order; models are fit "
                     "on the train rows in that order.",
            **{k: {"n_train": len(tr), "n_test": len(te), "test": ints(te)} for k, (tr, te) in
               {**splits, "diabetes": diabetes_split}.items()},
        },
        "standardize": {
            "about": "(x - mean) / std with mean and std (ddof=0, as StandardScaler) of the TRAIN rows "
                     "only, applied to train and test rows; a feature with std 0 would keep scale 1.",
        },
    }
    fixture["knn_classifier"] = knn_section(data, splits, prep)
    fixture["standardize"].update(std_params)
    fixture["knn_regressor"] = knn_regressor_section(data, splits, diabetes, diabetes_split)
    fixture["gaussian_nb"] = gnb_section(data, splits)
    fixture["categorical_nb"] = cnb_section(data, splits)
    fixture["logistic_regression"] = logreg_section(data, splits, prep_lr)
    fixture["kmeans"] = kmeans_section(data)
    fixture["gaussian_mixture"] = gmm_section(data)
    fixture["dbscan"] = dbscan_section(data)
    fixture["agglomerative"] = agglomerative_section(data)

    text = dump(fixture) + "\n"
    json.loads(text)
    OUT.write_text(text)
    print(f"wrote {OUT.relative_to(ROOT)} ({len(text.encode()) / 1024:.1f} KB)")


if __name__ == "__main__":
    main()
