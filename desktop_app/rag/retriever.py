"""Hybrid retrieval: vector top-N and BM25 top-N fused by reciprocal rank fusion, with a floor.

Vector search finds paraphrases; keyword search finds exact figures, names and codes that
embeddings blur. Reciprocal rank fusion (Cormack et al., 2009) merges the rankings without
calibrating their scores; a third ranking of candidates that contain the question's figures or
codes verbatim keeps a generic-word tie in BM25 from burying the one passage with the code.

Two checks let an unrelated question return no hits, so the assistant can say that the
documents do not contain the answer: the relevance floor (cosine similarity of the passage to
the question) drops passages that share no meaning with the question, and the topic check
returns nothing at all unless the best passage is similar enough, holds the question's figures
or codes verbatim, or covers half of its content words (``RetrievalConfig.min_best_similarity``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Literal, Mapping, Sequence

from desktop_app.core.records import Hit
from desktop_app.rag import query_hints, role_holders
from desktop_app.rag.doc_meta import DocumentMeta, document_label, strip_header
from desktop_app.rag.embedder import Embedder
from desktop_app.rag.keyword_store import KeywordStore
from desktop_app.rag.vector_store import StoredChunk, VectorStore

RRF_K = 60  # the constant from the RRF paper; damps the weight of the very top ranks
Mode = Literal["hybrid", "vector", "keyword"]


def reciprocal_rank_fusion(rankings: Sequence[Sequence[str]], k: int = RRF_K,
                           weights: Sequence[float] | None = None) -> dict[str, float]:
    """Fuse ranked id lists: score(id) = sum over lists of weight / (k + rank), rank from 1."""
    scores: dict[str, float] = {}
    for n, ranking in enumerate(rankings):
        weight = weights[n] if weights is not None else 1.0
        for rank, cid in enumerate(ranking, start=1):
            scores[cid] = scores.get(cid, 0.0) + weight / (k + rank)
    return scores


def specific_terms(query: str) -> list[str]:
    """Figures and codes in a question ("QX-10768", "4,512,300", "6.2%"): tokens with a digit."""
    return [t.strip(".,;:?!()").lower() for t in query.split() if any(ch.isdigit() for ch in t) and len(t.strip(".,;:?!()")) >= 2]


# Words that say nothing about a question's topic (for the topical-evidence check only).
_STOPWORDS = frozenset("""
a about after all also an and any are as at be been before by can could did do does done for from had has
have how i if in into is it its many may me more most much my no not of on or our out over should so some
than that the their them then there these they this those to under up was we were what when where which
while who whom why will with would you your please tell give explain describe list show find
""".split())


def topic_words(text: str) -> set[str]:
    """Lower-case content words of ``text`` (no stopwords, at least 3 letters)."""
    words = "".join(ch.lower() if ch.isalnum() else " " for ch in text).split()
    return {w for w in words if len(w) >= 3 and w not in _STOPWORDS}


def covers_topic(query: str, passage: str, share: float = 0.5) -> bool:
    """True when the passage contains at least ``share`` of the question's content words.

    Word stems are compared by their first five letters, so "attrition fell" covers "attrition fall".
    """
    wanted = {w[:5] for w in topic_words(query)}
    if not wanted:
        return False
    found = {w[:5] for w in topic_words(passage)}
    return len(wanted & found) >= share * len(wanted)


def exact_ranking(query: str, chunks: dict[str, StoredChunk], prior: Sequence[Sequence[str]] = ()) -> list[str]:
    """Candidates that contain the question's figures or codes verbatim, most matches first.

    BM25 alone lets the generic words of "What is the unit price of part QX-10768?" tie every
    page of a catalogue; a third ranking for verbatim codes lets the one page that has the code
    win the fusion, which is the case vector search cannot handle. A term found in more than half
    of the candidates (a year in a filing) tells nothing and is ignored; ties keep the order of
    the ``prior`` rankings.
    """
    terms = specific_terms(query)
    if not terms or not chunks:
        return []
    texts = {cid: chunk.text.lower() for cid, chunk in chunks.items()}
    if len(texts) >= 4:
        terms = [t for t in terms if sum(t in text for text in texts.values()) * 2 <= len(texts)]
    best_rank: dict[str, int] = {}
    for ranking in prior:
        for rank, cid in enumerate(ranking):
            best_rank[cid] = min(best_rank.get(cid, rank), rank)
    scored = []
    for cid, text in texts.items():
        n = sum(1 for t in terms if t in text)
        if n:
            scored.append((-n, best_rank.get(cid, len(texts)), cid))
    scored.sort()
    return [cid for _n, _rank, cid in scored]


# "Function reference . . . . . 11" or "Item 2. Management's Discussion .......... 25": a dot
# leader, then a page number. Never a figure such as "Cost of revenue . . . . 17,000" or "12.5"
# (financial statements use dot leaders too, and those pages are answers, not listings).
_DOT_LEADER_ENTRY = re.compile(r"(?:\.\s?){4,}\s*\d{1,4}(?!\d)(?![,.]\d)")


def is_contents_listing(text: str) -> bool:
    """True for a table of contents or a back-of-book index (three or more dot-leader entries).

    Such a page names every function, section or figure of a manual or filing, so it matches
    almost any exact-term question in BM25 while answering none of them; it ranks after the
    pages that hold the content.
    """
    return len(_DOT_LEADER_ENTRY.findall(text)) >= 3


@dataclass
class RetrievalConfig:
    candidates: int = 20  # from each of the two searches
    min_similarity: float | None = None  # None: the embedder's ``relevance_floor``
    # Evidence that the documents are about the question at all, or no passage is returned. On
    # real manuals an off-topic question still finds passages at 0.22-0.25 cosine with MiniLM,
    # while answerable questions reach 0.28-0.75: cosine alone cannot separate them. So the best
    # passage must reach this similarity, or contain the question's figures or codes verbatim,
    # or contain half of the question's content words.
    min_best_similarity: float | None = None  # None: the embedder's ``answer_floor``
    mode: Mode = "hybrid"
    # Use the documents' metadata: a question naming an organisation, a reference, a year or
    # "latest" also searches the documents it names, and their passages rank first.
    document_hints: bool = True
    scoped_candidates: int = 10  # from each search within the named documents
    # Chunks are small so that they match precisely; a hit shows the passage around the match:
    # the candidates from one page are joined (in page order, up to MAX_MERGED) into one hit.
    merge_same_page: bool = True
    order_named_up_to: int = 3  # named documents rank first only when the question names this few
    keyword_weight: float = 1.0  # weight of the BM25 rankings in the fusion (vector rankings weigh 1)

    @classmethod
    def baseline(cls) -> "RetrievalConfig":
        """Retrieval as it was before document understanding (benchmarks measure against it)."""
        return cls(document_hints=False, merge_same_page=False)


class HybridRetriever:
    """Implements ``rag.base.Retriever`` over a VectorStore and a KeywordStore.

    Args:
        on_device_only: returns the collections whose hits must be marked on-device only
            (read at each call, so a change in settings applies at once).
    """

    def __init__(self, embedder: Embedder, vectors: VectorStore, keywords: KeywordStore,
                 on_device_only: Callable[[], Sequence[str]] = lambda: (), config: RetrievalConfig | None = None,
                 documents: Callable[[], Mapping[str, DocumentMeta]] = dict) -> None:
        self.embedder = embedder
        self.vectors = vectors
        self.keywords = keywords
        self._on_device_only = on_device_only
        self._documents = documents  # every document's metadata (DocumentMetaStore.all), read per query
        self.config = config or RetrievalConfig()

    def retrieve(self, query: str, k: int = 5, collections: Sequence[str] | None = None) -> list[Hit]:
        """Return at most ``k`` relevant hits, best first; [] when nothing passes the floor."""
        query = query.strip()
        if not query or k <= 0:
            return []
        cfg = self.config
        n = max(cfg.candidates, k * 3)
        q = self.embedder.embed([query])[0]
        vec = self.vectors.query(q, n, collections) if cfg.mode != "keyword" else []
        kw = self.keywords.search(query, n, collections) if cfg.mode != "vector" else []

        chunks: dict[str, StoredChunk] = {}
        similarity: dict[str, float] = {}
        for m in vec:
            chunks[m.chunk.id] = m.chunk
            similarity[m.chunk.id] = m.similarity
        for chunk, _score in kw:
            chunks.setdefault(chunk.id, chunk)
        missing = [cid for cid in chunks if cid not in similarity]
        if missing:
            # Keyword-only candidates still have to pass the same semantic floor.
            for cid, emb in self.vectors.embeddings(missing).items():
                similarity[cid] = sum(a * b for a, b in zip(q, emb))

        floor = cfg.min_similarity if cfg.min_similarity is not None else getattr(self.embedder, "relevance_floor", 0.2)
        rankings = [[m.chunk.id for m in vec], [c.id for c, _ in kw]]
        weights = [1.0, cfg.keyword_weight]
        preferred: list[str] = []
        hints = None
        base_chunks = dict(chunks)  # figures and codes are looked for among these (see exact_ranking)
        if cfg.document_hints and cfg.mode == "hybrid":
            documents = self._documents()
            if documents:
                first_sources = list(dict.fromkeys(c.source for c in ([m.chunk for m in vec] + [c for c, _ in kw])))
                hints = query_hints.resolve(query, documents, first_sources)
                preferred = hints.preferred()
        if preferred:
            # Search within the documents the question names: nine yearly reports share the same
            # measure word for word, and the one of the year asked about must be among the candidates.
            m = max(cfg.scoped_candidates, k * 2)
            svec = self.vectors.query(q, m, collections, sources=preferred)
            skw = self.keywords.search(query, m, collections, sources=preferred)
            for match in svec:
                chunks.setdefault(match.chunk.id, match.chunk)
                similarity[match.chunk.id] = match.similarity
            for chunk, _score in skw:
                chunks.setdefault(chunk.id, chunk)
            late = [c.id for c, _ in skw if c.id not in similarity]
            if late:
                for cid, emb in self.vectors.embeddings(late).items():
                    similarity[cid] = sum(a * b for a, b in zip(q, emb))
            rankings += [[m.chunk.id for m in svec], [c.id for c, _ in skw]]
            weights += [1.0, cfg.keyword_weight]
        if cfg.mode == "hybrid" and (role := role_holders.asked_role(query)) is not None:
            # Within the documents the question names, else the best match's document only: the
            # holders of the same title in other documents (another department's Secretary) are
            # the wrong answer, ranked high.
            best = max(reciprocal_rank_fusion(rankings[:2]).items(), key=lambda item: item[1], default=None)
            named = preferred if hints is not None and hints.strong else []  # not by a year alone
            scope = named or ([chunks[best[0]].source] if best else [])
            holders = self._role_holders(role, q, collections, scope, chunks, similarity)
            if holders:
                rankings.append(holders)
                weights.append(ROLE_WEIGHT)
        exact: list[str] = []
        if cfg.mode == "hybrid":
            exact = exact_ranking(query, base_chunks, rankings[:2])
            rankings.append(exact)
            weights.append(1.0)
        answer_floor = cfg.min_best_similarity
        if answer_floor is None:
            answer_floor = getattr(self.embedder, "answer_floor", floor)
        if not exact and max(similarity.values(), default=-1.0) < answer_floor:
            passing = [cid for cid, sim in similarity.items() if sim >= floor]
            if not any(covers_topic(query, chunks[cid].text) for cid in passing):
                return []  # nothing in the documents is about this question
        fused = reciprocal_rank_fusion(rankings, weights=weights)
        listing = {cid: is_contents_listing(chunks[cid].text) for cid in fused}
        # Named documents (an organisation, a reference, "the latest report") rank first; documents
        # matched by a year alone only gain the scoped rankings, since a year is often incidental
        # ("patients enrolled by December 2024").
        wanted = set(preferred) if hints is not None and hints.strong and len(preferred) <= cfg.order_named_up_to else set()
        # Passages of the named documents first (when there are any that pass the floor).
        ranked = sorted(fused, key=lambda cid: (listing[cid], bool(wanted) and chunks[cid].source not in wanted,
                                                -fused[cid], -similarity.get(cid, 0.0)))
        if hints is not None and hints.comparison and 2 <= len(preferred) <= k:
            # "Compare FY 2018 and FY 2019": a passage from each named document, then the rest.
            ranked = _each_document_first(ranked, chunks, preferred, k)
        private = set(self._on_device_only())
        groups: dict[tuple[str, int], list[str]] = {}  # (source, page) -> its passing chunks, best first
        for cid in ranked:
            if similarity.get(cid, -1.0) < floor:
                continue
            key = (chunks[cid].source, chunks[cid].page)
            if key in groups:
                if cfg.merge_same_page and len(groups[key]) < MAX_MERGED:
                    groups[key].append(cid)
                    continue
                if cfg.merge_same_page:
                    continue
                key = (key[0], -len(groups) - 1)  # a separate hit for the same page
            if len(groups) >= k:
                if not cfg.merge_same_page:
                    break
                continue  # later chunks may still join a page already chosen
            groups[key] = [cid]
        hits: list[Hit] = []
        period_end = hints.period_end.isoformat() if hints is not None and hints.period_end else ""
        for ids in groups.values():
            best = chunks[ids[0]]
            text = _page_text([chunks[cid] for cid in ids])
            hits.append(Hit(source=best.source, page=best.page, text=text, score=round(fused[ids[0]], 6),
                            collection=best.collection, chunk_id=ids[0], on_device_only=best.collection in private,
                            similarity=round(similarity[ids[0]], 4), unit=best.unit,
                            document=document_label(best.text, best.page, best.unit), asked_period_end=period_end))
        return hits

    def _role_holders(self, role: role_holders.AskedRole, q: Sequence[float], collections: Sequence[str] | None,
                      scope: Sequence[str], chunks: dict[str, StoredChunk], similarity: dict[str, float]) -> list[str]:
        """Chunks of the ``scope`` documents that write a name next to the title a "who" question
        asks about (``rag.role_holders``): signature blocks first, then by keyword rank. They are
        added to ``chunks`` and ``similarity``, and still have to pass the relevance floor."""
        found = self.keywords.search(role.search_words(), ROLE_CANDIDATES, collections, sources=scope)
        common = frozenset().union(*(role_holders.lower_case_words(chunk.text) for chunk, _score in found))
        named = [(chunk, [signed for _name, signed in role.holders(chunk.text, common)]) for chunk, _score in found]
        # A letter's signature block (a date after the title) first, then by keyword rank.
        holders = [chunk for chunk, marks in sorted((n for n in named if n[1]), key=lambda n: not any(n[1]))]
        for chunk in holders:
            chunks.setdefault(chunk.id, chunk)
        late = [c.id for c in holders if c.id not in similarity]
        for cid, emb in (self.vectors.embeddings(late).items() if late else ()):
            similarity[cid] = sum(a * b for a, b in zip(q, emb))
        return [c.id for c in holders[:ROLE_HOLDERS_RANKED]]


def _each_document_first(ranked: list[str], chunks: Mapping[str, StoredChunk], documents: Sequence[str], k: int) -> list[str]:
    """For a comparison, the named documents' passages in turns (each one's best, then each one's
    second, ...) up to ``k``, then the rest."""
    own = {doc: [cid for cid in ranked if chunks[cid].source == doc] for doc in documents[:k]}
    firsts: list[str] = []
    for turn in range(k):
        for doc in documents[:k]:
            if turn < len(own[doc]) and len(firsts) < k:
                firsts.append(own[doc][turn])
    chosen = set(firsts)
    return firsts + [cid for cid in ranked if cid not in chosen]


# A "who" question naming a title: the chunks holding a name beside it, among this many keyword
# matches of the title in the documents asked about, form one more ranking of this weight
# (rag.role_holders).
ROLE_CANDIDATES = 40
ROLE_HOLDERS_RANKED = 3  # the best few: never five passages of names and titles
ROLE_WEIGHT = 3.0
MAX_MERGED = 3  # chunks of one page joined into one hit (~600 word pieces: still a passage, not a page dump)


def _page_text(parts: list[StoredChunk]) -> str:
    """The chunks of one page in reading order, headers removed, the overlap between neighbours dropped."""
    ordered = sorted(parts, key=lambda c: _chunk_index(c.id))
    text = ""
    for chunk in ordered:
        body = strip_header(chunk.text, chunk.page, chunk.unit)
        if not text:
            text = body
            continue
        overlap = _overlap(text, body)
        text = text + body[overlap:] if overlap else text + "\n…\n" + body
    return text


def _chunk_index(cid: str) -> int:
    tail = cid.rsplit("-c", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _overlap(left: str, right: str, longest: int = 600) -> int:
    """Length of the longest end of ``left`` that begins ``right`` (consecutive chunks repeat ~40 word pieces)."""
    for size in range(min(longest, len(left), len(right)), 20, -1):
        if left.endswith(right[:size]):
            return size
    return 0
