"""`risk --plot` writes a real PNG."""

from chainwatch.cli import main


def test_plot_writes_a_png(tmp_path, capsys):
    target = tmp_path / "ltv.png"
    try:
        main([
            "risk", "--btc", "0.5", "--btc-price", "60000", "--loan", "20000", "--apr", "0.08",
            "--liquidation-ltv", "0.75", "--volatility", "0.5", "--paths", "1000",
            "--plot", str(target), "--format", "json",
        ])  # fmt: skip
    except SystemExit as exit_:
        assert not exit_.code
    capsys.readouterr()
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
