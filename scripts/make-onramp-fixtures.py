#!/usr/bin/env python3
"""Writes test/fixtures/sklearn-onramp.json: scikit-learn's numbers for the data on-ramp
(train_test_split sizes, StandardScaler, MinMaxScaler, LabelEncoder, OneHotEncoder) and the
metrics (precision/recall/F1, confusion matrix, top-k accuracy, MAE, MSE, R²).

Run by a developer when the reference has to change, never by the tests (which only read the JSON):

    python3 -m venv /tmp/skl-venv && /tmp/skl-venv/bin/pip install scikit-learn numpy
    /tmp/skl-venv/bin/python scripts/make-onramp-fixtures.py

Inputs are drawn from a seeded generator and rounded to float32, so both sides start from the
same values. train_test_split's shuffled *order* comes from NumPy's generator and is not
reproduced; what is compared is what a user relies on: the sizes, and the per-class counts of a
stratified split (cases chosen without ties in sklearn's largest-remainder allocation, where
sklearn breaks ties at random).
"""
import json
import warnings
from pathlib import Path

import numpy as np
import sklearn
from sklearn.metrics import (accuracy_score, confusion_matrix, f1_score, mean_absolute_error,
                             mean_squared_error, precision_score, r2_score, recall_score,
                             top_k_accuracy_score)
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder, MinMaxScaler, OneHotEncoder, StandardScaler

OUT = Path(__file__).resolve().parent.parent / "test" / "fixtures" / "sklearn-onramp.json"
warnings.simplefilter("ignore")  # zero_division warnings: the value (0.0) is what is recorded
rng = np.random.default_rng(17)


def f32(a):
    return np.asarray(a, dtype=np.float32).astype(np.float64)


def lst(a):
    return np.asarray(a).tolist()


out = {"sklearn": sklearn.__version__, "numpy": np.__version__}

# ---- train_test_split sizes
sizes = []
for n in (600, 10, 7, 3):
    for kw in ({}, {"test_size": 0.2}, {"test_size": 0.25}, {"train_size": 0.8}, {"test_size": 0.33},
               {"test_size": 2}, {"train_size": 3}, {"test_size": 0.3, "train_size": 0.5},
               {"train_size": 0.67}):
        try:
            tr, te = train_test_split(np.arange(n), random_state=0, **kw)
            sizes.append({"n": n, "opts": kw, "train": len(tr), "test": len(te)})
        except ValueError as e:
            sizes.append({"n": n, "opts": kw, "error": str(e)[:80]})
    tr, te = train_test_split(np.arange(n), shuffle=False, test_size=0.3)
    sizes.append({"n": n, "opts": {"test_size": 0.3, "shuffle": False}, "train_idx": lst(tr), "test_idx": lst(te)})
out["train_test_split_sizes"] = sizes

strat = []
for counts, kw in (([50, 30, 20], {"test_size": 0.2}), ([7, 5, 3], {"test_size": 0.4}),
                   ([100, 10], {"test_size": 0.25}), ([40, 40, 20], {"test_size": 0.3, "train_size": 0.5})):
    y = np.repeat(np.arange(len(counts)), counts)
    tr, te = train_test_split(np.arange(len(y)), stratify=y, random_state=0, **kw)
    strat.append({"counts": counts, "opts": kw, "train_counts": lst(np.bincount(y[tr], minlength=len(counts))),
                  "test_counts": lst(np.bincount(y[te], minlength=len(counts)))})
out["train_test_split_stratified"] = strat

# ---- scalers
X = f32(rng.normal(3.0, 2.0, size=(12, 4)))
X[:, 2] = 5.0  # a constant column: scale_ 1 (StandardScaler) / range 0 (MinMaxScaler)
X = f32(X)
Xnew = f32(rng.normal(0.0, 5.0, size=(3, 4)))
ss = StandardScaler().fit(X)
ss_nm = StandardScaler(with_mean=False).fit(X)
mm = MinMaxScaler().fit(X)
mm2 = MinMaxScaler(feature_range=(-1, 2)).fit(X)
mm_clip = MinMaxScaler(clip=True).fit(X)
out["scalers"] = {
    "X": lst(X), "Xnew": lst(Xnew),
    "standard": {"mean": lst(ss.mean_), "var": lst(ss.var_), "scale": lst(ss.scale_),
                 "transform": lst(ss.transform(X)), "transform_new": lst(ss.transform(Xnew))},
    "standard_no_mean": {"scale": lst(ss_nm.scale_), "transform": lst(ss_nm.transform(X))},
    "minmax": {"data_min": lst(mm.data_min_), "data_max": lst(mm.data_max_), "scale": lst(mm.scale_),
               "min": lst(mm.min_), "transform": lst(mm.transform(X)), "transform_new": lst(mm.transform(Xnew))},
    "minmax_range": {"transform_new": lst(mm2.transform(Xnew)), "scale": lst(mm2.scale_), "min": lst(mm2.min_)},
    "minmax_clip": {"transform_new": lst(mm_clip.transform(Xnew))},
}

