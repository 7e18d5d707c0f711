"""Data flows one way: the layers of the code base, checked on every module's imports (parsed, not run).

    core      imports nothing of ours
    ingest    core                                   (writes the store)
    chatbot   core                                   (reads the store)
    services  core, ingest, chatbot                  (the composition root)
    cli       core, ingest, chatbot, services        (the command line: parses, wires, prints)
    evals     core, ingest, chatbot, services        (measures both sides)
    app       core, chatbot, services                (only draws)

The library (``core``, ``ingest``, ``chatbot``) imports neither ``services`` nor ``cli``, not even in an
entry point: every command lives in ``cli/`` (or ``evals/__main__.py``) and hands the library its parts,
so the library has no second composition root; nor does it read the global settings (``get_settings``), it is
handed them. No function in ``chatbot``, ``ingest`` or ``app`` is longer
than 80 lines. Every import counts,
also one inside a function (a lazy import is still a dependency); imports under
``if TYPE_CHECKING:`` do not. No two of our modules may import each other, directly or round a
longer loop.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "ingest", "chatbot", "services", "cli", "evals", "app", "training", "benchmarks")
ALLOWED: dict[str, set[str]] = {
    "core": {"core"},
    "ingest": {"core", "ingest"},
    "chatbot": {"core", "chatbot"},
    "services": {"core", "ingest", "chatbot", "services"},
    "cli": {"core", "ingest", "chatbot", "services", "cli"},
    "evals": {"core", "ingest", "chatbot", "services", "evals"},
    "app": {"core", "chatbot", "services", "app"},
}
LIBRARY = ("core", "ingest", "chatbot")
ABOVE_THE_LIBRARY = ("services", "cli")  # what the library must never import


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    mods = {}
    for pkg in PACKAGES:
        for p in sorted((ROOT / pkg).rglob("*.py")):
            if "__pycache__" not in p.parts:
                mods[_module_name(p)] = p
    mods["streamlit_app"] = ROOT / "streamlit_app.py"
    return mods


MODULES = _sources()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(module: str, path: Path) -> list[tuple[str, int]]:
    """(imported module of ours, line) for every import statement outside ``if TYPE_CHECKING:``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    is_pkg = path.name == "__init__.py"
    found: list[tuple[str, int]] = []

    def ours(name: str) -> bool:
        return name.split(".")[0] in PACKAGES or name == "streamlit_app"

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            found.extend((a.name, node.lineno) for a in node.names if ours(a.name))
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative import
                anchor = module.split(".") if is_pkg else module.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            if ours(base):
                for a in node.names:  # `from pkg import submodule` depends on the submodule
                    sub = f"{base}.{a.name}"
                    found.append((sub if sub in MODULES else base, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return found


GRAPH = {m: _imports(m, p) for m, p in MODULES.items()}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_what_it_may(layer):
    bad = []
    for module, imports in GRAPH.items():
        if module.split(".")[0] != layer:
            continue
        allowed = ALLOWED[layer]
        for target, line in imports:
            if target.split(".")[0] not in allowed:
                bad.append(f"{MODULES[module].relative_to(ROOT)}:{line} imports {target}")
    assert not bad, f"{layer} may import only {sorted(allowed)}:\n" + "\n".join(bad)


def test_library_code_never_reaches_the_composition_root_or_the_command_line():
    """Only ``cli``, evals, the app and the tools take their parts from ``services``; no module of the library,
    a ``__main__`` or a ``cli*.py`` included, imports ``services`` or ``cli`` (then it would wire parts itself)."""
    bad = [
        f"{MODULES[m].relative_to(ROOT)}:{line} imports {t}"
        for m, imps in GRAPH.items()
        if m.split(".")[0] in LIBRARY
        for t, line in imps
        if t.split(".")[0] in ABOVE_THE_LIBRARY
    ]
    assert not bad, "\n".join(bad)


def test_the_library_has_no_command_line_of_its_own():
    """A ``__main__`` in the library could only run by wiring its parts itself; commands live in ``cli/``."""
    mains = [str(MODULES[m].relative_to(ROOT)) for m in MODULES if m.split(".")[0] in LIBRARY and m.rsplit(".", 1)[-1] == "__main__"]
    assert not mains, mains


def test_no_import_cycles():
    """Tarjan's strongly connected components over our modules: every component must be one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def edges(m: str) -> list[str]:
        return sorted({t for t, _ in GRAPH.get(m, []) if t in MODULES and t != m})

    def strongconnect(v: str) -> None:  # iterative enough for our depth; recursion limit is ample
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in edges(v):
            if w not in index:
                strongconnect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                cycles.append(sorted(comp))

    for m in sorted(MODULES):
        if m not in index:
            strongconnect(m)

    def where(comp: list[str]) -> str:
        links = [f"  {MODULES[a].relative_to(ROOT)}:{line} imports {b}" for a in comp for b, line in GRAPH[a] if b in comp and b != a]
        return "cycle among " + ", ".join(comp) + ":\n" + "\n".join(links)

    assert not cycles, "\n".join(where(c) for c in cycles)


def test_the_checker_sees_imports():
    """The parser finds what it must (so a passing layer test means something)."""
    assert "core.settings" in {t for t, _ in GRAPH["core.store"]}
    assert any(t == "chatbot.fusion" for t, _ in GRAPH["chatbot.retrieval"])
    assert any(t.startswith("services") for t, _ in GRAPH["cli.ingest"])  # an entry point using the root
    assert len(MODULES) > 60


# what turns text back into structure (or renders it for a terminal): the app draws typed records and
# never parses an answer's text; reasons come as ``core.contracts.Reason`` data
TEXT_HELPERS = ("chatbot.render_text", "chatbot.answer.sentences", "evals")
# the plain-text renderer's lines, which the app once cut out of the answer by these markers
TEXT_MARKERS = ("Claim check:", "Audit flags on the article passages")


def test_the_app_draws_records_and_parses_no_answer_text():
    bad = [
        f"{MODULES[m].relative_to(ROOT)}:{line} imports {t}"
        for m, imps in GRAPH.items()
        if m.split(".")[0] == "app" or m == "streamlit_app"
        for t, line in imps
        if any(t == h or t.startswith(h + ".") for h in TEXT_HELPERS)
    ]
    bad += [
        f"{MODULES[m].relative_to(ROOT)} mentions {marker!r}"
        for m in MODULES
        if m.split(".")[0] == "app" or m == "streamlit_app"
        for marker in TEXT_MARKERS
        if marker in MODULES[m].read_text(encoding="utf-8")
    ]
    assert not bad, "\n".join(bad)


def test_only_the_answer_service_and_its_renderers_know_the_answer_record():
    """The service returns an ``AnswerRecord``; the plain-text lines are written in ``chatbot.render_text`` only."""
    writers = [m for m in MODULES if m.split(".")[0] in {"chatbot", "core"} and any(k in MODULES[m].read_text(encoding="utf-8") for k in TEXT_MARKERS)]
    assert writers == ["chatbot.render_text"], writers


# a function longer than this is split into named steps (a reader follows steps, not a page of branches)
MAX_FUNCTION_LINES = 80
SHORT_FUNCTION_PACKAGES = ("chatbot", "ingest", "app")


def test_no_function_in_the_library_or_the_app_is_longer_than_80_lines():
    long = [
        f"{MODULES[m].relative_to(ROOT)}:{node.lineno} {node.name} has {node.end_lineno - node.lineno + 1} lines"
        for m in MODULES
        if m.split(".")[0] in SHORT_FUNCTION_PACKAGES
        for node in ast.walk(ast.parse(MODULES[m].read_text(encoding="utf-8")))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"split these into named steps (at most {MAX_FUNCTION_LINES} lines each):\n" + "\n".join(long)


# The library is handed its settings (or the part it needs) by the composition root; it never reads the global
# ones. Known exceptions, by module and function, each with why it stays for now (remove an entry once it is gone):
GLOBAL_SETTINGS_READERS = {
    # the process-wide torch thread count every model load applies; its callers in chatbot/audit/verifier.py and
    # chatbot/rerank.py (not ours to change here) pass no settings
    "core/embeddings.py:_settings_threads",
}


def _global_settings_reads(source: str) -> list[tuple[str, int]]:
    """(function qualname or '<module>', line) of every ``get_settings`` call or import in ``source``."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, scope: list[str]) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            scope = scope + [node.name]
        hit = isinstance(node, ast.Call) and (
            (isinstance(node.func, ast.Name) and node.func.id == "get_settings") or (isinstance(node.func, ast.Attribute) and node.func.attr == "get_settings")
        )
        hit = hit or (isinstance(node, ast.ImportFrom) and any(a.name == "get_settings" for a in node.names))
        if hit:
            found.append((".".join(scope) or "<module>", node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, scope)

    visit(ast.parse(source), [])
    return found


def test_the_library_never_reads_the_global_settings():
    """No module of ``core``, ``ingest`` or ``chatbot`` (``core/settings.py``, which defines it, aside) calls or imports
    ``get_settings``: a part built from the global settings inside the library is a second composition root, and
    what it does no longer follows the settings the caller handed in (tests, evals with their own folders)."""
    bad = []
    for m, path in MODULES.items():
        if m.split(".")[0] not in LIBRARY or m == "core.settings":
            continue
        rel = path.relative_to(ROOT).as_posix()
        reads = _global_settings_reads(path.read_text(encoding="utf-8"))
        bad += [f"{rel}:{line} in {where}" for where, line in reads if f"{rel}:{where}" not in GLOBAL_SETTINGS_READERS]
    assert not bad, "take settings (or the part) as an argument from services.build_services instead:\n" + "\n".join(bad)


def test_the_global_settings_check_sees_calls_and_imports():
    src = "from core.settings import get_settings\nclass A:\n    def f(self):\n        return settings.get_settings().x\ndef g():\n    get_settings()\n"
    assert _global_settings_reads(src) == [("<module>", 1), ("A.f", 4), ("g", 6)]
