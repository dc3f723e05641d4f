"""The durable schedule: where each source resumes after a restart."""

from pipeline.daemon.crawls import _summary
from pipeline.daemon.state import first_run_at


def test_first_run_after_restart():
    now = 10_000.0
    assert first_run_at(None, 600, now) == now  # never crawled
    assert first_run_at({"last_started": 9_900, "last_finished": 9_950}, 600, now) == 10_500  # waits its turn
    assert first_run_at({"last_started": 1_000, "last_finished": 1_100}, 600, now) == now  # overdue
    assert first_run_at({"last_started": 9_990, "last_finished": 9_000}, 600, now) == now  # interrupted


def test_crawl_summary_is_read_from_the_json_line():
    out = b'noise\n{"sources": [{"source": "a", "new": 2}, {"source": "b", "new": 0}], "interrupted": false}\n'
    assert _summary(out, "a") == {"source": "a", "new": 2}
    assert _summary(b"not json", "a") == {}
