"""Hyperdimensional classification of scikit-learn's bundled handwritten digits (no download).

Each 8x8 image (64 grey levels) becomes a 10,000-trit hypervector by a random ternary projection;
each class starts as the sum of its training hypervectors, then retraining passes add every
misclassified sample to its class and subtract it from the class it was mistaken for. The model
is one packed trit vector per class, searched by popcount. Needs scikit-learn
(pip install scikit-learn).

    python examples/hdc_digits.py
"""
import time

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from resin_jit.vsa import Classifier


def main():
    X, y = load_digits(return_X_y=True)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=0)
    centroids = Classifier(dim=10_000, epochs=0).fit(Xtr, ytr)
    print(f"centroids only: test accuracy {centroids.score(Xte, yte):.4f}")
    model = Classifier(dim=10_000, epochs=20, seed=0)
    start = time.perf_counter()
    model.fit(Xtr, ytr)
    predicted = model.predict(Xte)
    seconds = time.perf_counter() - start
    print(f"after {model.n_iter_} retraining passes: test accuracy {np.mean(predicted == yte):.4f} "
          f"({len(Xtr)} training and {len(Xte)} test images, fit + predict {seconds * 1e3:.0f} ms)")
    best = np.argmax(model.decision_function(Xte[:1]))
    print(f"the first test image is a {yte[0]}; the classifier says {model.classes_[best]}")


if __name__ == "__main__":
    main()
