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
        offenders = {path: names - allowed for path, names in modules.items() if names - allowed}
        assert offenders == {}

    @pytest.mark.parametrize("forbidden", ["app", "fastapi", "starlette"])
    def test_proposals_never_imports_the_web_layer(self, forbidden: str) -> None:
        modules = imported_top_levels("proposals")
        assert modules
        assert [path for path, names in modules.items() if forbidden in names] == []

    def test_the_check_sees_imports(self) -> None:
        # Guard against a check that cannot fail: it does see app's own imports of fastapi.
        assert any("fastapi" in names for names in imported_top_levels("app").values())
