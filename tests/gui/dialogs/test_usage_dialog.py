"""Tools → Usage and savings: answers sent in the real window are counted, the dialog reads the
ledger on a worker and shows charts and a table of the same figures, and exports the CSV."""

from __future__ import annotations

import csv
import threading
import time

import pytest
from PySide6.QtGui import QColor, QImage, QPalette

from desktop_app.core.usage_store import UsageRecord
from desktop_app.gui.common.accessibility import unnamed_controls
from desktop_app.gui.dialogs.usage_chart import Series, UsageBarChart, nice_ceiling, series_colour
from desktop_app.gui.dialogs.usage import UsageDialog
from desktop_app.gui.common.workers import WorkerPool
from desktop_app.services.usage_report import CSV_COLUMNS
from tests.gui.chat.test_chat_window import send, wait_idle


def tools_actions(window) -> list[str]:
    for a in window.menuBar().actions():
        if a.menu() is not None and a.menu().title().replace("&", "") == "Tools":
            return [x.text().replace("&", "") for x in a.menu().actions() if x.isVisible()]
    return []


def open_dialog(qtbot, core) -> tuple[UsageDialog, WorkerPool]:
    pool = WorkerPool()
    dialog = UsageDialog(core, pool=pool)
    qtbot.addWidget(dialog)
    qtbot.waitUntil(lambda: dialog.summary is not None, timeout=10000)
    return dialog, pool


def test_answers_in_the_window_show_up_in_the_usage_dialog(qtbot, main_window, gui_core, tmp_path):
    assert "Usage and savings…" in tools_actions(main_window)
    gui_core.loaded_backend().enqueue("One.", "Two.")
    for question in ("First question?", "Second question?"):
        send(qtbot, main_window, question)
        wait_idle(qtbot, main_window)
    assert gui_core.usage.store().count() == 2

    dialog, pool = open_dialog(qtbot, gui_core)
    try:
        assert "2 answers on this device, 0 in the cloud" in dialog.headline.text()
        assert "no cloud price" in dialog.estimate.text()
        assert dialog.tiles["device"].value.text() == "2" and dialog.tiles["cloud"].value.text() == "0"
        # The table: the total, then the one week; the same figures as the charts.
        model = dialog.model
        assert model.rowCount() == 2 and model.data(model.index(0, 0)) == "Total"
        assert model.data(model.index(1, 1)) == "2" and model.data(model.index(1, 2)) == "0"
        assert dialog.answers_chart.series[0].values == [2.0] and dialog.answers_chart.series[1].values == [0.0]
        assert "2 on this device" in dialog.answers_chart.accessibleDescription()
        assert dialog.answers_chart.accessibleName() and dialog.latency_chart.accessibleName()
        assert unnamed_controls(dialog) == []
        assert dialog.answers_chart.accessibleName().startswith("Answers per week")
        dialog.granularity_combo.setCurrentIndex(1)  # by day
        assert dialog.model.rows[1].granularity == "day"
        assert dialog.answers_chart.accessibleName().startswith("Answers per day")

        out = tmp_path / "usage.csv"
        dialog.export_csv(str(out))
        qtbot.waitUntil(lambda: out.exists() and "Saved" in dialog.headline.text(), timeout=10000)
        rows = list(csv.reader(out.open(encoding="utf-8")))
        assert tuple(rows[0]) == CSV_COLUMNS and [r[0] for r in rows[1:]] == ["day", "week", "total"]
    finally:
        pool.shutdown()


def test_the_query_runs_on_a_worker_not_the_gui_thread(qtbot, gui_core, monkeypatch):
    gui_core.usage.record(UsageRecord(time.time(), "local", "m", 10, 5, 0.1, 50.0))
    threads = []
    real = type(gui_core.usage).summary

    def slow_summary(self, since=None):
        threads.append(threading.current_thread())
        time.sleep(0.3)  # a slow disk: the dialog must already be up
        return real(self, since)

    monkeypatch.setattr(type(gui_core.usage), "summary", slow_summary)
    started = time.perf_counter()
    dialog, pool = None, WorkerPool()
    try:
        dialog = UsageDialog(gui_core, pool=pool)
        qtbot.addWidget(dialog)
        assert time.perf_counter() - started < 0.3 and dialog.summary is None
        assert "Reading" in dialog.headline.text() and not dialog.export_button.isEnabled()
        qtbot.waitUntil(lambda: dialog.summary is not None, timeout=10000)
    finally:
        pool.shutdown()
    assert threads and threads[0] is not threading.main_thread()
    assert dialog.export_button.isEnabled()


def test_prices_turn_into_the_cost_estimate(qtbot, gui_core):
    gui_core.settings.usage.price_in_per_mtok = 1.0
    gui_core.settings.usage.price_out_per_mtok = 2.0
    gui_core.usage.record(UsageRecord(time.time(), "local", "m", 1_000_000, 500_000, 0.1, 50.0))
    dialog, pool = open_dialog(qtbot, gui_core)
    pool.shutdown()
    assert dialog.tiles["cost"].value.text() == "$2.00" and "estimate" in dialog.tiles["cost"].caption.text()
    assert "$1.00 in / $2.00 out per million tokens" in dialog.estimate.text()
    assert dialog.tiles["cost"].accessibleName() == "Cloud cost avoided: $2.00"
    assert dialog.model.data(dialog.model.index(0, 16)) == "2.00"


def test_usage_off_hides_the_menu_entry_and_the_dialog_says_why(qtbot, gui_core):
    from tests.gui.gui_fixtures import open_window

    gui_core.settings.usage.enabled = False
    window = open_window(qtbot, gui_core)
    try:
        assert "Usage and savings…" not in tools_actions(window)
        dialog, pool = UsageDialog(gui_core, pool=WorkerPool()), None
        qtbot.addWidget(dialog)
        qtbot.waitUntil(lambda: "turned off" in dialog.headline.text(), timeout=10000)
        assert not dialog.export_button.isEnabled()
    finally:
        window.close()
        window.pool.shutdown(5000)


@pytest.mark.parametrize("dark", [False, True])
def test_chart_paints_bars_in_both_themes(qtbot, dark):
    from desktop_app.gui.shell.theme import dark_palette, light_palette

    chart = UsageBarChart("Answers")
    qtbot.addWidget(chart)
    chart.setPalette(dark_palette() if dark else light_palette())
    chart.resize(400, 200)
    chart.set_data(["1 Mar", "8 Mar"], [Series("This device", [4, 2], "device"), Series("Cloud", [1, 3], "cloud")],
                   stacked=True, description="4 and 2 on this device")
    image = QImage(chart.size(), QImage.Format.Format_ARGB32)
    chart.render(image)
    colours = {image.pixelColor(x, y).name() for x in range(0, 400, 3) for y in range(0, 200, 3)}
    base = chart.palette().color(QPalette.ColorRole.Base)
    for role in ("device", "cloud"):
        colour = series_colour(role, chart.palette())
        assert colour.name() in colours
        assert abs(colour.lightness() - base.lightness()) > 60  # readable against the background
    assert series_colour("cloud", chart.palette()) != QColor("#000000")
    assert (nice_ceiling(7), nice_ceiling(0.3), nice_ceiling(240)) == (10, 0.5, 250)
