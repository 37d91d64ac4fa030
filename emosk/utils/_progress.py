"""A progress bar over a collection, when asked for."""


def progress(items, desc, verbose):
    """``items`` wrapped in a tqdm bar named ``desc`` when ``verbose``, else unchanged."""
    if not verbose:
        return items
    from tqdm.auto import tqdm

    return tqdm(items, desc=desc, total=len(items))
