"""The documentation (``docs/``, built with MkDocs) documents every command, option and setting
(as sqlite-utils and datasette do), its examples use real commands and options, and the site
builds with warnings as errors."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from regwatch._docs import config_reference
from regwatch.cli import app
from regwatch.cli._help import EXAMPLES as HELP
from regwatch.config import load_config

REPO = Path(__file__).resolve().parent.parent
DOCS = REPO / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
TEXT = "\n".join(page.read_text() for page in PAGES)
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


ROOT = typer.main.get_command(app)
COMMANDS = [(" ".join(path), cmd) for path, cmd in _commands() if path]


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_command_is_documented(name, command):
    assert f"regwatch {name}" in TEXT, f"docs/ does not mention `regwatch {name}`"


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_option_is_documented(name, command):
    for param in command.params:
        for opt in getattr(param, "opts", []):
            if opt.startswith("--") and opt != "--help":
                assert re.search(rf"`[^`]*{re.escape(opt)}\b", TEXT), (
                    f"docs/ does not document {opt} of `regwatch {name}`"
                )


def test_global_options_are_documented():
    for param in ROOT.params:
        for opt in param.opts:
            if opt.startswith("--") and opt != "--help":
                assert re.search(rf"`[^`]*{re.escape(opt)}\b", TEXT), opt


def _examples(text: str) -> list[str]:
    """Every `regwatch …` line of the shell code blocks (comments and prompts removed)."""
    lines = []
    for block in re.findall(r"```(?:sh|console)\n(.*?)```", text, flags=re.S):
        for line in block.splitlines():
            line = line.removeprefix("$ ").strip()
            line = re.sub(r"\s+#.*$", "", line)
            for part in re.split(r"\s*&&\s*", line):
                part = re.sub(r"^\S*/regwatch ", "regwatch ", part)
                if part.startswith("regwatch "):
                    lines.append(part)
    return lines


HELP_EXAMPLES = [e for examples in HELP.values() for e in examples]
EXAMPLES = sorted(set(_examples(TEXT) + _examples(README) + HELP_EXAMPLES))


def test_the_docs_have_examples():
    assert len(EXAMPLES) > 20


@pytest.mark.parametrize("example", EXAMPLES)
def test_every_example_uses_real_commands_and_options(example):
    """An example names an existing command, and only options that command (or the top level)
    takes; an example that drifted from the CLI fails here."""
    words = shlex.split(example)[1:]
    command = ROOT
    options = {opt for p in ROOT.params for opt in p.opts}
    path = []
    for word in words:
        if word.startswith("-"):
            name = word.split("=", 1)[0]
            if name in ("-h", "--help"):
                continue
            if command.context_settings.get("ignore_unknown_options"):
                continue  # `import`: each source declares its own options
            known = options | {opt for p in command.params for opt in getattr(p, "opts", [])}
            known |= {opt for p in command.params for opt in getattr(p, "secondary_opts", [])}
            assert name in known, f"`{example}`: {name} is not an option of {' '.join(path)}"
        elif hasattr(command, "commands") and word in command.commands:
            command = command.commands[word]
            path.append(word)
    assert path or words[:1] in (["--help"], ["--version"]), f"`{example}` names no command"


def test_configuration_reference_is_current():
    page = (DOCS / "configuration.md").read_text()
    assert config_reference() in page, (
        "the configuration reference in docs/configuration.md is stale: "
        "run `python -m regwatch._docs --write docs/configuration.md`"
    )


def test_example_sources_file_is_valid():
    config = load_config(str(REPO / "sources.yaml"))
    assert config.sources["federal_register"].enabled


def test_readme_shows_the_two_commands():
    ci = (REPO / ".ci" / "run").read_text()
    test_command = next(line for line in ci.splitlines() if "pytest" in line)
    assert test_command.endswith(" -m pytest -q")
    assert test_command in README
    assert "regwatch run --once" in README


def test_readme_is_a_front_page():
    assert len(README.splitlines()) <= 170
    for page in re.findall(r"\]\((docs/[^)#]+)", README):
        assert (REPO / page).is_file(), f"README links to {page}, which does not exist"


def test_the_project_speaks_of_itself_alone():
    """No reference to notes that are not in the repository."""
    forbidden = re.compile(r"DESIGN\.md|design card|research notes|\.\./shared|shared/research")
    files = [REPO / "README.md", REPO / "sources.yaml", *PAGES]
    files += [p for p in (REPO / "src").rglob("*") if p.suffix in (".py", ".md", ".yaml", ".txt")]
    found = [f"{p.relative_to(REPO)}: {m.group()}" for p in files for m in forbidden.finditer(
        p.read_text(errors="replace"))]  # fmt: skip
    assert not found, found


def _mkdocs(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=project,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
        check=False,
    )


def test_the_site_builds_with_warnings_as_errors(tmp_path):
    result = _mkdocs(REPO, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    for page in PAGES:
        rel = page.relative_to(DOCS).with_suffix("")
        html = "index.html" if rel.name == "index" else f"{rel.name}/index.html"
        assert (tmp_path / "site" / rel.parent / html).is_file(), page


def test_a_new_page_is_in_the_navigation_and_a_broken_link_fails(tmp_path):
    """Pages others add under docs/ need no nav entry; a link to a missing page fails the build."""
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(REPO / "mkdocs.yml", project / "mkdocs.yml")
    shutil.copytree(DOCS, project / "docs")
    (project / "docs" / "sources" / "zz-new.md").write_text("# A new source page\n\nText.\n")
    (project / "docs" / "zz-other.md").write_text("# Another page\n\nText.\n")
    result = _mkdocs(project, tmp_path / "site")
    assert result.returncode == 0, result.stderr
    home = (tmp_path / "site" / "index.html").read_text()
    assert "A new source page" in home and "Another page" in home  # both in the navigation

    (project / "docs" / "zz-other.md").write_text("# Another page\n\n[gone](missing.md)\n")
    result = _mkdocs(project, tmp_path / "site2")
    assert result.returncode != 0
    assert "missing.md" in result.stderr


#: commands whose examples run against a small database (the others need the network, a mail
#: server or write to the watch lists)
_RUNNABLE = ("events", "show", "entity", "matches", "screen", "watch list", "sources", "config",
             "deliveries", "digest preview", "healthcheck")  # fmt: skip


def _runnable(example: str) -> bool:
    words = shlex.split(example)[1:]
    if any(w in (">", "|", "<") for w in words) or "--file" in words or "--install" in example:
        return False
    path = " ".join(w for w in words[:2] if not w.startswith("-"))
    return any(path == name or path.split(" ")[0] == name for name in _RUNNABLE) and not (
        path.startswith("matches ") and path != "matches"
    )


RUNNABLE_EXAMPLES = [e for e in EXAMPLES if _runnable(e)]


@pytest.fixture
def sample_world(cli):
    samples = Path(__file__).resolve().parent.parent / "src" / "regwatch" / "samples"
    for args in (
        ("init",),
        ("import", "federal_register", samples / "federal_register" / "documents.json"),
        ("import", "csl", samples / "csl" / "consolidated-1.json"),
        ("watch", "import", samples / "watchlist.yaml"),
    ):
        assert cli(*args).code == 0, args
    return cli


def test_some_examples_run():
    assert len(RUNNABLE_EXAMPLES) >= 25


@pytest.mark.parametrize("example", RUNNABLE_EXAMPLES)
def test_the_read_only_examples_run(sample_world, example):
    """Each example of the docs and of the commands' help runs against the shipped samples
    without a usage error: exit 0, or 1 where the example asks for something the samples do
    not have (an event id, a party, a list)."""
    result = sample_world(*shlex.split(example)[1:])
    assert result.code in (0, 1), (example, result)
    assert "Traceback" not in result.stderr
    if result.code == 1:
        assert result.stderr.strip(), (example, "exit 1 without saying why")
