"""PyInstaller hook: RapidOCR's configs and its ONNX models (det, rec, cls) live in the package and are read at run time.

``rapidocr`` imports ``.main`` lazily (a module ``__getattr__``) and its ONNX Runtime session by
engine name, so neither import is visible to PyInstaller's analysis; the other engines (OpenVINO,
Paddle, PyTorch) are left out: only ONNX Runtime is installed with the app.
"""

from PyInstaller.utils.hooks import collect_data_files

datas = collect_data_files("rapidocr", includes=["*.yaml", "models/*.onnx"])
hiddenimports = ["rapidocr.main", "rapidocr.inference_engine.onnxruntime", "onnxruntime"]
excludedimports = ["rapidocr.inference_engine.openvino", "rapidocr.inference_engine.paddle",
                   "rapidocr.inference_engine.pytorch"]
