"""Chroma picks its implementations by dotted name at run time and ships SQL migrations as data."""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules, copy_metadata


def _wanted(name: str) -> bool:
    # Tests and the server are not part of a desktop client.
    return ".test" not in name and not name.startswith(("chromadb.server", "chromadb.cli"))


hiddenimports = collect_submodules("chromadb", filter=_wanted) + ["chromadb_rust_bindings"]
datas = collect_data_files("chromadb", excludes=["**/test/**", "**/.gitignore"]) + copy_metadata("chromadb")
