"""Import boundaries, checked by walking each module's imports with ast."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "tracehound"
STDLIB = set(sys.stdlib_module_names)


def modules(folder: str) -> list[Path]:
    return sorted((PKG / folder).rglob("*.py"))


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def rel(path: Path) -> str:
    return str(path.relative_to(PKG.parent))


@pytest.mark.parametrize("path", modules("grouping") + modules("model"), ids=rel)
def test_grouping_and_model_are_pure(path: Path) -> None:
    allowed_pkgs = ("tracehound.model", "tracehound.grouping")
    for name in imports_of(path):
        top = name.split(".")[0]
        if top in STDLIB or top == "__future__" or name.startswith(allowed_pkgs):
            continue
        if top == "msgspec" and "/model/" in str(path):
            continue  # the model's struct library, no IO
        pytest.fail(f"{rel(path)} imports {name}: grouping/ and model/ must stay pure")


WEB = ("fastapi", "starlette", "uvicorn", "httpx")


@pytest.mark.parametrize("folder", ["ingest", "grouping", "store", "model", "query"])
def test_core_imports_no_web_framework_or_adapter(folder: str) -> None:
    for path in modules(folder):
        for name in imports_of(path):
            assert not name.startswith(WEB), f"{rel(path)} imports {name}"
            assert not name.startswith("tracehound.protocols"), f"{rel(path)} imports {name}"


def test_protocols_never_import_each_other() -> None:
    vendors = [p.name for p in (PKG / "protocols").iterdir()
               if p.is_dir() and not p.name.startswith("_")]
    for vendor in vendors:
        for path in (PKG / "protocols" / vendor).rglob("*.py"):
            for name in imports_of(path):
                for other in vendors:
                    if other != vendor:
                        assert not name.startswith(f"tracehound.protocols.{other}"), \
                            f"{rel(path)} imports {name}"


def test_adapters_reach_data_only_through_store() -> None:
    for path in (PKG / "protocols").rglob("*.py"):
        for name in imports_of(path):
            assert name != "tracehound.store.tables", f"{rel(path)} uses tables directly"
            assert not name.startswith("sqlalchemy"), f"{rel(path)} builds SQL itself"


def test_web_reaches_data_only_through_store_and_query() -> None:
    """web/ renders what store/ and query/ return: no adapter, no SQL of its own."""
    for path in modules("web"):
        for name in imports_of(path):
            assert not name.startswith("tracehound.protocols"), f"{rel(path)} imports {name}"
            assert name != "tracehound.store.tables", f"{rel(path)} uses tables directly"
            assert not name.startswith("sqlalchemy"), f"{rel(path)} builds SQL itself"


def test_importing_the_package_has_no_side_effects(tmp_path: Path) -> None:
    """No thread, no engine, no data directory just because something was imported."""
    import os
    import subprocess

    code = ("import threading, tracehound, tracehound.app, tracehound.cli; "
            "print(threading.active_count())")
    env = {**os.environ, "HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, cwd=str(tmp_path), env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "1"
    assert out.stderr == ""
    assert list(tmp_path.iterdir()) == []


def test_folders_with_rules_have_a_readme() -> None:
    for folder in ("grouping", "model", "protocols", "ingest", "store", "query", "web"):
        assert (PKG / folder / "README.md").exists(), folder
