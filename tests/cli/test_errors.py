"""Never a traceback: every bad input is one line on stderr and a documented exit code.

Exit codes: 1 a bad input or file, 2 a usage error (an option's value), 130 interrupted.
Checks that must come before any RPC call are made with the endpoint on a dead port, so a
read would fail differently ("cannot connect") from the refusal the test expects.
"""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import textwrap
import time

import pytest

WALLET = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
DEAD_RPC = "http://127.0.0.1:1"


def one_line(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    ("output", "message"),
    [
        ("{tmp}", "is a directory; give a file name"),
        ("{tmp}/missing/out.json", "the folder {tmp}/missing does not exist"),
        ("/proc/no-such-process/out.json", "the folder /proc/no-such-process does not exist"),
    ],
)
def test_an_unwritable_output_is_refused_before_reading(cli, tmp_path, output, message):
    path = output.format(tmp=tmp_path)
    code, out, err = cli("track", WALLET, "--chain", "devnet", "--rpc", DEAD_RPC, "--output", path)
    assert code == 1 and out == ""
    line = one_line(err)
    assert path in line and message.format(tmp=tmp_path) in line
    assert ".out.json." not in line  # the user's path, not the temporary file beside it


def test_a_scan_cache_dir_that_is_a_file_is_refused(cli, tmp_path):
    file = tmp_path / "cache"
    file.write_text("")
    code, _, err = cli("scan", "--chain", "devnet", "--rpc", DEAD_RPC, "--cache-dir", file)
    assert code == 1 and f"{file}: is a file, not a folder" in one_line(err)


@pytest.mark.parametrize(
    ("encoding", "message"),
    [("utf-16", "is UTF-16 text; save it as UTF-8"), ("latin-1", ":2: the wallets file is not UTF-8 text")],
)
def test_a_wallets_file_in_another_encoding_is_one_line(cli, tmp_path, encoding, message):
    wallets = tmp_path / "wallets.txt"
    wallets.write_text(f"\n# café\n{WALLET}\n", encoding=encoding)
    code, _, err = cli("track", "--wallets", wallets, "--chain", "devnet", "--rpc", DEAD_RPC)
    assert code == 1 and message in one_line(err) and str(wallets) in err


def test_a_byte_order_mark_is_accepted(devnet, cli, tmp_path):
    wallets = tmp_path / "wallets.txt"
    wallets.write_text(f"{WALLET}\n", encoding="utf-8-sig")
    book = tmp_path / "book.toml"
    book.write_text(f'[chains.devnet]\nrpc = ["{devnet.rpc_url}"]\n', encoding="utf-8-sig")
    code, out, err = cli("track", "--wallets", wallets, "--chain", "devnet", "--address-book", book, "--format", "json")
    assert code == 0, err
    assert [p["account"] for p in json.loads(out)["positions"]] == [WALLET]


def test_an_offers_file_in_utf16_is_one_line(cli, tmp_path):
    offers = tmp_path / "offers.toml"
    offers.write_text('[[offers]]\nname = "x"\n', encoding="utf-16")
    code, _, err = cli("compare", "--loan", "10000", "--apr", "0.05", "--gas-usd", "5", "--offers", offers)
    assert code == 1 and "offers file is UTF-16 text" in one_line(err)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not a database", "is not a usable history database (file is not a database)"),
        (None, "no schema version"),  # a SQLite file with someone else's tables
    ],
)
def test_a_corrupt_or_foreign_history_database_is_one_line(cli, tmp_path, content, message):
    db = tmp_path / "history.sqlite3"
    if content is None:
        import sqlite3

        with sqlite3.connect(db) as connection:
            connection.execute("create table snapshots (anything text)")
    else:
        db.write_bytes(content)
    code, _, err = cli("history", WALLET, "--db", db)
    assert code == 1
    line = one_line(err)
    assert message in line and str(db) in line


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--block", "0"), "Invalid value for '--block'"),
        (("--block", "-5"), "Invalid value for '--block'"),
        (("--block", "soon"), "Invalid value for '--block'"),
    ],
)
def test_a_bad_block_is_refused_before_any_rpc_call(cli, args, message):
    code, _, err = cli("track", WALLET, "--chain", "devnet", "--rpc", DEAD_RPC, *args)
    assert code == 2 and message in one_line(err) and "see `chainwatch track --help`" in err


def test_a_block_past_the_head_is_one_line(devnet, cli):
    code, _, err = cli("track", WALLET, "--chain", "devnet", "--rpc", devnet.rpc_url, "--block", "99999999")
    assert code == 1 and "block 99999999 does not exist yet" in one_line(err)


