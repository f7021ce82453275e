"""Runtime hook, runs before the app's code in the frozen app: offline, and the bundled model.

Forced (not defaults): an installed app must never reach a model hub or send telemetry, whatever
the user's environment says. The bundled GGUF's path is published for ModelManager, which uses it
in place of assembling the model from its chunk packages (those are not in the bundle).
"""

import os
import sys

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["USE_HUB_KERNELS"] = "0"  # transformers' run-time kernel downloads (the kernels package is not bundled)
os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"  # Chroma
os.environ["DO_NOT_TRACK"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

_base = getattr(sys, "_MEIPASS", os.path.dirname(sys.executable))
_models = os.path.join(_base, "models")
if os.path.isdir(_models):
    for _name in sorted(os.listdir(_models)):
        if _name.endswith(".gguf"):
            os.environ["SLM_ASSISTANT_BUNDLED_MODEL"] = os.path.join(_models, _name)
            break
