"""A dependency-free progress bar for progsurv.run(progress=True).

In a Jupyter notebook it is one live-updated output line (IPython.display); elsewhere
it is redrawn in place on sys.stderr.
"""
import sys


def _in_notebook():
    ipython = sys.modules.get("IPython")
    if ipython is None:
        return False
    shell = ipython.get_ipython()
    return shell is not None and hasattr(shell, "kernel")


class ProgressBar:
    width = 30

    def __init__(self, label, stream=None):
        self.label = label
        self._stream = stream
        self._display = None
        self._last = None
        self._drawn = False
        if stream is None and _in_notebook():
            from IPython.display import Pretty, display

            self._pretty = Pretty
            self._display = display(Pretty(self._text(0, 0)), display_id=True)

    def _text(self, done, planned):
        fraction = done / planned if planned > 0 else 0.0
        filled = int(fraction * self.width)
        bar = "#" * filled + "." * (self.width - filled)
        return f"{self.label} [{bar}] {100 * fraction:5.1f}%  {done}"

    def __call__(self, done, planned):
        text = self._text(done, planned)
        if text == self._last:
            return True
        self._last = text
        if self._display is not None:
            self._display.update(self._pretty(text))
        else:
            stream = self._stream if self._stream is not None else sys.stderr
            stream.write("\r" + text)
            stream.flush()
            self._drawn = True
        return True

    def close(self):
        if self._drawn:
            stream = self._stream if self._stream is not None else sys.stderr
            stream.write("\n")
            stream.flush()
            self._drawn = False
