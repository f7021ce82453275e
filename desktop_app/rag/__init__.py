"""On-device documents: loaders -> chunker -> embedder -> stores (Chroma + FTS5) -> retriever; indexer."""
