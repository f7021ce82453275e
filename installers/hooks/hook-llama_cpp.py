"""llama-cpp-python loads libllama/libggml with ctypes from llama_cpp/lib: collect them there."""

from PyInstaller.utils.hooks import collect_data_files, collect_dynamic_libs

binaries = collect_dynamic_libs("llama_cpp")
datas = collect_data_files("llama_cpp", excludes=["**/server/**"])
excludedimports = ["llama_cpp.server"]
