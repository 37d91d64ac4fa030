"""Progress bars (tqdm, on stderr), when asked for."""

import sys


def progress(items, desc, verbose):
    """``items`` wrapped in a tqdm bar named ``desc`` when ``verbose``, else unchanged."""
    if not verbose:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, total=len(items))


class _NoBar:
    """What :func:`progress_bar` gives when not ``verbose``: every call does nothing."""

    def update(self, n=1):
        pass

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


class _Bar(_NoBar):
    """A tqdm bar whose total, an estimate, becomes the count reached when it closes."""

    def __init__(self, bar):
        self._bar = bar

    def update(self, n=1):
        self._bar.update(n)

    def close(self):
        if self._bar.total is not None and self._bar.total != self._bar.n:
            self._bar.total = self._bar.n
            self._bar.refresh()
        self._bar.close()


def progress_bar(desc, verbose, *, total=None, unit="it"):
    """A tqdm bar named ``desc`` on stderr, updated by hand, when ``verbose``.

    Parameters
    ----------
    desc : str
        The bar's name.
    verbose : bool
        False gives a bar whose methods do nothing, so callers need no test.
    total : int, default=None
        The expected count (None or 0: unknown; the bar then counts only).
    unit : str, default="it"
        What is counted ("frames", "faces").

    Returns
    -------
    bar
        Use as a context manager, or call ``update`` and ``close``.  When it
        closes, an estimated ``total`` becomes the count reached.  A bar
        drawn inside another one (``emosk predict`` over several videos)
        disappears when done; a bar of its own stays (tqdm's ``leave=None``).
    """
    if not verbose:
        return _NoBar()
    from tqdm.auto import tqdm

    return _Bar(tqdm(desc=desc, total=total or None, unit=f" {unit}", file=sys.stderr,
                     leave=None, dynamic_ncols=True))
