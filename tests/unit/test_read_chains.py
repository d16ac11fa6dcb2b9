"""What a run over several chains does apart from reading: its progress counts every chain."""

from chainwatch.snapshot import _summed_progress


def test_a_run_over_several_chains_reports_its_progress_summed():
    """A progress bar over two chains counts both: each chain's latest count, added up."""
    reports: list[tuple[int, int]] = []
    per_chain = _summed_progress(lambda done, total: reports.append((done, total)))
    assert per_chain is not None
    ethereum, base = per_chain("ethereum"), per_chain("base")
    ethereum(10, 40)
    base(5, 20)
    ethereum(40, 40)
    assert reports == [(10, 40), (15, 60), (45, 60)]
    assert _summed_progress(None) is None  # no bar: nothing to sum
