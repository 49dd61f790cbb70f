"""The engine runs without the GIL, and Ctrl-C stops a long run promptly."""
import _thread
import os
import signal
import threading
import time

import pytest

import progsurv


def replication_rate(scenario):
    """Replications per second on one thread (measured on a short run)."""
    n = 100_000
    start = time.perf_counter()
    progsurv.run(scenario, replications=n, threads=1)
    return n / (time.perf_counter() - start)


def replications_for(scenario, seconds):
    n = int(replication_rate(scenario) * seconds)
    return max(n, 4 * progsurv._core.batch_size)


class Counter(threading.Thread):
    """A pure-Python loop: it advances only while it holds the GIL."""

    def __init__(self):
        super().__init__(daemon=True)
        self.count = 0
        self.stop = False

    def run(self):
        while not self.stop:
            self.count += 1


def assert_runs_without_gil(work):
    """Calls work() (engine calls lasting together more than 0.3 s) beside a pure-Python
    counter. Holding the GIL, the engine would let the counter run for a switch interval (5 ms)
    at a time at most; without it, the counter runs through the whole call."""
    counter = Counter()
    counter.start()
    try:
        # The counter's speed while the main thread sleeps (without the GIL).
        before = counter.count
        time.sleep(0.3)
        free_rate = (counter.count - before) / 0.3
        # The engine on one thread leaves the other core to the counter.
        before = counter.count
        start = time.perf_counter()
        work()
        elapsed = time.perf_counter() - start
        advanced = counter.count - before
    finally:
        counter.stop = True
        counter.join()
    assert elapsed > 0.3, "the call was too short to tell"
    assert advanced > 0.1 * free_rate * elapsed, (advanced, free_rate, elapsed)


def test_gil_released_while_running(baseline):
    n = replications_for(baseline, 1.0)
    assert_runs_without_gil(lambda: progsurv.run(baseline, replications=n, threads=1))


def interrupt_after(seconds, how):
    def fire():
        time.sleep(seconds)
        if how == "interrupt_main":
            _thread.interrupt_main()
        else:
            os.kill(os.getpid(), signal.SIGINT)

    thread = threading.Thread(target=fire, daemon=True)
    thread.start()
    return thread


def assert_interrupted(call, how="interrupt_main", within=5.0):
    """Ctrl-C 0.5 s into call(), which would run far longer than `within` seconds: a
    KeyboardInterrupt within that bound. `how`: interrupt_main or a real SIGINT. Python's
    own handler is installed for the call, even where SIGINT was inherited as ignored (a CI
    job started in the background). The bound is generous: a loaded machine gets more room,
    only an interrupt that is not honoured fails."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        thread = interrupt_after(0.5, how)
        start = time.perf_counter()
        with pytest.raises(KeyboardInterrupt):
            call()
        elapsed = time.perf_counter() - start
        thread.join()
    finally:
        signal.signal(signal.SIGINT, previous)
    assert elapsed < within, f"KeyboardInterrupt came after {elapsed:.1f} s"


@pytest.mark.parametrize("how", ["interrupt_main", "sigint"])
def test_ctrl_c_stops_a_long_run(baseline, how):
    n = replications_for(baseline, 20.0)  # far longer than the test allows
    # Stopped at the next batch boundary, not at the end of the run.
    assert_interrupted(lambda: progsurv.run(baseline, replications=n, threads=1), how)
    # The engine is usable again afterwards.
    assert progsurv.run(baseline, replications=1000).n == 1000


def test_runs_in_parallel_threads(baseline):
    """Two Python threads run the engine at once; each result is what it would be alone."""
    alone = progsurv.run(baseline, replications=20_000, seed=9, threads=1)
    results = {}

    def work(key):
        results[key] = progsurv.run(baseline, replications=20_000, seed=9, threads=1)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for r in results.values():
        assert (r.tally_end_bins == alone.tally_end_bins).all()
