"""The README documents every command, option and setting (as sqlite-utils and datasette do)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import typer.main

from regwatch._docs import config_reference
from regwatch.cli import app
from regwatch.config import load_config

REPO = Path(__file__).resolve().parent.parent
README = (REPO / "README.md").read_text()


def _commands():
    root = typer.main.get_command(app)
    out = []

    def walk(command, path):
        out.append((path, command))
        for name, sub in getattr(command, "commands", {}).items():
            walk(sub, [*path, name])

    walk(root, [])
    return out


COMMANDS = [(" ".join(path), cmd) for path, cmd in _commands() if path]


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_is_documented(name, command):
    assert f"regwatch {name}" in README, f"README does not mention `regwatch {name}`"


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_option_is_documented(name, command):
    for param in command.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--") and opt != "--help":
                assert re.search(rf"`[^`]*{re.escape(opt)}\b", README), (
                    f"README does not document {opt} of `regwatch {name}`"
                )


def test_global_options_are_documented():
    root = typer.main.get_command(app)
    for param in root.params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert f"`{opt}" in README, opt


def test_configuration_reference_is_current():
    assert config_reference() in README, (
        "the configuration reference in README.md is stale: "
        "run `python -m regwatch._docs --write README.md`"
    )


def test_example_sources_file_is_valid():
    config = load_config(str(REPO / "sources.yaml"))
    assert config.sources["federal_register"].enabled


def test_readme_shows_the_two_commands():
    ci = (REPO / ".ci" / "run").read_text()
    test_command = next(line for line in ci.splitlines() if "pytest" in line)
    assert test_command in README
    assert "regwatch run --once" in README
