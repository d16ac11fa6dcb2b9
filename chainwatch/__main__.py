"""`python -m chainwatch` runs the command line, as the `chainwatch` script does."""

from chainwatch.entry import main

main()
