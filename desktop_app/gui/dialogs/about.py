"""About dialog: version, model, machine policy, and every licence notice the app redistributes."""

from __future__ import annotations

import html
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
)

from desktop_app import PRODUCT_NAME, __version__
from desktop_app.app_core import Core
from desktop_app.licenses import Notice, bundled_notices_dir, read_notice_text, shipped_notices

KIND_TITLES = {
    "model": "Models",
    "qt": "Qt (LGPL-3.0)",
    "python": "Python libraries",
}

QT_SUMMARY = (
    "<p><b>Qt and Qt for Python (PySide6)</b> are used under the GNU Lesser General Public License "
    "version 3. Their libraries are separate files in the installation folder, so you may replace them "
    "with your own build of the same version (relinking, as the LGPL allows); the full notice, the "
    "licence texts and where to get the sources are listed under “Qt (LGPL-3.0)”.</p>"
)


def model_label(core: Core) -> str:
    """The model in use, without loading it (the dialog must open instantly): the loaded
    model's own name, else the chosen file, else the bundled model this machine would use."""
    backend = core.loaded_backend()
    if backend is not None and getattr(backend, "model_name", ""):
        general = core.loaded_general_backend()
        if general is not None and getattr(general, "model_name", "") not in ("", backend.model_name):
            return f"{backend.model_name} for documents; {general.model_name} for other questions"
        return str(backend.model_name)
    path = core.settings.llm.model_path
    return Path(path).name if path else bundled_model_label()


def bundled_model_label() -> str:
    """"Qwen2.5 Coder 0.5B Instruct, Q4_K_M (bundled)" — from the model record, never hard-coded here."""
    from desktop_app.llm.bundled import DEFAULT_MODEL

    return f"{DEFAULT_MODEL.name}, Q4_K_M (bundled)"


class AboutDialog(QDialog):
    """Product, version and model on top; the licence notices as a browsable list below."""

    def __init__(self, core: Core, parent=None, pool=None) -> None:
        super().__init__(parent)
        self.core = core
        self.setWindowTitle(f"About {PRODUCT_NAME}")
        self.setObjectName("aboutDialog")
        self.resize(760, 560)
        self.notices: list[Notice] = []

        header = QLabel(self._header_html())
        header.setObjectName("aboutHeader")
        header.setTextFormat(Qt.TextFormat.RichText)
        header.setWordWrap(True)
        header.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)

        self.tree = QTreeWidget()
        self.tree.setObjectName("licenceList")
        self.tree.setHeaderLabels(["Component", "Version", "Licence"])
        self.tree.setAccessibleName("Licences of the shipped components")
        self.text = QTextBrowser()
        self.text.setObjectName("licenceText")
        self.text.setAccessibleName("Licence text")
        self.text.setOpenExternalLinks(True)
        self.tree.currentItemChanged.connect(self._show_notice)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tree)
        splitter.addWidget(self.text)
        splitter.setSizes([220, 280])

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        folder = bundled_notices_dir()
        if folder is not None:
            open_folder = QPushButton("Open licences folder")
            open_folder.clicked.connect(lambda: QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))))
            buttons.addButton(open_folder, QDialogButtonBox.ButtonRole.ActionRole)

        layout = QVBoxLayout(self)
        layout.addWidget(header)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)
        self.text.setHtml(QT_SUMMARY + "<p>Select a component to read its licence.</p>")
        if pool is None:
            self.set_notices(shipped_notices())
        else:
            # Gathering reads every installed distribution's metadata (about half a second from
            # a source checkout): a worker does it, the list fills in when it is ready.
            self.tree.addTopLevelItem(QTreeWidgetItem(["Reading the licence notices…"]))
            pool.run(shipped_notices, pass_cancel=False, on_returned=self.set_notices, on_errored=self.show_failure)

    @property
    def loaded(self) -> bool:
        return bool(self.notices)

    def set_notices(self, notices: list[Notice]) -> None:
        self.notices = list(notices)
        self.tree.clear()
        self._fill_tree()

    def show_failure(self, error) -> None:
        """Gathering failed (already logged by the worker): say so where the list would be."""
        self.tree.clear()
        self.tree.addTopLevelItem(QTreeWidgetItem(["The licence notices could not be read."]))
        self.text.setHtml(QT_SUMMARY + f"<p>{html.escape(str(error))}</p>"
                          "<p>The licence files are also in the installation folder.</p>")

    def _header_html(self) -> str:
        policy = self.core.policy
        lines = [
            f"<h2>{html.escape(PRODUCT_NAME)} {html.escape(__version__)}</h2>",
            "<p>An offline AI assistant: answers come from a small language model on this computer.</p>",
            f"<p><b>Model:</b> {html.escape(model_label(self.core))}</p>",
        ]
        if policy.values:
            lines.append(f"<p><b>Managed by your organization</b> ({html.escape(policy.source)}).</p>")
        if policy.problem:
            lines.append(f"<p><b>Policy problem:</b> {html.escape(policy.problem)} Cloud hand-off is off.</p>")
        return "".join(lines)

    def _fill_tree(self) -> None:
        groups: dict[str, QTreeWidgetItem] = {}
        for kind in ("model", "qt", "python"):
            members = [n for n in self.notices if n.kind == kind]
            if not members:
                continue
            group = QTreeWidgetItem([f"{KIND_TITLES[kind]} ({len(members)})"])
            self.tree.addTopLevelItem(group)
            groups[kind] = group
            for notice in members:
                item = QTreeWidgetItem([notice.name, notice.version, notice.license])
                item.setData(0, Qt.ItemDataRole.UserRole, notice)
                group.addChild(item)
        for kind in ("model", "qt"):
            if kind in groups:
                groups[kind].setExpanded(True)
        self.tree.resizeColumnToContents(0)

    def _show_notice(self, item: QTreeWidgetItem | None, _previous=None) -> None:
        notice = item.data(0, Qt.ItemDataRole.UserRole) if item is not None else None
        if not isinstance(notice, Notice):
            return
        self.text.setHtml(notice_html(notice))

    def select_notice(self, name: str) -> bool:
        """Show the notice of the component called ``name`` (used by tests and keyboard users)."""
        for i in range(self.tree.topLevelItemCount()):
            group = self.tree.topLevelItem(i)
            for j in range(group.childCount()):
                if group.child(j).text(0) == name:
                    self.tree.setCurrentItem(group.child(j))
                    return True
        return False


def notice_html(notice: Notice) -> str:
    """One component's notice as HTML: its licence line, then each file (HTML files as they are)."""
    parts = [
        f"<h3>{html.escape(notice.name)} {html.escape(notice.version)}</h3>",
        f"<p><b>Licence:</b> {html.escape(notice.license)}</p>",
    ]
    if notice.kind == "qt":
        parts.append(QT_SUMMARY)
    if not notice.files:
        parts.append("<p>The distribution ships no separate licence file; its licence is named above.</p>")
    for path in notice.files:
        text = read_notice_text(path)
        parts.append(f"<h4>{html.escape(path.name)}</h4>")
        if path.suffix.lower() in (".html", ".htm"):
            parts.append(text)
        else:
            parts.append(f"<pre>{html.escape(text)}</pre>")
    return "".join(parts)
