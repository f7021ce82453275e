"""Library and LibraryProcess keep the one API the front-ends rely on (services.library_api)."""

from __future__ import annotations

import inspect

import pytest

from desktop_app.services.library import Library
from desktop_app.services.library_api import DocumentLibrary
from desktop_app.services.library_process import LibraryProcess

MEMBERS = sorted(name for name, value in vars(DocumentLibrary).items()
                 if not name.startswith("_") and callable(value))


def shape(function) -> list[tuple[str, object, object]]:
    """Parameter names, kinds and defaults (annotations are strings that may be spelled apart)."""
    return [(p.name, p.kind, p.default) for p in inspect.signature(function).parameters.values()]


def test_the_protocol_lists_the_whole_api():
    assert "index" in MEMBERS and "watch" in MEMBERS and "close" in MEMBERS and len(MEMBERS) == 17


@pytest.mark.parametrize("implementation", [Library, LibraryProcess], ids=lambda c: c.__name__)
@pytest.mark.parametrize("name", MEMBERS)
def test_both_libraries_keep_each_methods_signature(implementation, name):
    assert callable(getattr(implementation, name, None)), f"{implementation.__name__} lacks {name}()"
    assert shape(getattr(implementation, name)) == shape(getattr(DocumentLibrary, name))

