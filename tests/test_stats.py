"""Summary statistics of drawings: one batch, grouped by split or word, the scale factor."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from strokedelta.exceptions import ValidationError
from strokedelta.io import read_drawings
from strokedelta.sketch import (
    Drawings,
    DrawingsSummary,
    describe_drawings,
    describe_groups,
    describe_summaries,
    group_drawings,
    merge_groups,
    summarize_groups,
)


def two_drawings() -> Drawings:
    meta = pd.DataFrame({"key_id": ["a", "b"], "recognized": [True, False]})
    return Drawings.from_polylines([[[[0, 3], [0, 4]]], [[[1], [1]], [[2, 2], [5, 9]]]], meta)


def test_describe_summarises():
    d = two_drawings()
    info = describe_drawings(d, scale_factor=False)
    assert info["drawings"] == 2
    assert info["points"] == 5
    assert info["strokes"] == 3
    assert info["points_per_drawing"]["min"] == 2
    assert info["points_per_drawing"]["max"] == 3
    assert info["x_range"] == [0, 3]
    assert info["y_range"] == [0, 9]
    assert info["dx_range"] == [0, 3]
    assert info["dy_range"] == [0, 4]
    assert info["strokes_per_drawing_mean"] == 1.5


def test_scale_factor_matches_numpy(real_data):
    d = read_drawings(real_data / "aaron_sheep.npz", split="train")
    pooled = np.concatenate([d.strokes.values[:, 0], d.strokes.values[:, 1]]).astype(float)
    assert describe_drawings(d)["scale_factor"] == pytest.approx(np.std(pooled), rel=1e-12)


def test_describe_empty_drawings_and_attrs():
    empty = Drawings.from_polylines([[[[0], [0]]]], attrs={"simplified": True})[[]]
    info = describe_drawings(empty)
    assert info["drawings"] == 0
    assert info["points"] == 0
    assert info["scale_factor"] is None
    assert info["x_range"] == [None, None]
    assert info["points_per_drawing"]["mean"] is None
    assert info["strokes_per_drawing_mean"] is None
    assert info["attrs"] == {"simplified": True}


def test_groups_follow_the_split_order_then_sorted_labels():
    splits = ["test", "zoo", "train", "extra", "valid", "train"]
    d = Drawings.from_polylines([[[[i], [i]]] for i in range(6)], pd.DataFrame({"split": splits}))
    groups = group_drawings(d)
    assert list(groups) == ["train", "valid", "test", "extra", "zoo"]
    assert groups["train"].absolute().values[:, 0].tolist() == [2, 5]
    assert [info["drawings"] for info in describe_groups(d).values()] == [2, 1, 1, 1, 1]


def test_groups_by_word_are_sorted_and_a_missing_column_is_one_group():
    words = ["train", "cat", "ant", "cat"]  # "train" is a Quick, Draw! word: no split order
    d = Drawings.from_polylines([[[[i], [i]]] for i in range(4)], pd.DataFrame({"word": words}))
    assert list(group_drawings(d, by="word")) == ["ant", "cat", "train"]
    assert describe_groups(d, by="word")["cat"]["drawings"] == 2
    assert list(group_drawings(d)) == ["all"]
    assert group_drawings(d)["all"] is d
    with pytest.raises(ValidationError, match="by must be the name of a metadata column; got 3"):
        group_drawings(d, by=3)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="drawings must be a Drawings; got list"):
        describe_drawings([1, 2])  # type: ignore[arg-type]


# ---------------------------------------------------------------- mergeable summaries
point_lists = st.lists(
    st.lists(st.tuples(st.integers(-300, 300), st.integers(-300, 300)), min_size=1, max_size=5),
    min_size=1,
    max_size=12,
)


@given(point_lists, st.lists(st.integers(0, 12), max_size=4), st.data())
def test_merged_chunks_give_the_whole_summary_exactly(drawings, cuts, data):
    polylines = [[[[p[0] for p in d], [p[1] for p in d]]] for d in drawings]
    labels = data.draw(
        st.lists(
            st.sampled_from(["train", "valid", "test"]),
            min_size=len(drawings),
            max_size=len(drawings),
        )
    )
    words = data.draw(
        st.lists(st.sampled_from(["cat", "dog"]), min_size=len(drawings), max_size=len(drawings))
    )
    d = Drawings.from_polylines(polylines, pd.DataFrame({"split": labels, "word": words}))
    bounds = sorted({0, len(d), *(min(c, len(d)) for c in cuts)})
    parts = [summarize_groups(d[a:b]) for a, b in itertools.pairwise(bounds)]
    merged = parts[0]
    for part in parts[1:]:
        merged = merge_groups(merged, part)
    whole = summarize_groups(d)
    assert merged == whole
    assert describe_summaries(merged) == describe_summaries(whole)
    train = d[np.array(labels) == "train"]
    if len(train):
        offsets = train.strokes.values[:, :2].astype(float)
        assert whole["split"]["train"].scale_factor == pytest.approx(
            np.std(offsets), rel=1e-9, abs=1e-12
        )


def test_summaries_describe_as_before(real_data):
    d = read_drawings(real_data / "aaron_sheep.npz", split="train")
    info = DrawingsSummary.of(d).describe()
    assert info["points_per_drawing"] == {
        **dict(
            zip(
                ("min", "p5", "p25", "p50", "p75", "p95", "max"),
                np.percentile(d.lengths, [0, 5, 25, 50, 75, 95, 100]).tolist(),
            )
        ),
        "min": 20,
        "max": 250,
        "mean": d.lengths.mean(),
    }
    assert info["strokes"] == int(d.n_strokes.sum())


def test_float_drawings_have_counts_and_a_float_scale_factor():
    d = Drawings.from_polylines([[[[0.5, 2.0], [0.0, 1.5]]], [[[1.0], [3.25]]]])
    s = DrawingsSummary.of(d)
    assert not s.integer
    assert s.moments.points == 3
    assert s.scale_factor == pytest.approx(np.std(d.strokes.values[:, :2]), rel=1e-12)
    both = s + DrawingsSummary.of(Drawings.from_polylines([[[[1], [1]]]]))
    assert both.dtype == "float64"
    assert both.moments.drawings == 3
    with pytest.raises(ValidationError, match=r"by must be metadata column names"):
        summarize_groups(d, by=())
    with pytest.raises(ValidationError, match=r"groups must be grouped by the same columns"):
        merge_groups(summarize_groups(d, by="split"), summarize_groups(d, by="word"))
