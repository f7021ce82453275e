"""One turn of the chat: the text (Markdown for answers), where it was produced, sources, actions."""

from __future__ import annotations

import html
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import QEvent, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QCursor, QDesktopServices, QGuiApplication, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QTextBrowser, QToolTip, QVBoxLayout, QWidget

from desktop_app.core.records import DOCUMENT_SEARCH, Citation, ClaimCheck
from desktop_app.gui.chat import claim_marks
from desktop_app.gui.common.accessibility import describe
from desktop_app.gui.chat.markdown_render import plain_to_html, render_markdown
from desktop_app.rag.claim_notes import unsupported_note

STATUS_LABELS = {"stopped": "Stopped", "error": "Not finished: an error occurred", "streaming": "Writing…"}


class MessageBodyView(QTextBrowser):
    """A read-only rich-text view as tall as its content (the chat area scrolls, not each message)."""

    linkToolTipRequested = Signal(QUrl)  # Qt's tooltip moment over a link: the message shows its passage

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextBrowserInteraction | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        # Tab moves on to the next control instead of being typed: keyboard users must not get stuck.
        self.setTabChangesFocus(True)
        # Transparent so the message frame's colour shows (no per-widget style sheet: each one
        # costs a style sheet parse and polish for every message).
        self.viewport().setAutoFillBackground(False)
        self.document().setDocumentMargin(2)
        self.document().contentsChanged.connect(self._fit_height)

    def _fit_height(self) -> None:
        doc = self.document()
        doc.setTextWidth(max(50, self.viewport().width()))
        height = int(doc.size().height()) + 2 * self.frameWidth() + 2
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt API)
        super().resizeEvent(event)
        self._fit_height()

    def viewportEvent(self, event) -> bool:  # noqa: N802 (Qt API)
        # Qt asks for a tooltip a moment after the mouse rests. Unhandled here, the request went
        # up to the chat view, whose own tooltip then replaced the citation's passage after 1-3 s.
        # Over a link the message answers it; elsewhere there is no tooltip (and none from above).
        if event.type() == QEvent.Type.ToolTip:
            anchor = self.anchorAt(event.pos())
            if anchor:
                self.linkToolTipRequested.emit(QUrl(anchor))
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(400, self.height())


