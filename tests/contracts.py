"""An import-linter contract type of onbrand's own: no private names imported across packages.

``from pipeline.review.sweep import _alive`` in ``pipeline.render`` reaches into another package's
internals; within one package (siblings of the same parent) private names are fine. Configured in
``pyproject.toml`` under ``[tool.importlinter]`` and run by ``make lint``.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import grimp
from importlinter.application import output
from importlinter.domain import fields
from importlinter.domain.contract import Contract, ContractCheck


def _private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _package(module: str) -> str:
    return module.rsplit(".", 1)[0] if "." in module else module


class NoPrivateNamesContract(Contract):
    """Names starting with an underscore are only imported from modules of the importer's own package."""

    type_name = "no_private_names"

    containers = fields.SetField(subfield=fields.StringField())

    def check(self, graph: grimp.ImportGraph, verbose: bool) -> ContractCheck:
        containers = {str(c) for c in self.containers}  # type: ignore[attr-defined]
        violations: list[str] = []
        for module in sorted(graph.modules):
            if module.split(".")[0] not in containers:
                continue
            spec = importlib.util.find_spec(module)
            if spec is None or not spec.origin or not spec.origin.endswith(".py"):
                continue
            tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
            is_package = spec.origin.endswith("__init__.py")
            own = module if is_package else _package(module)
            for node in ast.walk(tree):
                if not isinstance(node, ast.ImportFrom) or node.level or not node.module:
                    continue
                if node.module.split(".")[0] not in containers:
                    continue
                source_package = node.module if _is_package(node.module) else _package(node.module)
                for alias in node.names:
                    private_module = any(_private(part) for part in node.module.split("."))
                    if (_private(alias.name) or private_module) and source_package != own:
                        violations.append(f"{module}:{node.lineno} imports {node.module}.{alias.name}")
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def render_broken_contract(self, check: ContractCheck) -> None:
        for line in check.metadata["violations"]:
            output.print_error(line)
        output.new_line()


def _is_package(module: str) -> bool:
    spec = importlib.util.find_spec(module)
    return bool(spec and spec.origin and spec.origin.endswith("__init__.py"))
