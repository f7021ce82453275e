"""PyInstaller hook: RapidOCR's config and its ONNX models (det, rec, cls) live in the package and are read at run time."""

from PyInstaller.utils.hooks import collect_data_files

datas = collect_data_files("rapidocr_onnxruntime", includes=["config.yaml", "models/*.onnx"])
