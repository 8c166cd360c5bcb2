"""The dependency direction app -> proposals -> delegation holds without anyone remembering it."""

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_top_levels(package: str) -> dict[str, set[str]]:
    """For each module file of ``package``, the top-level names it imports."""
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / package).rglob("*.py")):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[str(path.relative_to(ROOT))] = names
    return found


class TestDependencyDirection:
    def test_delegation_imports_only_stdlib_and_networkx(self) -> None:
        allowed = set(sys.stdlib_module_names) | {"networkx", "delegation"}
        modules = imported_top_levels("delegation")
        assert modules, "delegation/ has no modules"
        # Issue 13: the array resolver alone also uses numpy (see the next test).
        assert "numpy" in modules.pop("delegation/arrays.py")
        offenders = {path: names - allowed for path, names in modules.items() if names - allowed}
        assert offenders == {}

    def test_the_package_does_not_import_the_array_resolver(self) -> None:
        # ``import delegation`` (the record verifier's engine) needs no numpy.
        package = (ROOT / "delegation" / "__init__.py").read_text()
        assert "import" in package and "arrays" not in package

    @pytest.mark.parametrize("forbidden", ["app", "fastapi", "starlette"])
    def test_proposals_never_imports_the_web_layer(self, forbidden: str) -> None:
        modules = imported_top_levels("proposals")
        assert modules
        assert [path for path, names in modules.items() if forbidden in names] == []

    def test_the_check_sees_imports(self) -> None:
        # Guard against a check that cannot fail: it does see app's own imports of fastapi.
        assert any("fastapi" in names for names in imported_top_levels("app").values())


_DATABASE_CALLS = frozenset({"get", "exec", "execute", "scalar", "scalars", "query"})
_QUERY_BUILDERS = frozenset({"select", "insert", "update", "delete", "text"})
_QUERY_MODULES = ("sa", "sqlalchemy", "sqlmodel")


def database_calls(source: str, filename: str = "<snippet>") -> list[str]:
    """Where ``source`` reads or writes the database itself: ``session.get``/``.exec``/... on
    anything named like a session, any ``.exec(``/``.execute(`` call, and a query built with
    ``select(``/``insert(``/``update(``/``delete(``/``text(`` (as ``file:line: call``)."""
    found: list[str] = []
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Attribute):
            owner = function.value
            owner_name = (
                owner.id
                if isinstance(owner, ast.Name)
                else owner.attr
                if isinstance(owner, ast.Attribute)
                else ""
            )
            sessionish = "session" in owner_name.lower()
            executes = function.attr in ("exec", "execute")
            on_session = sessionish and function.attr in _DATABASE_CALLS
            builds = function.attr in _QUERY_BUILDERS and owner_name in _QUERY_MODULES
            if executes or on_session or builds:
                found.append(f"{filename}:{node.lineno}: {owner_name}.{function.attr}(")
        elif isinstance(function, ast.Name) and function.id in _QUERY_BUILDERS - {"text"}:
            found.append(f"{filename}:{node.lineno}: {function.id}(")
    return found


class TestPagesReadThroughServices:
    """Issue 10: pages read through ``proposals`` services, as the API does: no database call
    and no query in ``app/web``."""

    def test_no_database_call_in_the_web_client(self) -> None:
        paths = sorted((ROOT / "app" / "web").rglob("*.py"))
        assert paths, "app/web has no modules"
        offenders = [
            call
            for path in paths
            for call in database_calls(path.read_text(), str(path.relative_to(ROOT)))
        ]
        assert offenders == []

    @pytest.mark.parametrize(
        "snippet",
        [
            "policy = session.get(Policy, 1)",
            "rows = page.session.exec(statement)",
            "rows = self.session.execute(statement)",
            "rows = db.exec(x)",
            "ids = list(s.exec(select(Issue.id)))",
            "statement = select(Draft).where(Draft.id == 1)",
            "statement = sa.select(Draft)",
            "value = page.session.scalar(statement)",
        ],
    )
    def test_the_check_sees_database_calls(self, snippet: str) -> None:
        # Guard against a check that cannot fail: each of these is found.
        assert database_calls(snippet) != []

    @pytest.mark.parametrize(
        "snippet",
        [
            "issue = issues.get_issue(page.session, 1)",
            "value = form.get('name')",
            "names = members.names_of(session, ids)",
        ],
    )
    def test_service_calls_pass(self, snippet: str) -> None:
        assert database_calls(snippet) == []


class TestOfflineVerifier:
    """Issue 12, item 3: ``liquidpolicy verify`` recomputes a record with ``delegation/`` alone."""

    def test_imports_only_stdlib_delegation_and_the_canonical_encoder(self) -> None:
        allowed = set(sys.stdlib_module_names) | {"delegation"}
        source = (ROOT / "proposals" / "verify.py").read_text()
        modules: set[str] = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules.add(node.module)
        assert "proposals.canonical" in modules
        assert {
            m for m in modules - {"proposals.canonical"} if m.split(".")[0] not in allowed
        } == set()
        canonical = (ROOT / "proposals" / "canonical.py").read_text()
        assert imported_names(canonical) <= set(sys.stdlib_module_names)

    def test_runs_without_the_database_layer(self) -> None:
        import subprocess

        blocked = ["sqlalchemy", "sqlmodel", "fastapi", "starlette", "app"]
        code = (
            f"import sys\nsys.modules.update(dict.fromkeys({blocked!r}))\nimport proposals.verify\n"
        )
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True)
        assert done.returncode == 0, done.stderr.decode()


class TestVoteExplanation:
    """Issue 12, item 2: the answer comes from a record alone, as :mod:`proposals.verify`."""

    def test_imports_only_stdlib_delegation_and_the_verifier(self) -> None:
        source = (ROOT / "proposals" / "vote_explanation.py").read_text()
        allowed = set(sys.stdlib_module_names) | {"delegation"}
        modules: set[str] = set()
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.Import):
                modules.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module:
                modules.add(node.module)
        assert "proposals.verify" in modules
        assert {
            m for m in modules - {"proposals.verify"} if m.split(".")[0] not in allowed
        } == set()

    def test_runs_without_the_database_layer(self) -> None:
        import subprocess

        blocked = ["sqlalchemy", "sqlmodel", "fastapi", "starlette", "app"]
        code = (
            f"import sys\nsys.modules.update(dict.fromkeys({blocked!r}))\n"
            "import proposals.vote_explanation\n"
        )
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True)
        assert done.returncode == 0, done.stderr.decode()


def imported_names(source: str) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
    return names
