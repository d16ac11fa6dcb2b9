"""What many tests share, in one place: accounts, real loans on the devnet, position reads, the
in-process CLI runner, local receivers and the fault-injecting RPC proxy.

Imported as `tests.helpers.<module>` (pytest puts the repository root on sys.path: `pythonpath`
in pyproject.toml), never through sys.path edits or by copying a function into another test.
"""
