"""Grokking Deep Learning, chapter 10 ("edges and corners"), the book's own numpy code, for the
per-iteration time of the book's network beside knobs' (examples/book-ch10.ts; README, "Convolutional
networks"). The network and update are the book's, line for line (its kernel update
with the wrong sign included; --true-grad swaps in the true gradient, as knobs' default); only the data comes from .data/mnist (the IDX files
scripts/fetch-data.sh fetches) instead of keras, and the timing lines are added.

    python scripts/book-ch10-numpy.py [--iterations 300] [--test-every 1] [--no-test] [--true-grad] [--mnist DIR]

One iteration = 7 batches of 128 (the training pass); the test pass over 10,000 images, one at a
time as the book does, is timed apart. Prints the book's log line per tested iteration and, at the
end, one JSON line: {"train_ms_per_iteration": ..., "train_cpu_ms_per_iteration": ..., ...}
(CPU time: process_time, all of numpy's threads; on a shared machine it moves less than the wall time).
"""
import argparse
import json
import os
import sys
import time

import numpy as np

ap = argparse.ArgumentParser()
ap.add_argument("--iterations", type=int, default=300)
ap.add_argument("--test-every", type=int, default=1, help="test after every N iterations (the book: 1); 0 = only after the last")
ap.add_argument("--true-grad", action="store_true", help="descend on the kernels (the book's kernels -= ascends) with the tanh derivative of the dropout layer's real output, as knobs' default")
ap.add_argument("--no-test", action="store_true", help="time the training passes only (the test pass takes ~1 min)")
ap.add_argument("--mnist", default=os.path.join(os.path.dirname(__file__), "..", ".data", "mnist"))
args = ap.parse_args()


