"""Progress bars for progsurv.run / sweep / attribute / compare (progress=True): tqdm's
text bar on stderr, with done/total, rate and time left. Jupyter shows it as one live
line too; the widget flavour (tqdm.auto) is not used because headless notebook runners
(nbclient) fail on widget messages."""
import contextlib


# What the bar counts, as tqdm shows it after the rate ("12.3k rep/s").
_SHORT = {"replications": "rep", "organisations": "org", "steps": "step", "draws": "draw",
          "points": "pt"}
# Counts shown as they are ("4/200"), not scaled ("4.00/200"): the small ones.
_UNSCALED = {"steps", "draws", "points"}


def progress_bar(label, unit="replications"):
    """A callable progress(done, planned) -> True drawing a tqdm bar, started when it is
    made (make it as the work starts); call .close() after. `unit` says what done and
    planned count (replications, organisations, steps, draws)."""
    from tqdm import tqdm

    class _Bar:
        def __init__(self):
            # Started now, as the work starts: tqdm's rate and time left count from here.
            # The engine's first call comes after its first chunk, which tells the total.
            self._bar = tqdm(total=None, desc=label,
                             unit=_SHORT.get(unit, unit) if unit else "it",
                             unit_scale=unit not in _UNSCALED, leave=False, dynamic_ncols=True,
                             mininterval=0, miniters=1)

        def __call__(self, done, planned):
            if self._bar is None:
                return True  # closed
            if self._bar.total != planned:
                self._bar.total = int(planned)
            self._bar.update(int(done) - self._bar.n)
            return True

        def close(self):
            if self._bar is not None:
                self._bar.close()
                self._bar = None

    return _Bar()


# The name the rest of the package uses.
ProgressBar = progress_bar


@contextlib.contextmanager
def reporting(progress, label, unit="replications"):
    """The engine's callback for a `progress` argument: True draws a bar (closed on exit),
    False or None gives None, a callable progress(done, planned) is used as it is."""
    bar = None
    if progress is True:
        bar = progress_bar(label, unit)
        callback = bar
    elif progress in (False, None):
        callback = None
    elif callable(progress):
        callback = progress
    else:
        raise TypeError("progress must be True, False or a callable progress(done, planned)")
    try:
        yield callback
    finally:
        if bar is not None:
            bar.close()
