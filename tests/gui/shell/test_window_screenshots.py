"""The screenshot renderer drives the real window into each state and writes non-blank PNGs."""

from __future__ import annotations

from PySide6.QtGui import QImage

from desktop_app import screenshots


def test_screenshots_render_every_state(qtbot, tmp_path):
    written = screenshots.render(tmp_path / "shots")
    names = [p.name for p in written]
    assert names == ["01-empty-start.png", "02-markdown-answer.png", "03-conversations.png", "04-search.png",
                     "05-settings.png", "06-error-banner.png", "07-dark-theme.png", "08-usage.png"]
    for path in written:
        image = QImage(str(path))
        assert image.width() >= 600 and image.height() >= 400, path.name
        # Not a blank picture: many distinct colours (text, borders, highlights).
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
        assert len(colours) > 20, path.name
