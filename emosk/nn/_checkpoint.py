"""Resumable training: a skorch callback that saves, after every epoch, all a
later ``fit`` needs to continue exactly where training stopped."""

import json
import os
import random
import tempfile
from pathlib import Path

import numpy as np
import torch
from skorch.callbacks import Callback, LRScheduler
from skorch.history import History

__all__ = ["TrainingCheckpoint", "read_checkpoint"]

#: Fitted attributes of skorch's callbacks that carry over from one epoch to
#: the next (EarlyStopping's best epoch and weights, the scorings' best score).
_CARRIED = ("best_score_", "misses_", "dynamic_threshold_", "best_epoch_",
            "best_model_weights_")


def _plain(value):
    """A numpy scalar as the Python number it holds (JSON and
    ``torch.load(weights_only=True)`` take only plain types)."""
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"{type(value).__name__} is not serialisable: {value!r}")


def _rng_states():
    """The states of every random generator training draws from."""
    kind, keys, pos, has_gauss, cached = np.random.get_state()
    states = {
        "torch": torch.get_rng_state(),
        "numpy": (kind, torch.from_numpy(keys.astype(np.int64)), int(pos),
                  int(has_gauss), float(cached)),
        "python": random.getstate(),
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        states["cuda"] = torch.cuda.get_rng_state_all()
    return states


def _set_rng_states(states):
    torch.set_rng_state(states["torch"])
    kind, keys, pos, has_gauss, cached = states["numpy"]
    np.random.set_state((kind, keys.numpy().astype(np.uint32), pos, has_gauss, cached))
    random.setstate(states["python"])
    cuda = states.get("cuda")
    if cuda is not None and torch.cuda.is_available() and len(cuda) == torch.cuda.device_count():
        torch.cuda.set_rng_state_all(cuda)


def _callback_states(net):
    """LR-scheduler states and the carried-over attributes of the callbacks."""
    states = {}
    for name, cb in net.callbacks_:
        if isinstance(cb, LRScheduler) and hasattr(cb, "lr_scheduler_"):
            states[name] = {"lr_scheduler": cb.lr_scheduler_.state_dict()}
            continue
        carried = {a: getattr(cb, a) for a in _CARRIED if hasattr(cb, a)}
        if carried:
            states[name] = {a: _plain(v) if isinstance(v, np.generic) else v
                            for a, v in carried.items()}
    return states


def _continue_schedule(scheduler, saved):
    """Load a scheduler's state; a polynomial decay keeps the length of the
    current fit (``max_epochs``), its learning rate set to where that schedule
    is after the epochs done."""
    poly = isinstance(scheduler, torch.optim.lr_scheduler.PolynomialLR)
    if not poly or saved.get("total_iters") == scheduler.total_iters:
        scheduler.load_state_dict(saved)
        return
    scheduler.load_state_dict(dict(saved, total_iters=scheduler.total_iters))
    done = min(scheduler.last_epoch, scheduler.total_iters)
    factor = (1.0 - done / scheduler.total_iters) ** scheduler.power
    lrs = [base * factor for base in scheduler.base_lrs]
    for group, lr in zip(scheduler.optimizer.param_groups, lrs):
        group["lr"] = lr
    scheduler._last_lr = lrs


def _set_callback_states(net, states):
    for name, cb in net.callbacks_:
        state = states.get(name)
        if state is None:
            continue
        if "lr_scheduler" in state and isinstance(cb, LRScheduler):
            _continue_schedule(cb.lr_scheduler_, state["lr_scheduler"])
            cb.batch_idx_ = sum(len(b) for b in net.history[:, "batches"])
        else:
            for attr, value in state.items():
                setattr(cb, attr, value)


def _atomic_save(obj, path):
    """``torch.save`` to a temporary file beside ``path``, then rename it over
    ``path``: an interruption never leaves a half-written checkpoint."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            torch.save(obj, f)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_checkpoint(path, *, fingerprint=None):
    """Read a training checkpoint written by :class:`TrainingCheckpoint`.

    Parameters
    ----------
    path : str or path-like
        The checkpoint file.
    fingerprint : dict, default=None
        The settings of the fit that wants to resume (``backbone``,
        ``n_classes``, ``input_size``, ``classes``); each must equal the
        checkpoint's.  None skips the comparison.

    Returns
    -------
    state : dict
        ``epoch`` (epochs done), ``fingerprint``, ``module``, ``optimizer``,
        ``callbacks``, ``rng`` and ``history`` (a JSON string).

    Raises
    ------
    ValueError
        If the file is not a checkpoint, or was made with other settings; the
        message names the file and every setting that differs.
    """
    path = Path(path)
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(f"Cannot read the training checkpoint {path}: {exc}") from exc
    if not isinstance(state, dict) or "fingerprint" not in state:
        raise ValueError(f"{path} is not an emosk training checkpoint.")
    if fingerprint is not None:
        saved = state["fingerprint"]
        diff = [f"{k}={saved.get(k)!r} in the checkpoint, {v!r} in this fit"
                for k, v in fingerprint.items() if saved.get(k) != v]
        if diff:
            raise ValueError(f"Cannot resume from {path}: it was made with other settings ("
                             + "; ".join(diff) + "). Delete it or give another checkpoint path.")
    return state


class TrainingCheckpoint(Callback):
    """Save after every epoch, and restore at the start of a resumed fit, the
    state of a skorch training run.

    Saved (to one file, replaced atomically): module weights, optimizer state,
    LR-scheduler states, the carried-over state of the other callbacks
    (EarlyStopping's best weights, the scorings' best scores), the epoch count,
    the torch / CUDA / numpy / Python RNG states and the skorch history.  Put it
    after the callbacks whose state it saves (skorch runs them in list order).

    Parameters
    ----------
    path : str or path-like
        The checkpoint file.
    fingerprint : dict
        Settings that a resumed fit must share (see :func:`read_checkpoint`),
        saved with the state.
    resume_from : dict, default=None
        A state read by :func:`read_checkpoint`, restored in ``on_train_begin``.
    """

    def __init__(self, path, fingerprint, resume_from=None):
        self.path = path
        self.fingerprint = fingerprint
        self.resume_from = resume_from

    def on_train_begin(self, net, **kwargs):
        state, self.resume_from = self.resume_from, None  # restore once, free memory
        if state is None:
            return
        net.module_.load_state_dict(state["module"])
        net.optimizer_.load_state_dict(state["optimizer"])
        net.history = History(json.loads(state["history"]))
        _set_callback_states(net, state["callbacks"])
        _set_rng_states(state["rng"])

    def on_epoch_end(self, net, **kwargs):
        state = {
            "fingerprint": self.fingerprint,
            "epoch": len(net.history),
            "module": net.module_.state_dict(),
            "optimizer": net.optimizer_.state_dict(),
            "callbacks": _callback_states(net),
            "rng": _rng_states(),
            "history": json.dumps(net.history.to_list(), default=_plain),
        }
        _atomic_save(state, Path(self.path))
