"""The loan book: the user's config file (wallets, CeFi loans, chains, thresholds, notify URLs)
and CeFi loans as positions of the shared model."""

from chainwatch.loanbook.cefi import CEFI, CefiLoan, read_cefi_positions
from chainwatch.loanbook.config import ConfigError, LoanBook, Wallet, load_loan_book, parse_loan_book

__all__ = [
    "CEFI",
    "CefiLoan",
    "ConfigError",
    "LoanBook",
    "Wallet",
    "load_loan_book",
    "parse_loan_book",
    "read_cefi_positions",
]
