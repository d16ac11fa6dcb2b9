"""Where each key of a TOML file is written, so a config error names the file, line and key.

tomllib hands back plain dicts with no positions. The files chainwatch reads (address books,
offers) are small, and tomllib has already accepted them when a line is wanted, so a short
scanner that follows TOML's structure (headers, arrays of tables, dotted and quoted keys,
strings, arrays, inline tables) maps every key path to its line without a second TOML parser.
A path is a tuple of keys and array indices: ("offers", 0, "apr") is `offers[0].apr`.
"""

from __future__ import annotations

import bisect
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

KeyPath = tuple[str | int, ...]

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")
_TOML_ERROR_AT = re.compile(r"\s*\(at line (\d+), column \d+\)$")
_SCALAR_END = re.compile(r"[,\]}#\n]")
_ESCAPE = re.compile(r"\\(u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")


def key_text(path: KeyPath) -> str:
    """`chains.localtest.chain_id`, `offers[0].apr`; keys that are not bare are quoted."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            key = part if _BARE_KEY.fullmatch(part) else '"' + part.replace("\\", "\\\\").replace('"', '\\"') + '"'
            text += f".{key}" if text else key
    return text


@dataclass(frozen=True)
class TomlFile:
    """A parsed TOML document that still knows its origin and the line of every key."""

    origin: str  # a path, or "built-in NAME.toml"
    data: dict[str, Any]
    lines: Mapping[KeyPath, int]

    def line(self, path: KeyPath) -> int | None:
        """The line of `path`, else of its nearest written parent (a missing key's table)."""
        for end in range(len(path), 0, -1):
            if path[:end] in self.lines:
                return self.lines[path[:end]]
        return None

    def place(self, path: KeyPath = ()) -> str:
        """`book.toml:12`: the file and the line an error about `path` points at."""
        line = self.line(path)
        return self.origin if line is None else f"{self.origin}:{line}"

    def at(self, path: KeyPath) -> str:
        """`book.toml:12: chains.localtest.chain_id`: how an error about `path` begins."""
        return f"{self.place(path)}: {key_text(path)}" if path else self.place()

    def unknown_key(self, table: KeyPath, key: str) -> str:
        """The error for a key the format does not have, pointing at that key's own line."""
        where = self.place(table + (key,))
        if not table:
            return f"{where}: unknown top-level key {key!r}"
        return f"{where}: {key_text(table)}: unknown key {key!r}"


def parse_toml(
    text: str,
    origin: str,
    error: Callable[[str], Exception],
    parse_float: Callable[[str], Any] = float,
) -> TomlFile:
    """`text` parsed and located; invalid TOML raises `error("origin:line: not valid TOML: ...")`."""
    try:
        data = tomllib.loads(text, parse_float=parse_float)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_ERROR_AT.search(message)
        where = f"{origin}:{found[1]}" if found else origin
        raise error(f"{where}: not valid TOML: {_TOML_ERROR_AT.sub('', message)}") from None
    return TomlFile(origin, data, key_lines(text))


def key_lines(text: str) -> dict[KeyPath, int]:
    """Every key path of a valid TOML document -> the 1-based line it is written on.

    Tables and arrays of tables map to their header line, array elements to the line they
    start on, and each implicit parent (`chains` of `[chains.x]`) to where it first appears.
    """
    return _Scanner(text).scan()


class _Scanner:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0
        self.newlines = [i for i, char in enumerate(text) if char == "\n"]
        self.lines: dict[KeyPath, int] = {}
        self.table_counts: dict[KeyPath, int] = {}  # array-of-tables path -> elements so far

    def scan(self) -> dict[KeyPath, int]:
        table: KeyPath = ()
        while self._skip_space_and_comments():
            if self.text.startswith("[[", self.pos):
                self.pos += 2
                table = self._array_table_header()
            elif self.text.startswith("[", self.pos):
                self.pos += 1
                table = self._resolve(self._key())
                self._record(table)
                self._expect("]")
            else:
                self._key_value(table)
        return self.lines

    # --- headers and keys -----------------------------------------------------------------

    def _array_table_header(self) -> KeyPath:
        parts = self._key()
        array = self._resolve(parts[:-1]) + parts[-1:]
        index = self.table_counts.get(array, 0)
        self.table_counts[array] = index + 1
        self._record(array + (index,))
        self._expect("]]")
        return array + (index,)

    def _resolve(self, parts: KeyPath) -> KeyPath:
        """A header's keys with each array of tables on the way replaced by its last element."""
        path: KeyPath = ()
        for part in parts:
            path += (part,)
            if path in self.table_counts:
                path += (self.table_counts[path] - 1,)
        return path

    def _key(self) -> KeyPath:
        parts: list[str] = []
        while True:
            self._skip_blanks()
            char = self.text[self.pos]
            if char == '"':
                parts.append(_unescape(self._string('"')[1:-1]))
            elif char == "'":
                parts.append(self._string("'")[1:-1])
            else:
                bare = _BARE_KEY.match(self.text, self.pos)
                if bare is None:
                    raise ValueError(f"no key at offset {self.pos}")
                parts.append(bare.group())
                self.pos = bare.end()
            self._skip_blanks()
            if not self.text.startswith(".", self.pos):
                return tuple(parts)
            self.pos += 1

    def _key_value(self, table: KeyPath) -> None:
        path = table + self._key()
        self._record(path)
        self._expect("=")
        self._value(path)

    # --- values ---------------------------------------------------------------------------

    def _value(self, path: KeyPath) -> None:
        self._skip_blanks()
        char = self.text[self.pos]
        if char in "\"'":
            self._string(char)
        elif char == "[":
            self._array(path)
        elif char == "{":
            self._inline_table(path)
        else:
            end = _SCALAR_END.search(self.text, self.pos)
            self.pos = end.start() if end else len(self.text)

    def _array(self, path: KeyPath) -> None:
        self.pos += 1
        index = 0
        while True:
            self._skip_space_and_comments()
            if self.text.startswith("]", self.pos):
                self.pos += 1
                return
            self._record(path + (index,))
            self._value(path + (index,))
            index += 1
            self._skip_space_and_comments()
            if self.text.startswith(",", self.pos):
                self.pos += 1

    def _inline_table(self, path: KeyPath) -> None:
        self.pos += 1
        while True:
            self._skip_blanks()
            if self.text.startswith("}", self.pos):
                self.pos += 1
                return
            if self.text.startswith(",", self.pos):
                self.pos += 1
                continue
            self._key_value(path)

    def _string(self, quote: str) -> str:
        """The string literal at pos (its quotes included), with pos moved past it."""
        start = self.pos
        triple = quote * 3
        if self.text.startswith(triple, start):
            end = self._find_closing(triple, start + 3)
            for _ in range(2):  # up to two quotes of the content may touch the closing triple
                if self.text.startswith(quote, end + 3):
                    end += 1
            self.pos = end + 3
        else:
            self.pos = self._find_closing(quote, start + 1) + 1
        return self.text[start : self.pos]

    def _find_closing(self, delimiter: str, pos: int) -> int:
        """Where `delimiter` closes a string opened before pos (backslash escapes in basic strings)."""
        escapes = delimiter[0] == '"'
        while True:
            if escapes and self.text[pos] == "\\":
                pos += 2
            elif self.text.startswith(delimiter, pos):
                return pos
            else:
                pos += 1

    # --- whitespace and bookkeeping ---------------------------------------------------------

    def _skip_blanks(self) -> None:
        while self.pos < len(self.text) and self.text[self.pos] in " \t":
            self.pos += 1

    def _skip_space_and_comments(self) -> bool:
        """Skip whitespace, newlines and comments; False at the end of the text."""
        while self.pos < len(self.text):
            char = self.text[self.pos]
            if char in " \t\r\n":
                self.pos += 1
            elif char == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            else:
                return True
        return False

    def _expect(self, token: str) -> None:
        self._skip_blanks()
        if not self.text.startswith(token, self.pos):
            raise ValueError(f"expected {token!r} at offset {self.pos}")
        self.pos += len(token)

    def _record(self, path: KeyPath) -> None:
        line = bisect.bisect_left(self.newlines, self.pos) + 1  # newlines before pos, plus one
        for end in range(1, len(path) + 1):
            self.lines.setdefault(path[:end], line)


def _unescape(body: str) -> str:
    """A basic string's escapes decoded (for quoted keys such as "my chain")."""
    simple = {"b": "\b", "t": "\t", "n": "\n", "f": "\f", "r": "\r", '"': '"', "\\": "\\"}

    def one(match: re.Match[str]) -> str:
        code = match[1]
        return chr(int(code[1:], 16)) if code[0] in "uU" else simple.get(code, code)

    return _ESCAPE.sub(one, body)
