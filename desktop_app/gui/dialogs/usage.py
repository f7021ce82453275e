"""Tools → Usage: answers on this device vs the cloud, latency, what stayed here, cost avoided.

The ledger is read and summarised on the WorkerPool (a year of answers is thousands of rows);
the dialog appears at once with "Reading…" and fills in when the summary arrives. Charts and
a table show the same figures; Export CSV writes the stable columns of docs/USAGE.md.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktop_app.app_core import Core
from desktop_app.core.errors import AppError
from desktop_app.core.files import write_text_atomically
from desktop_app.gui.common.accessibility import describe
from desktop_app.gui.dialogs.usage_chart import Series, UsageBarChart
from desktop_app.gui.common.workers import WorkerPool
from desktop_app.services.usage_report import PeriodRow, UsageSummary
from desktop_app.gui.common.wording import plural

# (label, days back; None = everything kept)
SPANS = (("Last 30 days", 30), ("Last 90 days", 90), ("Last 12 months", 365), ("Everything kept", None))
# Table columns: header, and how to read the figure from a PeriodRow.
COLUMNS = (
    ("Period", lambda r: r.start.isoformat()),
    ("On this device", lambda r: r.device.answers),
    ("Cloud", lambda r: r.cloud.answers),
    ("Tokens in (device)", lambda r: r.device.prompt_tokens),
    ("Tokens out (device)", lambda r: r.device.completion_tokens),
    ("Tokens in (cloud)", lambda r: r.cloud.prompt_tokens),
    ("Tokens out (cloud)", lambda r: r.cloud.completion_tokens),
    ("First token, device (s)", lambda r: r.device.median_ttft_s),
    ("First token, cloud (s)", lambda r: r.cloud.median_ttft_s),
    ("Tokens/s, device", lambda r: r.device.median_tokens_per_s),
    ("Tokens/s, cloud", lambda r: r.cloud.median_tokens_per_s),
    ("Kept: on-device-only", lambda r: r.kept["on_device_only"]),
    ("Kept: you chose", lambda r: r.kept["declined"]),
    ("Kept: policy", lambda r: r.kept["policy"]),
    ("Cloud failures", lambda r: r.cloud_fallbacks),
    ("Redactions", lambda r: ", ".join(f"{n} {k}" for k, n in sorted(r.redactions.items())) or "0"),
    ("Cost avoided ($, est.)", lambda r: r.cost_avoided),
    ("Cloud spend ($, est.)", lambda r: r.cloud_spend),
)


class UsageTableModel(QAbstractTableModel):
    """The rows of one granularity (day or week), newest first, plus the total.

    Cells are formatted once in ``set_rows``: the view asks for each cell many times (painting,
    sizing columns), and a year by day is thousands of cells.
    """

    _RIGHT = int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.rows: list[PeriodRow] = []
        self._cells: list[list[str]] = []

    def set_rows(self, rows: list[PeriodRow]) -> None:
        self.beginResetModel()
        self.rows = list(rows)
        self._cells = [[_cell(col, row) for col in range(len(COLUMNS))] for row in self.rows]
        self.endResetModel()

    def rowCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt name
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent=QModelIndex()) -> int:  # noqa: N802 - Qt name
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):  # noqa: N802 - Qt name
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return COLUMNS[section][0]
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole:
            return self._cells[index.row()][index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole and index.column() > 0:
            return self._RIGHT
        return None


def _cell(column: int, row: PeriodRow) -> str:
    if column == 0 and row.granularity == "total":
        return "Total"
    value = COLUMNS[column][1](row)
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.2f}" if column >= 16 else f"{value:.2f}" if column < 9 else f"{value:.1f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


class FigureTile(QFrame):
    """One headline figure: a large value over a short caption (the accessible name says both)."""

    def __init__(self, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = title
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.heading = QLabel(title)
        self.value = QLabel("–")
        font = self.value.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        self.value.setFont(font)
        self.caption = QLabel()
        self.caption.setWordWrap(True)
        col = QVBoxLayout(self)
        col.setContentsMargins(10, 6, 10, 6)
        col.setSpacing(2)
        col.addWidget(self.heading)
        col.addWidget(self.value)
        col.addWidget(self.caption)
        col.addStretch(1)

    def set(self, value: str, caption: str) -> None:
        self.value.setText(value)
        self.caption.setText(caption)
        self.setAccessibleName(f"{self.title}: {value}")
        self.setAccessibleDescription(caption)


class UsageDialog(QDialog):
    """Charts and a table of the usage ledger; the query runs on ``pool``."""

    def __init__(self, core: Core, parent: QWidget | None = None, pool: WorkerPool | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Usage and savings")
        self.setObjectName("usageDialog")
        self.resize(900, 620)
        self.core = core
        self.pool = pool or WorkerPool()
        self.summary: UsageSummary | None = None
        self._query = 0  # the latest query's number: an older answer arriving late is ignored

        self.tiles = {key: FigureTile(title) for key, title in (
            ("device", "On this device"), ("cloud", "In the cloud"), ("ttft", "First token (median)"),
            ("speed", "Speed (median)"), ("cost", "Cloud cost avoided"))}
        tile_row = QHBoxLayout()
        for tile in self.tiles.values():
            tile_row.addWidget(tile, 1)
        self.headline = QLabel("Reading the usage ledger…")
        self.headline.setWordWrap(True)
        self.headline.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.estimate = QLabel()
        self.estimate.setWordWrap(True)
        self.estimate.setTextFormat(Qt.TextFormat.PlainText)

        self.span_combo = QComboBox()
        for label, days in SPANS:
            self.span_combo.addItem(label, days)
        self.span_combo.setCurrentIndex(2)
        describe(self.span_combo, "Period", "How far back the figures go.")
        self.granularity_combo = QComboBox()
        self.granularity_combo.addItem("By week", "week")
        self.granularity_combo.addItem("By day", "day")
        describe(self.granularity_combo, "Group by", "Show the figures by week or by day.")
        controls = QHBoxLayout()
        for text, combo in (("&Period:", self.span_combo), ("&Group:", self.granularity_combo)):
            label = QLabel(text)
            label.setBuddy(combo)
            controls.addWidget(label)
            controls.addWidget(combo)
        controls.addStretch(1)

        self.answers_chart = UsageBarChart("Answers: this device and cloud")
        self.latency_chart = UsageBarChart("Median time to first token (seconds)", value_text=lambda v: f"{v:.2f}")
        charts = QWidget()
        chart_col = QVBoxLayout(charts)
        chart_col.setContentsMargins(0, 0, 0, 0)
        chart_col.addWidget(self.answers_chart, 1)
        chart_col.addWidget(self.latency_chart, 1)
        self.model = UsageTableModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.verticalHeader().setVisible(False)
        # Columns are sized when the table is shown, not on every change: sizing to contents
        # reads every cell, which is most of the dialog's opening time with a year by day.
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.setAlternatingRowColors(True)
        describe(self.table, "Usage table", "The same figures as the charts, one row per period, newest first.")
        self.tabs = QTabWidget()
        self.tabs.addTab(charts, "&Charts")
        self.tabs.addTab(self.table, "&Table")
        self.tabs.currentChanged.connect(lambda _i: self._size_columns())
        describe(self.tabs, "Charts or table", "Charts and a table of the same figures.")

        self.export_button = QPushButton("&Export CSV…")
        self.export_button.setEnabled(False)
        describe(self.export_button, "Export CSV", "Save the figures by day, by week and the total as CSV (docs/USAGE.md).")
        self.export_button.clicked.connect(self.export_csv)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.export_button, QDialogButtonBox.ButtonRole.ActionRole)
        describe(buttons.button(QDialogButtonBox.StandardButton.Close), "Close", "Close the usage view.")
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addLayout(tile_row)
        layout.addWidget(self.headline)
        layout.addWidget(self.estimate)
        layout.addLayout(controls)
        layout.addWidget(self.tabs, 1)
        layout.addWidget(buttons)

        self.span_combo.currentIndexChanged.connect(lambda _i: self.refresh())
        self.granularity_combo.currentIndexChanged.connect(lambda _i: self._show_rows())
        self.refresh()

    # ---------------------------------------------------------------- query (on the pool)

    def since(self) -> date | None:
        days = self.span_combo.currentData()
        return None if days is None else date.today() - timedelta(days=int(days) - 1)

    def refresh(self) -> None:
        """Read the ledger again on a worker; the figures update when it returns."""
        self._query += 1
        query = self._query
        self.export_button.setEnabled(False)
        self.pool.run(self.core.usage.summary, self.since(), pass_cancel=False,
                      on_returned=lambda summary: self._on_summary(query, summary),
                      on_errored=lambda error: self._on_error(query, error))

    def _on_error(self, query: int, error: AppError) -> None:
        if query == self._query:
            self.headline.setText(str(error))

    def _on_summary(self, query: int, summary: UsageSummary) -> None:
        if query != self._query:
            return
        self.set_summary(summary)

    # ---------------------------------------------------------------- showing

    def set_summary(self, summary: UsageSummary) -> None:
        self.summary = summary
        t = summary.total
        self.export_button.setEnabled(True)
        share = f"answers, {t.device.answers / t.answers:.0%} of all" if t.answers else "answers"
        self.tiles["device"].set(f"{t.device.answers:,}", share)
        self.tiles["cloud"].set(f"{t.cloud.answers:,}", f"answers; {t.cloud_fallbacks:,} failed and were answered here")
        self.tiles["ttft"].set(_s(t.device.median_ttft_s), f"here; cloud {_s(t.cloud.median_ttft_s)}")
        self.tiles["speed"].set(_tps(t.device.median_tokens_per_s), f"here; cloud {_tps(t.cloud.median_tokens_per_s)}")
        if summary.price is None:
            self.tiles["cost"].set("–", "no cloud price is set")
            self.estimate.setText("Cost avoided: no cloud price is known. Set one with 'slm-assistant config set "
                                  "usage.price_in_per_mtok 0.15' and usage.price_out_per_mtok, or name a model with "
                                  "usage.price_model (docs/USAGE.md).")
        else:
            self.tiles["cost"].set(f"${t.cost_avoided:,.2f}", f"estimate; cloud spend ${t.cloud_spend:,.2f}")
            self.estimate.setText(
                f"Cost avoided is an estimate: this device's tokens priced at {summary.price.describe()}; "
                f"cloud spend uses the same price. See docs/USAGE.md.")
        if not t.answers:
            self.headline.setText("No answers recorded in this period. The ledger keeps counts only, never text.")
        else:
            self.headline.setText(
                f"{t.device.answers:,} answers on this device, {t.cloud.answers:,} in the cloud. "
                f"{t.kept['on_device_only']:,} kept here for on-device-only collections, {t.kept['declined']:,} you "
                f"chose to keep here, {t.kept['policy']:,} by your organization's policy; "
                f"{plural(sum(t.redactions.values()), 'value')} redacted before sending. Counts only, never text.")
        describe(self.estimate, "Cost estimate", self.estimate.text(), tooltip=False)
        self._show_rows()

    def _show_rows(self) -> None:
        if self.summary is None:
            return
        by_week = self.granularity_combo.currentData() == "week"
        rows = self.summary.weeks if by_week else self.summary.days
        self.model.set_rows([self.summary.total, *reversed(rows)] if rows else [])
        self._size_columns()
        labels = [r.start.strftime("%d %b") for r in rows]
        device = [float(r.device.answers) for r in rows]
        cloud = [float(r.cloud.answers) for r in rows]
        unit = "week" if by_week else "day"
        t = self.summary.total
        self.answers_chart.set_data(
            labels, [Series("This device", device, "device"), Series("Cloud", cloud, "cloud")], stacked=True,
            title=f"Answers per {unit}{' (week starting)' if by_week else ''}: this device and cloud",
            description=f"Answers per {unit} over {len(rows)} {unit}s: {t.device.answers} on this device, "
                        f"{t.cloud.answers} in the cloud.")
        self.latency_chart.set_data(
            labels, [Series("This device", [r.device.median_ttft_s or 0.0 for r in rows], "device"),
                     Series("Cloud", [r.cloud.median_ttft_s or 0.0 for r in rows], "cloud")], stacked=False,
            title=f"Median time to first token per {unit} (seconds)",
            description=f"Median time to first token per {unit}: {_s(t.device.median_ttft_s)} on this device, "
                        f"{_s(t.cloud.median_ttft_s)} in the cloud over the whole period.")

    def _size_columns(self) -> None:
        if self.tabs.currentWidget() is self.table:
            self.table.resizeColumnsToContents()

    # ---------------------------------------------------------------- export

    def export_csv(self, path: str | None = None) -> None:
        """Ask where (unless ``path`` is given), then write the CSV on a worker."""
        if self.summary is None:
            return
        if not path:
            suggested = str(Path.home() / f"slm-assistant-usage-{date.today().isoformat()}.csv")
            path, _filter = QFileDialog.getSaveFileName(self, "Export usage as CSV", suggested, "CSV files (*.csv)")
            if not path:
                return
        text = self.summary.to_csv()
        self.pool.run(write_text_atomically, Path(path), text, "the usage CSV", pass_cancel=False,
                      on_returned=lambda _r: self.headline.setText(f"Saved {path}."),
                      on_errored=lambda error: self.headline.setText(str(error)))


def _s(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def _tps(value: float | None) -> str:
    return "–" if value is None else f"{value:.0f} tokens/s"
