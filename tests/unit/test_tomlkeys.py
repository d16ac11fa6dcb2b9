"""Key paths of TOML text mapped to the lines they are written on, for file:line: key errors."""

import tomllib
from importlib import resources

import pytest

from chainwatch.errors import ChainwatchError
from chainwatch.tomlkeys import key_lines, key_text, parse_toml

TRICKY = '''\
# a comment = with an equals sign
title = "a # that is no comment"  # but this is
"quoted.key" = 1
'literal' = 'C:\\'
multi = """
x = "not a key"
ends with quotes"""""
raw = \'\'\'
[not.a.table]
\'\'\'
urls = [
  "https://example.org/?a=b", # a query string is no key
  [1, 2],
  { k = "v", n.m = 2 },
]
when = 1979-05-27 07:32:00Z
[[fruits]]
name = "apple"
[fruits.physical]
color = "red"
[[fruits.varieties]]
name = "red delicious"
[[fruits]]
name = "banana"
  [ a . "b c" . d ]
x = 1\r
'''

EXPECTED = {
    ("title",): 2,
    ("quoted.key",): 3,
    ("literal",): 4,
    ("multi",): 5,
    ("raw",): 8,
    ("urls",): 11,
    ("urls", 0): 12,
    ("urls", 1): 13,
    ("urls", 1, 1): 13,
    ("urls", 2, "n", "m"): 14,
    ("when",): 16,
    ("fruits",): 17,
    ("fruits", 0): 17,
    ("fruits", 0, "name"): 18,
    ("fruits", 0, "physical", "color"): 20,
    ("fruits", 0, "varieties", 0, "name"): 22,
    ("fruits", 1): 23,
    ("fruits", 1, "name"): 24,
    ("a", "b c", "d"): 25,
    ("a", "b c", "d", "x"): 26,
}


def test_every_kind_of_key_is_found_on_its_line():
    assert tomllib.loads(TRICKY)["multi"].endswith('quotes""')  # the text is valid TOML
    lines = key_lines(TRICKY)
    assert {path: lines.get(path) for path in EXPECTED} == EXPECTED
    assert ("x",) not in lines and ("not", "a", "table") not in lines  # text inside strings


@pytest.mark.parametrize("name", ["chains/ethereum.toml", "chains/devnet.toml", "costs/offers.toml"])
def test_each_key_of_the_shipped_files_is_on_a_line_that_names_it(name):
    package, file = name.split("/")
    text = resources.files(f"chainwatch.{package}").joinpath(file).read_text()
    rows = text.splitlines()
    for path, line in key_lines(text).items():
        last = path[-1]
        if isinstance(last, str):
            assert last in rows[line - 1], (path, line)


def test_a_missing_key_points_at_its_table():
    located = parse_toml('[[offers]]\nname = "A"\n\n[[offers]]\nname = "B"\n', "f.toml", ChainwatchError)
    assert located.at(("offers", 1, "apr")) == "f.toml:4: offers[1].apr"
    assert located.unknown_key(("offers", 0), "name") == "f.toml:2: offers[0]: unknown key 'name'"
    assert located.unknown_key((), "offers") == "f.toml:1: unknown top-level key 'offers'"
    assert parse_toml("", "empty.toml", ChainwatchError).place(("offers",)) == "empty.toml"


def test_invalid_toml_names_its_line():
    with pytest.raises(ChainwatchError) as raised:
        parse_toml('a = 1\nb = "unclosed\n', "bad.toml", ChainwatchError)
    assert str(raised.value).startswith("bad.toml:2: not valid TOML: ")
    assert "(at line" not in str(raised.value)


def test_key_text_quotes_keys_that_are_not_bare():
    assert key_text(("chains", "my chain", "markets", 0, "name")) == 'chains."my chain".markets[0].name'
