"""NHFI: the in-the-wild photos, their labels and identity groups."""

import numpy as np
import pytest

from emosk.datasets import DatasetNotFoundError, load_nhfi, nhfi_holdout


def test_load_nhfi(shared_data):
    if not (shared_data / "nhfi" / "nhfi_train.npz").is_file():
        pytest.skip("NHFI not in the data folder")
    data = load_nhfi(data_home=shared_data)
    assert data.images.shape == (4187, 96, 96) and data.images.dtype == np.uint8
    assert list(data.target_names) == ["angry", "contempt", "disgust", "fear", "happy",
                                       "neutral", "sad", "surprise"]
    assert np.sum(data.target == "happy") == 1052 and len(data.groups) == 4187
    X, y = load_nhfi(data_home=shared_data, drop_contempt=True, return_X_y=True,
                     as_names=False)
    assert len(X) == 4187 - 160 and y.max() == 6
    train, test = nhfi_holdout(load_nhfi(data_home=shared_data).groups)
    assert len(set(data.groups[train]) & set(data.groups[test])) == 0
    assert 0.15 < len(test) / 4187 < 0.25
    again, _ = nhfi_holdout(data.groups)
    np.testing.assert_array_equal(train, again)


def test_missing_and_bad_files(tmp_path):
    with pytest.raises(DatasetNotFoundError, match="nhfi_train.npz"):
        load_nhfi(data_home=tmp_path)
    with pytest.raises(ValueError, match="subset"):
        load_nhfi(subset="val", data_home=tmp_path)
    (tmp_path / "nhfi").mkdir()
    np.savez(tmp_path / "nhfi" / "nhfi_train.npz", images=np.zeros((2, 8, 8), np.uint8),
             labels=np.array(["happy", "bored"]), group=np.arange(2))
    with pytest.raises(ValueError, match="unknown labels \\['bored'\\]"):
        load_nhfi(data_home=tmp_path)