def test_a_bad_from_block_writes_no_scan_cache(devnet, cli, tmp_path):
    cache = tmp_path / "scan-cache"
    code, _, err = cli("scan", "--chain", "devnet", "--rpc", devnet.rpc_url, "--cache-dir", cache, "--from-block", "-1")
    assert code == 2 and "Invalid value for '--from-block'" in one_line(err)
    assert not cache.exists() or not any(cache.iterdir())
    code, _, err = cli(
        "scan", "--chain", "devnet", "--rpc", devnet.rpc_url, "--cache-dir", cache, "--from-block", "soon"
    )
    assert code == 2
    code, _, err = cli(
        "scan", "--chain", "devnet", "--rpc", devnet.rpc_url, "--cache-dir", cache, "--from-block", "999999999"
    )
    assert code == 1 and "--from-block 999999999 is past the block read" in one_line(err)
    assert not any(cache.iterdir())


COMPARE = ("compare", "--loan", "10000", "--gas-usd", "5", "--format", "json")


def test_a_rate_typed_as_a_percent_is_refused_and_a_percent_sign_is_understood(cli):
    code, _, err = cli(*COMPARE, "--apr", "8")
    assert code == 1 and "--apr 8 looks like a percent: write 0.08 or 8%" in one_line(err)
    code, with_sign, err = cli(*COMPARE, "--apr", "8%")
    assert code == 0, err
    code, as_fraction, err = cli(*COMPARE, "--apr", "0.08")
    assert code == 0, err
    unread = {"timestamp"}  # no chain is read: the time is when each ran, a second apart or not
    assert {k: v for k, v in json.loads(with_sign).items() if k not in unread} == {
        k: v for k, v in json.loads(as_fraction).items() if k not in unread
    }
    code, _, err = cli(
        "risk", "--btc", "1", "--btc-price", "60000", "--loan", "20000", "--liquidation-ltv", "0.8", "--apr", "12"
    )
    assert code == 1 and "--apr 12 looks like a percent" in one_line(err)


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ("compare", "--loan", "1e30", "--apr", "0.05", "--gas-usd", "5"),
            1,
            "--loan must be more than zero and at most 1,000,000,000,000",
        ),
        (
            ("compare", "--loan", "10000", "--btc", "1e9", "--apr", "0.05", "--gas-usd", "5"),
            1,
            "--btc must be more than zero and at most 21,000,000",
        ),
        (
            ("compare", "--loan", "10000", "--days", "0", "--apr", "0.05", "--gas-usd", "5"),
            2,
            "Invalid value for '--days'",
        ),
        (
            ("risk", "--btc", "1", "--btc-price", "60000", "--loan", "1e30", "--liquidation-ltv", "0.8"),
            1,
            "--loan must be more than zero and at most",
        ),
        (
            (
                "risk",
                "--btc",
                "1",
                "--btc-price",
                "60000",
                "--loan",
                "100",
                "--liquidation-ltv",
                "0.8",
                "--paths",
                "1000000000",
            ),
            2,
            "Invalid value for '--paths'",
        ),
    ],
)
def test_absurd_sizes_are_refused_with_the_allowed_range(cli, args, code, message):
    got, _, err = cli(*args, "--rpc", DEAD_RPC)
    assert got == code and message in one_line(err)


def test_a_usage_error_is_one_line(cli):
    code, _, err = cli("trak", WALLET)
    assert code == 2 and "No such command 'trak'" in one_line(err)


def test_ctrl_c_while_the_command_line_loads_is_interrupted_not_a_traceback():
    """A Ctrl-C can land while modules are still importing: simulated by an import hook that
    raises KeyboardInterrupt on the first command module, before `main` has started."""
    probe = textwrap.dedent(
        """
        import sys
        class CtrlC:
            def find_spec(self, name, path=None, target=None):
                if name == "chainwatch.cli.track":
                    raise KeyboardInterrupt
                return None
        sys.meta_path.insert(0, CtrlC())
        sys.argv = ["chainwatch", "--help"]
        from chainwatch.entry import main
        main()
        """
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 130
    assert done.stderr.strip() == "interrupted"


def test_ctrl_c_during_a_read_is_interrupted_not_a_traceback(tmp_path):
    """An endpoint that accepts the connection and never answers; Ctrl-C while waiting."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(8)
        url = f"http://127.0.0.1:{silent.getsockname()[1]}"
        process = subprocess.Popen(
            [sys.executable, "-m", "chainwatch", "track", WALLET, "--chain", "devnet", "--rpc", url],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        time.sleep(3)  # imported and waiting on the endpoint
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 130, err
    assert err.strip().splitlines()[-1] == "interrupted" and "Traceback" not in err


@pytest.mark.parametrize("alerts", [[], ["--alerts"]], ids=["readings", "alerts"])
def test_history_of_a_database_not_made_yet_says_so_and_makes_none(cli, tmp_path, alerts):
    """Reading a history that a watch has not created yet is not an error, and creates nothing."""
    db = tmp_path / "not-yet.sqlite3"
    code, out, err = cli("history", WALLET, *alerts, "--db", db)
    assert code == 0 and out == ""
    assert "no history for" in err or "no notifications stored" in err
    code, out, err = cli("history", WALLET, *alerts, "--db", db, "--format", "json")
    assert code == 0 and json.loads(out)["alerts" if alerts else "readings"] == []
    assert not db.exists()
