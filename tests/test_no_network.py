"""HMIP Desktop makes no network connections (docs/security.md): no module imports a network client."""

from __future__ import annotations

import ast
from pathlib import Path

import hmip_desktop

PACKAGE = Path(hmip_desktop.__file__).parent
NETWORK_MODULES = {
    "aiohttp",
    "ftplib",
    "http",
    "httpx",
    "imaplib",
    "poplib",
    "requests",
    "smtplib",
    "socketserver",
    "ssl",
    "telnetlib",
    "urllib",
    "urllib3",
    "webbrowser",
    "xmlrpc",
    "PySide6.QtNetwork",
    "PySide6.QtWebEngineCore",
}
#: socket is allowed for the host name (edit lock) and a local socketpair (signal wake-up), nothing else.
SOCKET_CALLS_ALLOWED = {"gethostname", "socketpair", "socket"}


def imported_modules(tree: ast.AST) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def is_network(module: str) -> bool:
    return any(module == banned or module.startswith(banned + ".") for banned in NETWORK_MODULES)


def test_no_module_imports_a_network_client() -> None:
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        offenders += [f"{path.relative_to(PACKAGE)}: {m}" for m in sorted(imported_modules(tree)) if is_network(m)]
        socket_uses = {
            node.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "socket"
        }
        offenders += [
            f"{path.relative_to(PACKAGE)}: socket.{use}" for use in sorted(socket_uses - SOCKET_CALLS_ALLOWED)
        ]
    assert offenders == []


def test_the_check_sees_a_network_import() -> None:
    tree = ast.parse("import urllib.request\nfrom http.client import HTTPSConnection\nfrom PySide6 import QtCore\n")
    assert sorted(m for m in imported_modules(tree) if is_network(m)) == [
        "http.client",
        "http.client.HTTPSConnection",
        "urllib.request",
    ]
