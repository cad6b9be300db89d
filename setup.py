"""The package list for setuptools (everything else is in pyproject.toml).

Every package under hmip_desktop/, plus the repository's top-level resources/ folder and its
sub-folders, which pyproject.toml's package-dir maps into the package as hmip_desktop.resources
(so the instrument, fonts and texts ship inside it; hmip_desktop/model/assets.py reads them).
Found here rather than listed by hand, so a new package or resource folder needs no edit;
MANIFEST.in takes every file under resources/. tests/test_install.py checks the wheel holds them.
"""

from setuptools import find_namespace_packages, find_packages, setup

setup(
    packages=[
        *find_packages(include=["hmip_desktop", "hmip_desktop.*"]),
        *(f"hmip_desktop.{name}" for name in find_namespace_packages(include=["resources", "resources.*"])),
    ]
)
