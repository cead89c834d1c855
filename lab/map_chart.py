"""Pure Plotly builders for the Explore page: the 2-D PCA projection and the labelled embedding map.

Nothing here imports streamlit. Titles enter the figure through :func:`lab.charts.plotly_text`
(escaped: a title with ``<a href>`` shows those characters, it never becomes a link).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from core import InvalidInputError

from .charts import plotly_text

ROLE_STYLE = {  # drawing order: later roles on top
    "catalog": {"color": "#BBBBBB", "size": 5, "symbol": "circle", "opacity": 0.5},
    "candidate": {"color": "#56B4E9", "size": 7, "symbol": "circle", "opacity": 0.8},
    "recommended": {"color": "#0072B2", "size": 10, "symbol": "diamond", "opacity": 0.9},
    "liked": {"color": "#009E73", "size": 11, "symbol": "triangle-up", "opacity": 0.95},
    "disliked": {"color": "#D55E00", "size": 11, "symbol": "triangle-down", "opacity": 0.95},
    "profile": {"color": "#000000", "size": 20, "symbol": "star", "opacity": 1.0},
}
UNLABELLED = ("catalog", "candidate")
"""Roles drawn without a text label (there are many of them; hover shows the title)."""
_OTHER_STYLE = {"color": "#CC79A7", "size": 8, "symbol": "square", "opacity": 0.9}
FIT_ROWS = 20_000  # PCA is fitted on a seeded sample of at most this many rows
LABEL_CHARS = 24


@dataclass(frozen=True)
class Projection:
    """An affine map to 2-D, ``origin + v @ basis``, and the share of the fitted rows' variance it keeps."""

    origin: np.ndarray
    basis: np.ndarray
    explained: float

    def project(self, vectors: np.ndarray) -> np.ndarray:
        return self.origin + np.asarray(vectors, dtype=float) @ self.basis


def fit_projection(vectors: np.ndarray, seed: int = 0) -> Projection:
    """PCA of ``vectors`` (n, d) to 2-D, fitted on the centred rows (a seeded sample of at most
    ``FIT_ROWS``); each component's sign is fixed so that its largest |loading| is positive, so the
    map is deterministic. ``explained`` is the share of the fitted rows' total variance that the
    two components keep (0 when there is none); missing components (n or d < 2) are 0."""
    X = _matrix(vectors, "vectors")
    dims = X.shape[1]
    if not len(X):
        return Projection(np.zeros(2), np.zeros((dims, 2)), 0.0)
    fit = X if len(X) <= FIT_ROWS else X[np.random.default_rng(seed).choice(len(X), FIT_ROWS, replace=False)]
    mean = fit.mean(axis=0)
    variances, axes = _principal_axes(fit - mean)
    components = np.zeros((2, dims))
    components[: min(2, len(axes))] = axes[:2]
    signs = np.sign(components[np.arange(2), np.abs(components).argmax(axis=1)])
    components *= np.where(signs == 0, 1.0, signs)[:, None]
    total = float(variances.sum())
    return Projection(-mean @ components.T, components.T, float(variances[:2].sum()) / total if total else 0.0)


def _principal_axes(centred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The variance along each principal axis (descending) and the axes (rows). A tall matrix goes
    through the eigenvectors of its d × d scatter matrix, much faster than its SVD (movies,
    9,742 × 384, on a busy 2-core machine: one SVD took 16 s, the scatter-matrix fit 0.3–5.4 s)."""
    n, d = centred.shape
    if n <= d:
        _, s, vt = np.linalg.svd(centred, full_matrices=False)
        return s ** 2, vt
    values, vectors = np.linalg.eigh(centred.T @ centred)
    order = np.argsort(values)[::-1]
    return np.clip(values[order], 0.0, None), vectors[:, order].T


def project_2d(vectors: np.ndarray, extra: np.ndarray | None = None,
               seed: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """``vectors`` (n, d) by their own PCA (:func:`fit_projection`) to (n, 2), and ``extra`` (m, d)
    by the same components."""
    X = _matrix(vectors, "vectors")
    E = None if extra is None else _matrix(extra, "extra")
    if E is not None and E.shape[1] != X.shape[1]:
        raise InvalidInputError(f"extra must have {X.shape[1]} columns like vectors, got {E.shape[1]}")
    fitted = fit_projection(X, seed)
    return fitted.project(X), None if E is None else fitted.project(E)


def embedding_map_figure(points: np.ndarray, titles: Sequence[str], roles: Sequence[str], *,
                         title: str = "Catalog map (PCA of item vectors)", webgl: bool = False,
                         axis_titles: tuple[str, str] = ("PC 1", "PC 2"),
                         links: Sequence[tuple[int, int]] = (), link_name: str = "closest like") -> go.Figure:
    """A 2-D scatter with one trace per role (``"catalog"``, ``"candidate"``, ``"recommended"``,
    ``"liked"``, ``"disliked"``, ``"profile"`` as big stars, any other role in a default style);
    every point but the catalog and candidate ones is labelled with its (shortened) title, and hover
    shows each point's title. ``links`` (index pairs) are drawn as thin dotted segments under the
    points, as one trace called ``link_name``. ``webgl=True`` uses ``Scattergl`` for large catalogs.
    """
    points = np.asarray(points, dtype=float)
    if points.ndim != 2 or points.shape[1] != 2 or not len(titles) == len(roles) == len(points):
        raise InvalidInputError(f"points must be (n, 2) with n titles and n roles, got points {points.shape}, "
                                f"{len(titles)} titles, {len(roles)} roles")
    order = list(ROLE_STYLE) + sorted(set(roles) - set(ROLE_STYLE))
    fig = go.Figure()
    if links:
        xs = [v for a, b in links for v in (points[a, 0], points[b, 0], None)]
        ys = [v for a, b in links for v in (points[a, 1], points[b, 1], None)]
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=link_name, hoverinfo="skip",
                                 line={"color": "#009E73", "width": 1, "dash": "dot"}))
    for role in order:
        idx = [i for i, r in enumerate(roles) if r == role]
        if not idx:
            continue
        style = dict(ROLE_STYLE.get(role, _OTHER_STYLE))
        opacity = style.pop("opacity")
        labelled = role not in UNLABELLED
        trace = go.Scattergl if webgl and not labelled else go.Scatter
        fig.add_trace(trace(x=points[idx, 0], y=points[idx, 1], mode="markers+text" if labelled else "markers",
                            name=role, opacity=opacity, marker={**style, "line": {"width": 0.5, "color": "#FFFFFF"}},
                            text=[plotly_text(titles[i], LABEL_CHARS) for i in idx] if labelled else None,
                            textposition="top center", textfont={"size": 11, "color": style["color"]},
                            hovertext=[plotly_text(titles[i], 120) for i in idx],
                            hovertemplate="%{hovertext}<extra>" + role + "</extra>"))
    fig.update_xaxes(title_text=axis_titles[0], zeroline=False)
    fig.update_yaxes(title_text=axis_titles[1], zeroline=False, scaleanchor="x", scaleratio=1)
    fig.update_layout(title_text=title, hovermode="closest")
    return fig


def _matrix(values: np.ndarray, what: str) -> np.ndarray:
    M = np.asarray(values, dtype=float)
    if M.ndim != 2 or not np.isfinite(M).all():
        raise InvalidInputError(f"{what} must be a finite 2-D array (rows × dimensions), got shape {M.shape}")
    return M