def idx(name):
    with open(os.path.join(args.mnist, name), "rb") as f:
        b = f.read()
    dims = b[3]
    shape = [int.from_bytes(b[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


x_train, y_train = idx("train-images-idx3-ubyte"), idx("train-labels-idx1-ubyte")
x_test, y_test = idx("t10k-images-idx3-ubyte"), idx("t10k-labels-idx1-ubyte")

# ---- the book's code from here (chapter 10), timing added ----
np.random.seed(1)
images, labels = (x_train[0:1000].reshape(1000, 28 * 28) / 255, y_train[0:1000])
one_hot_labels = np.zeros((len(labels), 10))
for i, l in enumerate(labels):
    one_hot_labels[i][l] = 1
labels = one_hot_labels

test_images = x_test.reshape(len(x_test), 28 * 28) / 255
test_labels = np.zeros((len(y_test), 10))
for i, l in enumerate(y_test):
    test_labels[i][l] = 1


def tanh(x):
    return np.tanh(x)


def tanh2deriv(output):
    return 1 - (output**2)


def softmax(x):
    temp = np.exp(x)
    return temp / np.sum(temp, axis=1, keepdims=True)


alpha, iterations = (2, args.iterations)
pixels_per_image, num_labels = (784, 10)
batch_size = 128

input_rows = 28
input_cols = 28

kernel_rows = 3
kernel_cols = 3
num_kernels = 16

hidden_size = ((input_rows - kernel_rows) * (input_cols - kernel_cols)) * num_kernels

kernels = 0.02 * np.random.random((kernel_rows * kernel_cols, num_kernels)) - 0.01

weights_1_2 = 0.2 * np.random.random((hidden_size, num_labels)) - 0.1


def get_image_section(layer, row_from, row_to, col_from, col_to):
    section = layer[:, row_from:row_to, col_from:col_to]
    return section.reshape(-1, 1, row_to - row_from, col_to - col_from)


train_ms, train_cpu_ms, test_ms = [], [], []
for j in range(iterations):
    t0, c0 = time.perf_counter(), time.process_time()
    correct_cnt = 0
    for i in range(int(len(images) / batch_size)):
        batch_start, batch_end = ((i * batch_size), ((i + 1) * batch_size))
        layer_0 = images[batch_start:batch_end]
        layer_0 = layer_0.reshape(layer_0.shape[0], 28, 28)
        layer_0.shape

        sects = list()
        for row_start in range(layer_0.shape[1] - kernel_rows):
            for col_start in range(layer_0.shape[2] - kernel_cols):
                sect = get_image_section(layer_0, row_start, row_start + kernel_rows, col_start, col_start + kernel_cols)
                sects.append(sect)

        expanded_input = np.concatenate(sects, axis=1)
        es = expanded_input.shape
        flattened_input = expanded_input.reshape(es[0] * es[1], -1)

        kernel_output = flattened_input.dot(kernels)
        layer_1 = tanh(kernel_output.reshape(es[0], -1))
        dropout_mask = np.random.randint(2, size=layer_1.shape)
        pre_dropout = layer_1.copy()  # (added: for --true-grad)
        layer_1 *= dropout_mask * 2
        layer_2 = softmax(np.dot(layer_1, weights_1_2))

        for k in range(batch_size):
            labelset = labels[batch_start + k : batch_start + k + 1]
            _inc = int(np.argmax(layer_2[k : k + 1]) == np.argmax(labelset))
            correct_cnt += _inc

        layer_2_delta = (labels[batch_start:batch_end] - layer_2) / (batch_size * layer_2.shape[0])
        if args.true_grad:  # (added) d(2·mask·tanh z)/dz = 2·mask·(1 − tanh² z)
            layer_1_delta = layer_2_delta.dot(weights_1_2.T) * tanh2deriv(pre_dropout) * 2
        else:
            layer_1_delta = layer_2_delta.dot(weights_1_2.T) * tanh2deriv(layer_1)
        layer_1_delta *= dropout_mask
        weights_1_2 += alpha * layer_1.T.dot(layer_2_delta)
        l1d_reshape = layer_1_delta.reshape(kernel_output.shape)
        k_update = flattened_input.T.dot(l1d_reshape)
        if args.true_grad:  # (added)
            kernels += alpha * k_update
        else:
            kernels -= alpha * k_update
    train_ms.append((time.perf_counter() - t0) * 1000)
    train_cpu_ms.append((time.process_time() - c0) * 1000)

    if not args.no_test and ((args.test_every and j % args.test_every == 0) or j == iterations - 1):
        t0 = time.perf_counter()
        test_correct_cnt = 0
        for i in range(len(test_images)):
            layer_0 = test_images[i : i + 1]
            layer_0 = layer_0.reshape(layer_0.shape[0], 28, 28)
            layer_0.shape

            sects = list()
            for row_start in range(layer_0.shape[1] - kernel_rows):
                for col_start in range(layer_0.shape[2] - kernel_cols):
                    sect = get_image_section(layer_0, row_start, row_start + kernel_rows, col_start, col_start + kernel_cols)
                    sects.append(sect)

            expanded_input = np.concatenate(sects, axis=1)
            es = expanded_input.shape
            flattened_input = expanded_input.reshape(es[0] * es[1], -1)

            kernel_output = flattened_input.dot(kernels)
            layer_1 = tanh(kernel_output.reshape(es[0], -1))
            layer_2 = np.dot(layer_1, weights_1_2)

            test_correct_cnt += int(np.argmax(layer_2) == np.argmax(test_labels[i : i + 1]))
        test_ms.append((time.perf_counter() - t0) * 1000)
        sys.stdout.write("\n" + "I:" + str(j) + " Test-Acc:" + str(test_correct_cnt / float(len(test_images))) + " Train-Acc:" + str(correct_cnt / float(len(images))))
        sys.stdout.flush()
# ---- end of the book's code ----

print()
print(json.dumps({
    "iterations": iterations,
    "train_ms_per_iteration": float(np.median(train_ms)),
    "train_cpu_ms_per_iteration": float(np.median(train_cpu_ms)),
    "test_ms_per_pass": float(np.median(test_ms)) if test_ms else None,
    "final_test_acc": test_correct_cnt / float(len(test_images)) if test_ms else None,
    "numpy": np.__version__,
}))
