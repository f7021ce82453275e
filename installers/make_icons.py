"""Render resources/icons/slm-assistant.svg to the PNG sizes, .ico and .icns the packages need.

Run once after changing the SVG (the outputs are committed):
    QT_QPA_PLATFORM=offscreen .venv/bin/python installers/make_icons.py
Qt renders the SVG (QtSvg); Pillow writes the multi-size .ico and .icns.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

ICONS = Path(__file__).resolve().parents[1] / "resources" / "icons"
SVG = ICONS / "slm-assistant.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def render_pngs() -> dict[int, bytes]:
    from PySide6.QtCore import QBuffer, QIODevice, Qt
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])  # noqa: F841 - Qt needs it alive
    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG} is not a valid SVG")
    out: dict[int, bytes] = {}
    for size in SIZES:
        image = QImage(size, size, QImage.Format.Format_ARGB32)
        image.fill(Qt.GlobalColor.transparent)
        painter = QPainter(image)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        renderer.render(painter)
        painter.end()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        image.save(buffer, "PNG")
        out[size] = bytes(buffer.data())
    return out


def main() -> int:
    from PIL import Image

    pngs = render_pngs()
    for size, data in pngs.items():
        (ICONS / f"slm-assistant-{size}.png").write_bytes(data)
    largest = Image.open(io.BytesIO(pngs[512])).convert("RGBA")
    largest.save(ICONS / "slm-assistant.ico", sizes=[(s, s) for s in SIZES if s <= 256])
    largest.save(ICONS / "slm-assistant.icns")
    for name in sorted(p.name for p in ICONS.iterdir()):
        print(ICONS / name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
