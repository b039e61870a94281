"""tools/*.py are command lines over the package: no ``sys.path`` edits,
no imports of one another, and they run from any directory."""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TOOLS = sorted((REPO / 'tools').glob('*.py'))


def imported_modules(path: Path) -> set:
    tree = ast.parse(path.read_text())
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {a.name.split('.')[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module.split('.')[0])
    return names


@pytest.mark.parametrize('path', TOOLS, ids=lambda p: p.name)
def test_no_sys_path_edits_and_no_imports_between_tools(path):
    assert 'sys.path' not in path.read_text()
    assert not imported_modules(path) & {p.stem for p in TOOLS}


@pytest.mark.parametrize('tool', ['benchmark.py', 'demo_clip.py'])
def test_tool_help_from_another_directory(tool, tmp_path):
    proc = subprocess.run([sys.executable, str(REPO / 'tools' / tool),
                           '--help'], cwd=tmp_path, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'usage:' in proc.stdout
