"""Checks every number of a report page against its file (test_remedies, test_seek): the
tagged numbers of test_report, plus those derived from raw sums (data-derive), compared with
the Python result's frames, and the answer paragraphs compared with the command's text."""
import h5py

from test_report import _Numbers, check_number, read_value


class Numbers(_Numbers):
    """test_report's parser; the answer paragraphs (class "answer") are collected apart."""

    def __init__(self):
        super().__init__()
        self.answers = []

    def handle_data(self, data):
        if self._text is None and self._inside(
                lambda t, a: "answer" in a.get("class", "").split()):
            self.answers.append(data)
            return
        super().handle_data(data)


def check_page(page, h5_path, derived):
    """Every tagged number of `page` equals its dataset, or for data-derive what
    derived(group, index, how) gives; no stray digits. Returns the answer paragraphs' text
    and the count of numbers checked."""
    parser = Numbers()
    parser.feed(page)
    with h5py.File(h5_path, "r") as f:
        files = {"main": f}
        for attrs, text in parser.nums:
            if attrs.get("data-derive"):
                value = derived(attrs["data-src"], int(attrs["data-index"]), attrs["data-derive"])
            else:
                value = read_value(files, attrs)
            check_number(attrs, text.strip(), value)
    assert parser.stray == [], parser.stray
    return " ".join(a.strip() for a in parser.answers), len(parser.nums)