class MessageWidget(QFrame):
    """A question or an answer; answers render Markdown and show route, reason, notices, sources."""

    citationClicked = Signal(object)  # Citation
    withoutDocumentsRequested = Signal()  # "not for this question": answer it again without documents

    def __init__(self, role: str, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.role = role
        self._text = text
        self._citations: list[Citation] = []
        self._claims: ClaimCheck | None = None  # the answer's figures checked against its sources
        self.status = "complete"
        self.setObjectName("userMessage" if role == "user" else "assistantMessage")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        # Reached with the arrow keys inside the chat view, not with Tab (the view is one Tab
        # stop); its parts take the focus on click or through keyboard_stops().
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.setAccessibleName("Your question" if role == "user" else "Answer")

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 8)
        layout.setSpacing(4)
        head = QHBoxLayout()
        self.author = QLabel("You" if role == "user" else "Assistant")
        self.author.setObjectName("messageAuthor")
        font = self.author.font()
        font.setBold(True)
        self.author.setFont(font)
        head.addWidget(self.author)
        self.route_label = QLabel()
        self.route_label.setObjectName("routeLabel")
        self.route_label.setVisible(False)
        head.addWidget(self.route_label)
        head.addStretch(1)
        self.status_label = QLabel()
        self.status_label.setObjectName("statusLabel")
        self.status_label.setVisible(False)
        head.addWidget(self.status_label)
        layout.addLayout(head)

        # "Check: '14-18' is not found in the sources.": at the top, so it is read before the answer.
        self.claims_note = _small_label(self)
        self.claims_note.setObjectName("claimsNote")
        describe(self.claims_note, "Check of the answer", "Figures in this answer that the sources do not state.",
                 tooltip=False)
        layout.addWidget(self.claims_note)

        self.body = MessageBodyView(self)
        describe(
            self.body,
            "Your question" if role == "user" else "Answer",
            "The text of this message; links and citations can be opened with Enter.",
            tooltip=False,  # a description, not a tooltip: hovering a citation shows its passage
        )
        self.body.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # click to select text; not a Tab stop
        self.body.anchorClicked.connect(self._on_link)
        self.body.highlighted.connect(self._on_hover)  # hovering [n] shows the quoted passage
        self.body.linkToolTipRequested.connect(self._on_hover)
        layout.addWidget(self.body)

        self.reason_label = _small_label(self)
        self.notices_label = _small_label(self)
        self.sources_label = _small_label(self)
        self.sources_label.setTextFormat(Qt.TextFormat.RichText)
        self.sources_label.setOpenExternalLinks(False)
        self.sources_label.setTextInteractionFlags(
            Qt.TextInteractionFlag.LinksAccessibleByMouse | Qt.TextInteractionFlag.LinksAccessibleByKeyboard
        )
        describe(self.sources_label, "Sources", "Numbered sources of this answer; activate one to see the passage.", tooltip=False)
        self.sources_label.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # reached through keyboard_stops()
        self.sources_label.linkActivated.connect(lambda url: self._on_link(QUrl(url)))
        self.sources_label.linkHovered.connect(lambda url: self._on_hover(QUrl(url)))
        for label in (self.reason_label, self.notices_label, self.sources_label):
            layout.addWidget(label)

        self.copy_button = None
        self.without_documents_button = None
        self._is_last = False
        self._from_document_search = False
        if role == "assistant":
            actions = QHBoxLayout()
            actions.addStretch(1)
            # Shown on the last answer when it used documents, or found nothing in them: the user can
            # say "not for this question".
            self.without_documents_button = QPushButton("Answer without documents")
            self.without_documents_button.setObjectName("withoutDocumentsButton")
            self.without_documents_button.setFlat(True)
            describe(self.without_documents_button, "Answer without documents",
                     "Answer this question again without searching your documents.")
            self.without_documents_button.clicked.connect(self.withoutDocumentsRequested)
            self.without_documents_button.setVisible(False)
            actions.addWidget(self.without_documents_button)
            self.copy_button = QPushButton("Copy")
            self.copy_button.setObjectName("copyButton")
            self.copy_button.setFlat(True)
            describe(self.copy_button, "Copy answer", "Copy this answer's text to the clipboard.")
            self.copy_button.clicked.connect(self.copy_to_clipboard)
            actions.addWidget(self.copy_button)
            for button in (self.without_documents_button, self.copy_button):
                button.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # reached through keyboard_stops()
            layout.addLayout(actions)
        self.set_text(text)

    # ---------------------------------------------------------------- content

    def text(self) -> str:
        return self._text

    def set_text(self, text: str) -> None:
        self._text = text
        if self.role == "user":
            self.body.setHtml(plain_to_html(text))
            return
        # The application's palette: the window restyles every message from it after a theme switch.
        code_bg = QGuiApplication.palette().color(QPalette.ColorRole.AlternateBase).name()
        style = f"background-color:{code_bg}; font-family:monospace; padding:6px;"
        shown = text if text else ("…" if self.status == "streaming" else "")
        claims = self._claims.claims if self._claims is not None and text else ()
        if claims:  # invisible markers around each claim survive the Markdown, then become links
            shown = claim_marks.insert_markers(shown, claims)
        rendered = render_markdown(shown, [c.number for c in self._citations], style)
        if claims:
            palette = QGuiApplication.palette()
            rendered = claim_marks.markers_to_links(rendered, claims, palette.color(QPalette.ColorRole.Text).name(),
                                                    _warn_color(palette).name())
        self.body.setHtml(rendered.replace("<code>", "<code style=\"font-family:monospace\">"))
        if claims:
            palette = QGuiApplication.palette()
            claim_marks.style_document(self.body.document(), claims, _warn_color(palette),
                                       palette.color(QPalette.ColorRole.PlaceholderText))

    def set_route(self, route: str, model: str, reason: str = "") -> None:
        where = "Cloud" if route == "cloud" else "On this device"
        self.route_label.setText(f"{where} · {model}" if model else where)
        self._from_document_search = model == DOCUMENT_SEARCH  # "not in the documents": offer the model
        self._update_without_documents()
        self.route_label.setVisible(True)
        self.route_label.setAccessibleName(f"Produced: {self.route_label.text()}")
        self.reason_label.setText(reason)
        self.reason_label.setVisible(bool(reason))

    def add_notice(self, text: str) -> None:
        current = self.notices_label.text()
        self.notices_label.setText(f"{current}\n{text}" if current else text)
        self.notices_label.setVisible(True)

    def set_notices(self, notices: list[str]) -> None:
        self.notices_label.setText("\n".join(notices))
        self.notices_label.setVisible(bool(notices))

    def set_citations(self, citations: list[Citation]) -> None:
        self._citations = list(citations)
        if citations:
            # "[2]" stays with its file name and "page" with its number (non-breaking spaces);
            # the list wraps only between sources.
            # The link colour is written into the HTML: a label keeps the palette it rendered
            # with, so after a theme switch the links were dark blue on the dark theme.
            color = QGuiApplication.palette().color(QPalette.ColorRole.Link).name()
            links = " &nbsp; ".join(
                f'<a href="cite:{c.number}" style="color:{color}">[{c.number}]</a>&nbsp;{html.escape(Path(c.source).name)},'
                f'&nbsp;{html.escape(_place(c)).replace(" ", "&nbsp;")}'
                for c in citations
            )
            self.sources_label.setText(f"Sources: {links}")
        self.sources_label.setVisible(bool(citations))
        self.set_text(self._text)
        self._update_without_documents()

    def citations(self) -> list[Citation]:
        return list(self._citations)

    def set_claims(self, check: ClaimCheck | None) -> None:
        """Mark the answer's checked figures and names; a key figure not in the sources gets a note on top."""
        self._claims = check
        note = unsupported_note(check)
        self.claims_note.setText(note)
        self.claims_note.setVisible(bool(note))
        self.set_text(self._text)

    def claims(self) -> ClaimCheck | None:
        return self._claims

    def set_status(self, status: str) -> None:
        self.status = status
        label = STATUS_LABELS.get(status, "")
        self.status_label.setText(label)
        self.status_label.setVisible(bool(label))
        if status == "streaming" and not self._text:
            self.set_text("")
        self._update_without_documents()

    def set_is_last(self, last: bool) -> None:
        """Only the last answer can be asked again (the chat view says which one it is)."""
        self._is_last = last
        self._update_without_documents()

    def _update_without_documents(self) -> None:
        if self.without_documents_button is not None:
            self.without_documents_button.setVisible(
                self._is_last and (bool(self._citations) or self._from_document_search) and self.status != "streaming")

    def keyboard_stops(self) -> list[QWidget]:
        """What Tab visits in this message, in order: the message, its sources, its buttons."""
        parts = [self.sources_label, self.without_documents_button, self.copy_button]
        return [self, *(w for w in parts if w is not None and w.isVisibleTo(self))]

    # ---------------------------------------------------------------- actions

    def copy_to_clipboard(self) -> None:
        QGuiApplication.clipboard().setText(self._text)

    def citation_for(self, url: QUrl) -> Citation | None:
        """The citation a ``cite:N`` link points at, if any."""
        if url.scheme() != "cite":
            return None
        try:
            number = int(url.path() or url.toString().split(":", 1)[1])
        except ValueError:
            return None
        return next((c for c in self._citations if c.number == number), None)

    def _claim_evidence(self, url: QUrl):
        """(the claim a ``claim:i`` link points at, its citation with the span highlighted or None)."""
        claim = claim_marks.claim_at(url.toString(), self._claims.claims if self._claims else ())
        if claim is None or not (claim.supported or claim.reason):  # a figure found nowhere has no passage
            return claim, None
        citation = next((c for c in self._citations if c.number == claim.source), None)
        if citation is None or claim.source_start is None or claim.source_end is None:
            return claim, None
        return claim, replace(citation, highlight=(claim.source_start, claim.source_end))

    def _on_hover(self, url: QUrl) -> None:
        if url.scheme() == claim_marks.CLAIM_SCHEME:
            claim, evidence = self._claim_evidence(url)
            if claim is not None:
                from desktop_app.gui.chat.citation_popup import citation_tooltip_html

                text = html.escape(claim_marks.tooltip_text(claim))
                if evidence is not None:  # supported: its passage; flagged with a reason: where it was found
                    text = citation_tooltip_html(evidence) if claim.supported else f"{text}<br>{citation_tooltip_html(evidence)}"
                QToolTip.showText(QCursor.pos(), text, self)
                return
        citation = self.citation_for(url)
        if citation is None:
            QToolTip.hideText()
            return
        from desktop_app.gui.chat.citation_popup import citation_tooltip_html

        QToolTip.showText(QCursor.pos(), citation_tooltip_html(citation), self)

    def _on_link(self, url: QUrl) -> None:
        if url.scheme() == claim_marks.CLAIM_SCHEME:
            _, evidence = self._claim_evidence(url)
            if evidence is not None:  # the passage, the figure (or the asked field's figure) highlighted
                self.citationClicked.emit(evidence)
        elif url.scheme() == "cite":
            citation = self.citation_for(url)
            if citation is not None:
                self.citationClicked.emit(citation)
        elif url.scheme() in ("http", "https", "mailto"):
            QDesktopServices.openUrl(url)


def _place(citation: Citation) -> str:
    """ "page 7", or the citation's own unit ("slide 3") where the record has one."""
    return getattr(citation, "unit", "") or f"page {citation.page}"


def _warn_color(palette: QPalette) -> QColor:
    """The colour of figures the sources do not state: red, lighter on a dark background."""
    dark = palette.color(QPalette.ColorRole.Base).lightness() < 128
    return QColor("#ff8a80" if dark else "#b3261e")


def _small_label(parent: QWidget) -> QLabel:
    label = QLabel(parent)
    label.setWordWrap(True)
    label.setObjectName("metaLabel")
    label.setVisible(False)
    return label
