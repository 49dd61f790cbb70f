"""What every result object (Result, PortfolioResult) shares: it takes over the C++ result it
is built from, is named after what was run, and remembers the file it was read from."""


class ResultBase:
    """Mixin placed before the _core result class: `class Result(ResultBase, _core.Result)`."""

    # The attribute holding what was run (a Scenario or a Portfolio); its name names the result.
    _subject = "scenario"

    def __init__(self, raw, path=None):
        super().__init__(raw)  # takes over raw's data; nothing is copied
        self._path = path

    @property
    def name(self):
        """The name of the scenario or portfolio that was run; for a scenario with values
        changed (with_values, --set), with them as a variant label:
        'baseline [sponsor=director]'."""
        subject = getattr(self, self._subject)
        return getattr(subject, "label", subject.name)

    @property
    def path(self):
        """The file this result was read from, or None."""
        return self._path

    def _from_where(self):
        # For __repr__: " from <path>" when read from a file.
        return f" from {self._path}" if self._path else ""