# ---- encoders
labels = ["setosa", "virginica", "versicolor", "setosa", "virginica", "b", "Z"]
le = LabelEncoder().fit(labels)
num_labels = [3, 10, 2, 3, -1]
le_num = LabelEncoder().fit(num_labels)
cats = [["red", "S"], ["green", "M"], ["blue", "L"], ["green", "S"], ["red", "XL"]]
ohe = OneHotEncoder(sparse_output=False).fit(cats)
ohe_ign = OneHotEncoder(sparse_output=False, handle_unknown="ignore").fit(cats)
num_cats = [[1, 10], [2, 10], [1, 30], [5, 20]]
ohe_num = OneHotEncoder(sparse_output=False).fit(num_cats)
out["encoders"] = {
    "labels": labels, "label_classes": lst(le.classes_), "label_transform": lst(le.transform(labels)),
    "num_labels": num_labels, "num_label_classes": lst(le_num.classes_), "num_label_transform": lst(le_num.transform(num_labels)),
    "cats": cats, "onehot_categories": [lst(c) for c in ohe.categories_], "onehot_transform": lst(ohe.transform(cats)),
    "onehot_unknown_row": ["purple", "M"], "onehot_unknown_ignore": lst(ohe_ign.transform([["purple", "M"]])),
    "onehot_inverse_of_ignored": lst(ohe_ign.inverse_transform(ohe_ign.transform([["purple", "M"]]))),
    "num_cats": num_cats, "onehot_num_categories": [lst(c) for c in ohe_num.categories_],
    "onehot_num_transform": lst(ohe_num.transform(num_cats)),
}

# ---- classification metrics (class 3 is never predicted: zero_division gives 0)
y_true = rng.integers(0, 4, size=40)
y_pred = np.where(rng.random(40) < 0.6, y_true, rng.integers(0, 3, size=40))
scores = f32(rng.normal(size=(40, 4)))
scores[np.arange(40), y_true] += 0.8
scores = f32(scores)
cls = {"y_true": lst(y_true), "y_pred": lst(y_pred), "scores": lst(scores),
       "accuracy": accuracy_score(y_true, y_pred),
       "confusion_matrix": lst(confusion_matrix(y_true, y_pred)),
       "top_k": {str(k): top_k_accuracy_score(y_true, scores, k=k) for k in (1, 2, 3)}}
for avg in ("macro", "micro", "weighted", None):
    key = "none" if avg is None else avg
    cls[f"precision_{key}"] = lst(precision_score(y_true, y_pred, average=avg))
    cls[f"recall_{key}"] = lst(recall_score(y_true, y_pred, average=avg))
    cls[f"f1_{key}"] = lst(f1_score(y_true, y_pred, average=avg))
yb_true = rng.integers(0, 2, size=25)
yb_pred = np.where(rng.random(25) < 0.7, yb_true, 1 - yb_true)
cls["binary"] = {"y_true": lst(yb_true), "y_pred": lst(yb_pred),
                 "precision": precision_score(yb_true, yb_pred), "recall": recall_score(yb_true, yb_pred),
                 "f1": f1_score(yb_true, yb_pred)}
out["classification"] = cls

# ---- regression metrics
r_true = f32(rng.normal(2.0, 3.0, size=30))
r_pred = f32(r_true + rng.normal(0.0, 1.0, size=30))
m_true = f32(rng.normal(size=(20, 3)))
m_pred = f32(m_true + rng.normal(0.0, 0.5, size=(20, 3)))
out["regression"] = {
    "y_true": lst(r_true), "y_pred": lst(r_pred),
    "mae": mean_absolute_error(r_true, r_pred), "mse": mean_squared_error(r_true, r_pred), "r2": r2_score(r_true, r_pred),
    "multi_true": lst(m_true), "multi_pred": lst(m_pred),
    "multi_mae": mean_absolute_error(m_true, m_pred), "multi_mse": mean_squared_error(m_true, m_pred),
    "multi_r2": r2_score(m_true, m_pred),
}

OUT.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {OUT} ({OUT.stat().st_size} bytes)")
