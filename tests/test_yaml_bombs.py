"""YAML bombs in sources.yaml and watch lists: refused at once with the line, exit status 2."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from regwatch.exceptions import ConfigError
from regwatch.yamlfile import loads_yaml


def alias_bomb(levels: int) -> str:
    """The classic "billion laughs": each level lists the previous one nine times."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [" + ",".join([f"*a{n - 1}"] * 9) + "]")
    return "\n".join(lines) + "\n"


BOMBS = {
    # nine levels: 9**10 strings once expanded, a 700-byte file
    "alias bomb": (alias_bomb(9), 2, "aliases (*name) are not accepted"),
    "recursive alias": ("company: x\nwatch: &w\n  keywords: [*w]\n", 3, "aliases"),
    "deep nesting": ("company: x\nwatch: " + "[" * 5000 + "]" * 5000 + "\n", 2, "nested more"),
    "deep block nesting": (
        "company: x\n" + "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v\n",
        51,
        "nested more than 50 levels deep",
    ),
}


@pytest.mark.parametrize("name", BOMBS)
def test_bombs_are_refused_quickly_with_the_line(name):
    text, line, problem = BOMBS[name]
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        loads_yaml(text, Path("watch.yaml"))
    assert time.monotonic() - started < 1.0  # the bound: no expansion ever starts
    assert str(caught.value).startswith(f"watch.yaml:{line}: invalid YAML: ")
    assert problem in str(caught.value)


def test_anchors_without_aliases_and_ordinary_nesting_still_load():
    located = loads_yaml("a: &x {b: [1, {c: 2}]}\n", Path("f.yaml"))
    assert located.data == {"a": {"b": [1, {"c": 2}]}}


@pytest.mark.parametrize("name", BOMBS)
def test_watch_import_and_sources_exit_2(cli, tmp_path, name):
    text, line, problem = BOMBS[name]
    (tmp_path / "w.yaml").write_text(text)
    assert cli("init").code == 0
    imported = cli("watch", "import", "w.yaml")
    assert imported.code == 2, imported
    assert f"w.yaml:{line}: invalid YAML" in imported.stderr and problem in imported.stderr
    assert "Traceback" not in imported.stderr
    config = cli("--config", "w.yaml", "sources")
    assert config.code == 2 and f"w.yaml:{line}: invalid YAML" in config.stderr
