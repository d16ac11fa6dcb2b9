"""The local dashboard (`chainwatch serve`): the loans, their danger and their history in a browser.

A feature like `risk` or `costs`: a background reading builds the very documents the CLI prints
(`track`, `risk`, `compare`, `history` JSON), and the pages and the `/api/` answers are drawn
from the last of them, so no request ever waits on a chain. Starlette, uvicorn and Jinja2 are
imported only by `app.py` and the `serve` command, never by `--help`.
"""
