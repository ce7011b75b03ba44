"""Reference values for Tests/TorchlightMetricsTests/FrechetTests.swift, computed the way the
usual FID code does (NumPy mean and covariance, scipy.linalg.sqrtm of the product of the
covariances). The feature matrices are defined by formulas, so the Swift test builds the same
ones without any file:

    a[i, j] = sin(0.37 i + 1.3 j) + 0.1 cos(0.11 i j)                i < 200, j < 16
    b[i, j] = 0.8 sin(0.29 i + 1.1 j + 0.5) + 0.05 j + 0.2 cos(0.07 i j)

Run: python Tests/peers/frechet_reference.py  (needs numpy and scipy)."""
import numpy as np
from scipy import linalg

n, d = 200, 16
i = np.arange(n)[:, None].astype(np.float64)
j = np.arange(d)[None, :].astype(np.float64)
a = np.sin(0.37 * i + 1.3 * j) + 0.1 * np.cos(0.11 * i * j)
b = 0.8 * np.sin(0.29 * i + 1.1 * j + 0.5) + 0.05 * j + 0.2 * np.cos(0.07 * i * j)


def fid(x, y):
    mu1, mu2 = x.mean(0), y.mean(0)
    s1, s2 = np.cov(x, rowvar=False), np.cov(y, rowvar=False)
    root = np.real(linalg.sqrtm(s1.dot(s2)))
    return float(((mu1 - mu2) ** 2).sum() + np.trace(s1) + np.trace(s2) - 2 * np.trace(root))


print(f"fid(a, b) = {fid(a, b)!r}")
print(f"fid(a, a[:100]) = {fid(a, a[:100])!r}")
print(f"trace(cov(a)) = {float(np.trace(np.cov(a, rowvar=False)))!r}")
