"""Language-model backends: the ChatBackend protocol, llama.cpp, cloud (OpenAI-compatible), fake."""
