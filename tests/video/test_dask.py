"""The same featurisation and grid search code on a Dask cluster of 2 workers."""

import re

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.model_selection import GridSearchCV
from sklearn.svm import LinearSVC

from emosk.nn import CNNFeaturizer
from emosk.pooling import StatPooling
from emosk.video import VideoFeaturizer

distributed = pytest.importorskip("dask.distributed")


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def _clips(n=6):
    rng = np.random.default_rng(1)
    return [rng.integers(0, 256, (3, 48, 48), dtype=np.uint8) for _ in range(n)]


def test_video_featurizer_runs_on_dask_workers(client, tmp_path):
    clips = _clips()
    vf = VideoFeaturizer("passthrough", CNNFeaturizer("compact"), cache=tmp_path, n_jobs=2)
    local = vf.fit().transform(clips[:1])[0]  # the cache now holds clip 0 only
    with distributed.get_task_stream(client) as stream, parallel_config(backend="dask"):
        remote = vf.transform(clips)
    # every clip was featurised in a task of a worker process of this cluster
    tasks = [t for t in stream.data if "_features_of" in str(t["key"])]
    calls = [re.search(r"_features_of_(\d+)_calls", str(t["key"])) for t in tasks]
    assert sum(int(m.group(1)) for m in calls) == len(clips), [t["key"] for t in tasks]
    assert {t["status"] for t in tasks} == {"OK"}
    workers = {t["worker"] for t in tasks}
    assert workers and workers <= set(client.scheduler_info()["workers"])
    assert [r.shape for r in remote] == [(3, 256)] * 6
    np.testing.assert_array_equal(remote[0], local)
    np.testing.assert_allclose(remote[1], CNNFeaturizer("compact").fit().transform(clips[1]),
                               atol=1e-5)


def test_grid_search_runs_on_dask_workers(client):
    rng = np.random.default_rng(0)
    clips = [rng.normal(size=(5, 4)) + (i % 2) for i in range(20)]
    y = np.arange(20) % 2
    from sklearn.pipeline import make_pipeline

    pipe = make_pipeline(StatPooling(), LinearSVC())
    grid = GridSearchCV(pipe, {"statpooling__stats": ["stat", "stat*"],
                               "linearsvc__C": [0.1, 1.0]}, cv=2, n_jobs=-1)
    with distributed.get_task_stream(client) as stream, parallel_config(backend="dask"):
        grid.fit(clips, y)
    assert len(stream.data) >= 2  # joblib batches the 8 fits into Dask tasks
    local = GridSearchCV(pipe, grid.param_grid, cv=2).fit(clips, y)
    np.testing.assert_allclose(grid.cv_results_["mean_test_score"],
                               local.cv_results_["mean_test_score"])
    assert grid.best_score_ > 0.9
