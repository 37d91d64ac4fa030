import numpy as np
import pytest

from emosk.preprocessing import RootSIFT, SourceSelector, root_sift, select_source


def test_root_sift_hand_computed():
    X = np.array([[1.0, -3.0, 0.0], [0.0, 0.0, 0.0], [2.0, 2.0, 4.0]])
    out = RootSIFT().fit_transform(X)
    np.testing.assert_allclose(out[0], [0.5, -np.sqrt(0.75), 0.0])
    np.testing.assert_array_equal(out[1], 0.0)
    np.testing.assert_allclose(out[2], [0.5, 0.5, np.sqrt(0.5)])
    np.testing.assert_allclose(np.linalg.norm(out[[0, 2]], axis=1), 1.0)


def test_root_sift_does_not_modify_input():
    X = np.array([[4.0, -1.0]])
    root_sift(X)
    np.testing.assert_array_equal(X, [[4.0, -1.0]])


def test_root_sift_rejects_nan():
    with pytest.raises(ValueError, match="NaN"):
        RootSIFT().fit(np.array([[1.0, np.nan]]))


def test_select_source_vectors_and_clips():
    X = [{"a": np.zeros((3, 2)), "b": np.ones(4)}, {"a": np.ones((5, 2)), "b": np.zeros(4)}]
    assert select_source(X, "b").shape == (2, 4)
    clips = select_source(X, "a")
    assert isinstance(clips, list) and [c.shape for c in clips] == [(3, 2), (5, 2)]


def test_select_source_missing_key_names_sample():
    X = [{"a": 1}, {"b": 2}]
    with pytest.raises(KeyError, match="Sample 1 has no source 'a'"):
        SourceSelector("a").fit(X)


def test_select_source_dataframe():
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"path": ["x.avi", "y.avi"], "n": [1, 2]})
    assert SourceSelector("path").fit_transform(df) == ["x.avi", "y.avi"]


def test_selector_columns_of_array():
    X = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(SourceSelector([1, 3]).fit_transform(X), X[:, [1, 3]])
    np.testing.assert_array_equal(SourceSelector(2).fit_transform(X), X[:, [2]])


def test_selector_rejects_a_single_mapping():
    with pytest.raises(TypeError, match="list of mappings"):
        select_source({"a": [1, 2]}, "a")
