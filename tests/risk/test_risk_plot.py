"""`risk --plot` writes a real PNG."""


def test_plot_writes_a_png(tmp_path, cli):
    target = tmp_path / "ltv.png"
    code, _, err = cli(
        "risk", "--btc", "0.5", "--btc-price", "60000", "--loan", "20000", "--apr", "0.08",
        "--liquidation-ltv", "0.75", "--volatility", "0.5", "--paths", "1000",
        "--plot", target, "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    data = target.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 10_000
