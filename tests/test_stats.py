"""Summary statistics of drawings: one batch, grouped by split or word, the scale factor."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strokedelta.exceptions import ValidationError
from strokedelta.io import read_drawings
from strokedelta.sketch import Drawings, describe_drawings, describe_groups, group_drawings


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
