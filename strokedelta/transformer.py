"""DeltaTransformer: delta coding of DataFrame columns, per group, with an exact inverse.

A thin scikit-learn transformer around :func:`strokedelta.to_deltas` and
:func:`strokedelta.from_deltas`. The rows of a group may be interleaved with other groups; within a
group, row order is time order. The rows are laid out group by group
(:func:`strokedelta.ragged.group_order`), the codec runs once per column on the flat array, and the
result is scattered back to the original row order: no Python loop per row or per group.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"id": ["a", "b", "a", "b"], "x": [1, 10, 4, 13], "note": list("pqrs")})
>>> coder = DeltaTransformer(columns=["x"], group="id")
>>> deltas = coder.fit_transform(frame)
>>> deltas
  id   x note
0  a   1    p
1  b  10    q
2  a   3    r
3  b   3    s
>>> coder.inverse_transform(deltas).equals(frame)
True
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import validate_data

from strokedelta._initial import initial_values
from strokedelta._memory import Column, integrate_column, place_rows, remember
from strokedelta._validation import (
    check_choice,
    check_int,
    check_is_fitted,
    check_n_features,
    check_param_names,
    fail,
)
from strokedelta.delta import to_deltas
from strokedelta.frames import (
    Layout,
    check_frame,
    column_values,
    is_masked,
    layout_rows,
    put_column,
    restore_dtype,
    row_label,
    select_columns,
    split_runs,
)

__all__ = ["DeltaTransformer"]


class DeltaTransformer(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Replace columns of a DataFrame by their differences, per group, with an exact inverse.

    A scikit-learn transformer: ``get_params`` / ``set_params``, ``clone``, ``set_output``
    (``"default"``, ``"pandas"``, ``"polars"``), ``get_feature_names_out``, the tags and the HTML
    repr are scikit-learn's, and it works in a ``Pipeline`` (``inverse_transform`` included).

    A DataFrame in gives a DataFrame out, with the same index and columns. A 2-D numpy array (or
    any array-like) gives a numpy array out: its columns are taken by position, so ``columns``
    and ``group`` are positions, and an integer column that ``first="drop"`` makes missing comes
    back as float with NaN. A transformer fitted on an array reads a DataFrame by position too.

    Parameters
    ----------
    columns : list of str, optional
        Columns to difference (positions for arrays). Default: every numeric column except
        ``group``.
    group : str, optional
        Column whose value names the sequence of a row. Rows of a group may be interleaved with
        other groups; within a group, row order is time order. Default: the whole frame is one
        sequence.
    order : int, default 1
        How many times to difference.
    lag : int, default 1
        Seasonal lag: ``d[i] = x[i] - x[i - lag]``.
    first : {"keep", "drop"}, default "keep"
        ``"keep"``: the first ``lag`` values of each sequence are kept as they are, so the output
        alone inverts exactly. ``"drop"`` (pandas' ``diff``): the first ``order * lag`` rows of
        each sequence become missing (NaN; ``<NA>`` in integer columns, which turn nullable);
        ``inverse_transform`` restores them from the remembered rows (see ``memory_``).
    na : {"raise", "keep"}, default "raise"
        ``"raise"``: a missing value is an error naming its row and column. ``"keep"``: a missing
        value stays missing and the sequence restarts after it, so ``inverse_transform`` restores
        every value exactly, missing positions included.

    Attributes
    ----------
    columns_ : list
        The differenced columns.
    dtypes_ : dict
        Dtype of each differenced column at fit; ``inverse_transform`` restores it when exact.
    memory_ : pandas.DataFrame
        The rows of the latest ``fit`` or ``transform`` of each group (their index, the group
        column and the values of the differenced columns). ``inverse_transform`` places the rows
        it is given among them by (group, index label), so a frame other than the transformed
        one inverts exactly or is refused, never guessed.
    n_features_in_ : int
        Number of columns seen in ``fit``.
    feature_names_in_ : ndarray of str
        The column names seen in ``fit``; only when they are all strings (scikit-learn's rule).

    Notes
    -----
    Integer columns stay integers and invert exactly (unsigned columns are widened to a signed
    type as :func:`strokedelta.to_deltas` does); floats are accumulated in float64 and returned in
    their own dtype. Other columns and the index pass through untouched; the input is never
    modified. Rows are a time order, so unlike most scikit-learn transformers the output of a
    row depends on the rows before it: a shuffled or sliced frame gives other deltas. A DataFrame
    is read by column name, so it may hold its columns in another order, or other columns, than
    at ``fit``. Nullable (``Int64``, ``Float64``: ``pd.NA`` is missing like NaN) and Arrow-backed
    (``int64[pyarrow]``, ``double[pyarrow]``) columns keep their dtype, and any index
    (``DatetimeIndex``, ``PeriodIndex``, ``MultiIndex``, ...) and group dtype (``category``,
    ``string[pyarrow]``, ...) passes through. First-``"drop"`` output is pandas' ``diff`` and
    sktime's ``Differencer(na_handling="keep_na")`` (``tests/test_sktime_semantics.py``).

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({"t": [0, 1, 2, 3], "x": [5, 7, 4, 4]}, index=list("abcd"))
    >>> coder = DeltaTransformer(columns=["x"], first="drop").fit(frame)
    >>> deltas = coder.transform(frame)
    >>> deltas
       t     x
    a  0  <NA>
    b  1     2
    c  2    -3
    d  3     0
    >>> coder.inverse_transform(deltas).equals(frame)
    True
    >>> DeltaTransformer().fit_transform(np.array([[1, 10], [4, 13], [9, 11]]))
    array([[ 1, 10],
           [ 3,  3],
           [ 5, -2]])
    """

    def __init__(
        self,
        columns: Sequence[Hashable] | None = None,
        group: Hashable | None = None,
        order: int = 1,
        lag: int = 1,
        first: str = "keep",
        na: str = "raise",
    ) -> None:
        self.columns = columns
        self.group = group
        self.order = order
        self.lag = lag
        self.first = first
        self.na = na

    # ------------------------------------------------------------------ scikit-learn
    def set_params(self, **params: Any) -> DeltaTransformer:
        """Set constructor parameters by name (scikit-learn's); an unknown name is a
        ValidationError naming the valid ones. Returns ``self``."""
        check_param_names(self, params)
        return super().set_params(**params)

    def __sklearn_tags__(self) -> Any:
        """NaN is allowed with ``na="keep"``; float32 and float64 keep their dtype."""
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self.na == "keep"
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    # ------------------------------------------------------------------ public API
    def fit(self, X: Any, y: Any = None) -> DeltaTransformer:
        """Check the parameters and ``X``; store the columns, dtypes and the rows (``memory_``).

        Returns
        -------
        DeltaTransformer
            ``self``.
        """
        self._encode(self._learn(X))
        return self

    def fit_transform(self, X: Any, y: Any = None) -> Any:
        """``fit(X)`` then ``transform(X)``, computing the deltas once."""
        return _like(X, self._encode(self._learn(X)))

    def transform(self, X: Any) -> Any:
        """Difference the fitted columns of ``X``; other columns pass through.

        The rows of every group in ``X`` are remembered (``memory_``, replacing the rows
        remembered before for the same group), so ``inverse_transform`` of the result, or of any
        part of it, is exact.
        """
        check_is_fitted(self, "columns_")
        return _like(X, self._encode(self._as_frame(X)))

    def inverse_transform(self, X: Any, initial: Any = None) -> Any:
        """Integrate the fitted columns of ``X`` (deltas) back to absolute values.

        The rows of ``X`` are placed by (group, index label) among the rows remembered from the
        latest ``fit`` or ``transform`` of their group (``memory_``), and each stretch of
        consecutive rows is integrated from the values before it:

        - the transformed frame, a later slice of it, or its deltas with the NaN rows of
          ``first="drop"`` dropped: from the remembered values before the stretch (exact);
        - rows after the last remembered row of their group (by the index's order; forecast
          deltas): onward from the last remembered values;
        - a group's rows when ``initial`` gives values for it: onward from them;
        - any other stretch starts a sequence: with ``first="keep"`` its first ``lag`` rows
          hold their own values (the output alone inverts); with ``first="drop"`` it is refused.

        An array has no index: its rows are taken as those of the transformed array, by position.

        Parameters
        ----------
        X : DataFrame or array-like
            Deltas, as ``transform`` returns them.
        initial : number, dict or DataFrame, optional
            The values just before the first row of each group (like R's ``diffinv(xi=)``):
            a number (every column; ``order * lag`` must be 1), a dict ``{column: value or
            list of order * lag values, oldest first}`` (every group), or a DataFrame whose last
            ``order * lag`` rows of each group (by the group column) are those values. The rows
            of ``X`` of such a group are deltas from its first row on; unlike ``diffinv``, the
            initial values are not part of the result.

        Raises
        ------
        MissingAnchorError
            ``first="drop"`` and a stretch of ``X`` continues no remembered row and has no
            ``initial``, or rows after the last remembered ones find no complete values to
            continue from.
        ValidationError
            Bad ``initial``; remembered index labels that repeat within a group (when ``X`` is
            not the transformed frame); a delta where the transformed values were missing.

        Examples
        --------
        >>> frame = pd.DataFrame({"x": [5, 7, 4, 4, 9]})
        >>> coder = DeltaTransformer(first="drop")
        >>> deltas = coder.fit_transform(frame)
        >>> coder.inverse_transform(deltas.dropna())["x"].tolist()
        [7, 4, 4, 9]
        >>> forecast = pd.DataFrame({"x": [1, 1]}, index=[5, 6])
        >>> coder.inverse_transform(forecast)["x"].tolist()
        [10, 11]
        >>> coder.inverse_transform(pd.DataFrame({"x": [1, 1]}), initial={"x": 100})["x"].tolist()
        [101, 102]
        """
        check_is_fitted(self, "columns_")
        if initial is not None and self._by_position and isinstance(initial, pd.DataFrame):
            initial = self._as_frame(initial)
        return _like(X, self._integrate(self._as_frame(X), initial))

    # --------------------------------------------------------------------- helpers
    def _integrate(self, X: pd.DataFrame, initial: Any = None) -> pd.DataFrame:
        """The inverse on a DataFrame read by label (see :mod:`strokedelta._memory`)."""
        frame = check_frame(X, self.columns_, self.group)
        layout = layout_rows(frame, self.group)
        placed = place_rows(self.memory_, frame, self.group, layout, not self._by_position)
        span = self.order * self.lag
        starts = (
            {}
            if initial is None
            else initial_values(initial, layout, self.columns_, self.group, span)
        )
        done = []
        for name in self.columns_:
            values, missing = column_values(frame[name])
            start, has = starts.get(name, (None, np.zeros(len(layout.keys), dtype=bool)))
            column = Column(name, values[layout.order], missing[layout.order], start, has)
            rows, result, gap = integrate_column(
                frame,
                layout,
                self.group,
                placed,
                column,
                order=self.order,
                lag=self.lag,
                drop=self.first == "drop",
                gaps=self.na == "keep",
            )
            done.append((name, rows, result, gap))
        self._check_missing(frame, layout, [d[3] for d in done], "deltas")
        out = frame.copy(deep=False)
        for name, rows, result, gap in done:
            assert result is not None  # a column with gaps was refused above
            result = restore_dtype(result, self.dtypes_[name])
            dtype = self.dtypes_[name]
            arrow = isinstance(dtype, pd.ArrowDtype)
            put_column(out, name, layout, rows, result, gap, is_masked(dtype), arrow)
        return out

    def _learn(self, X: Any) -> pd.DataFrame:
        """Validate the parameters and ``X``; set the fitted attributes; ``X`` as a DataFrame."""
        check_int("order", self.order, minimum=1)
        check_int("lag", self.lag, minimum=1)
        check_choice("first", self.first, ("keep", "drop"))
        check_choice("na", self.na, ("raise", "keep"))
        self._by_position = not isinstance(X, pd.DataFrame)
        if self._by_position:  # an array: scikit-learn's checks, columns by position
            X = pd.DataFrame(validate_data(self, X, dtype="numeric", ensure_all_finite=False))
        else:
            names = [c for c in X.columns if isinstance(c, str)]
            if len(names) == len(X.columns):
                self.feature_names_in_ = np.asarray(names, dtype=object)
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
            self.n_features_in_ = len(X.columns)
        if self.group is not None and self.group not in X.columns:
            raise fail("group", f"be a column of X {list(X.columns)}", repr(self.group))
        columns = select_columns(X, self.columns, self.group)
        check_frame(X, columns, self.group)
        self.columns_ = columns
        self.dtypes_ = {name: X[name].dtype for name in columns}
        self.memory_: pd.DataFrame | None = None
        self._labels = list(X.columns)
        return X

    def _as_frame(self, X: Any) -> pd.DataFrame:
        """``X`` as a DataFrame whose columns carry the labels the fitted columns are named by.

        A DataFrame is used as it is (by name), unless the transformer was fitted on an array;
        an array's columns are those of the fitted data, by position.
        """
        if isinstance(X, pd.DataFrame):
            if not self._by_position:
                return X
            check_n_features(self, X.shape[1])
            return X.set_axis(self._labels, axis=1)
        values = validate_data(self, X, reset=False, dtype="numeric", ensure_all_finite=False)
        return pd.DataFrame(values, columns=self._labels)

    def _check_missing(
        self, frame: pd.DataFrame, layout: Layout, gaps: list[np.ndarray], what: str
    ) -> None:
        """With ``na="raise"``, fail on the first missing value (row order, then column order)."""
        if self.na != "raise":
            return
        table = np.zeros((len(frame), len(gaps)), dtype=bool)
        for j, gap in enumerate(gaps):
            table[layout.order, j] = gap
        if table.any():
            row, col = (int(i) for i in np.argwhere(table)[0])
            raise fail(
                f"column {self.columns_[col]!r}",
                f'hold no missing {what} (pass na="keep" to restart after gaps)',
                f"NaN at row {row_label(frame.index, row)!r}",
            )

    def _encode(self, X: pd.DataFrame) -> pd.DataFrame:
        """Compute the deltas of ``X`` and remember its rows."""
        frame = check_frame(X, self.columns_, self.group)
        layout = layout_rows(frame, self.group)
        columns = []
        for name in self.columns_:
            values, missing = column_values(frame[name])
            if values.dtype.kind == "f" and np.isinf(values).any():
                row = row_label(frame.index, int(np.argmax(np.isinf(values))))
                raise fail(f"column {name!r}", "hold finite numbers", f"inf at row {row!r}")
            columns.append((name, values[layout.order], missing[layout.order]))
        self._check_missing(frame, layout, [c[2] for c in columns], "values")
        span = self.order * self.lag
        out = frame.copy(deep=False)
        for name, grouped, grouped_missing in columns:
            rows, offsets, step = split_runs(~grouped_missing, layout.position)
            deltas = to_deltas(grouped[rows], offsets, order=self.order, lag=self.lag)
            missing = grouped_missing.copy()
            if self.first == "drop":
                missing[rows[step < span]] = True
            dtype = frame[name].dtype
            arrow = isinstance(dtype, pd.ArrowDtype)
            put_column(out, name, layout, rows, deltas, missing, is_masked(dtype), arrow)
        self.memory_ = remember(self.memory_, frame, self.columns_, self.group)
        return out


def _like(X: Any, out: pd.DataFrame) -> Any:
    """``out`` in the kind of container ``X`` came in: a DataFrame with ``X``'s own column labels,
    or a numpy array (float with NaN where a column holds missing values)."""
    if isinstance(X, pd.DataFrame):
        return out if out.columns.equals(X.columns) else out.set_axis(X.columns, axis=1)
    if any(is_masked(dtype) for dtype in out.dtypes):
        return out.to_numpy(dtype=np.float64, na_value=np.nan)
    return out.to_numpy()
