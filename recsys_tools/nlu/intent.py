"""Intent classifier over delexicalised questions: logistic regression on character n-grams
and morphemes of the question with its entities replaced by their labels.

Why delexicalise: with slot values in the text, the classifier learns "오사카 → place lookup"
from whichever templates happened to draw Osaka, and a held-out phrasing is decided by its
names instead of its verbs. With "<CITY> <DATE> 출발 패키지 알려줘" only the wording is left.
Entities come from the gold spans at training time and from the tagger at inference.

    x = [tfidf_char(delex(text)); tfidf_morph(delex(text)); labels(spans)]
    p(intent | x) = softmax(W x + b)
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from recsys_tools.nlu.examples import Span
from recsys_tools.nlu.features import Morpheme, analyse
from recsys_tools.nlu.labels import ENTITY_LABELS

# One private-use character per entity label: a single "syllable" for the char n-grams.
_PLACEHOLDER: dict[str, str] = {lab: chr(0xE000 + i) for i, lab in enumerate(ENTITY_LABELS)}
# Content-bearing POS tags for the morpheme features (particles and endings stay in the
# char n-grams; as morphemes they are mostly noise).
_KEEP_TAGS = ("NN", "VV", "VA", "VX", "XS", "MA", "MM", "NP", "NR", "SL", "EF", "JKB", "JX")


def delexicalise(text: str, spans: Sequence[Span]) -> str:
    out, last = [], 0
    for s in sorted(spans, key=lambda s: s.start):
        if s.start < last:
            continue
        out.append(text[last : s.start])
        out.append(_PLACEHOLDER.get(s.label, "?"))
        last = s.end
    out.append(text[last:])
    return "".join(out)


def morph_tokens(text: str, spans: Sequence[Span], morphs: Sequence[Morpheme]) -> list[str]:
    """Morphemes outside entities as "form/TAG" (entity morphemes become the label), plus
    bigrams of neighbours, so 본/VV+사람 and 같이/MAG+보/VV survive as phrases."""
    span_of = {i: k for k, s in enumerate(spans) for i in range(s.start, s.end)}
    toks: list[str] = []
    emitted: set[int] = set()
    for m in morphs:
        owners = {span_of.get(i) for i in range(m.start, m.start + max(m.length, 1))}
        if None not in owners:  # the morpheme lies inside entities: emit each label once
            for k in sorted(o for o in owners if o is not None):
                if k not in emitted:
                    emitted.add(k)
                    toks.append(f"<{spans[k].label}>")
        elif m.tag.startswith(_KEEP_TAGS):
            toks.append(f"{m.form}/{m.tag[:2]}")
    return toks + [f"{a}+{b}" for a, b in itertools.pairwise(toks)]


def _identity(tokens: list[str]) -> list[str]:
    return tokens  # pre-tokenised input (module-level so that the vectoriser pickles)


def label_features(spans: Sequence[Span]) -> list[str]:
    counts: dict[str, int] = {}
    for s in spans:
        counts[s.label] = counts.get(s.label, 0) + 1
    return [f"has_{lab}" for lab in counts] + [f"many_{lab}" for lab, n in counts.items() if n > 1]


@dataclass(frozen=True)
class IntentConfig:
    c: float = 4.0  # inverse L2 strength; chosen on the dev_templates split
    char_ngrams: tuple[int, int] = (1, 4)
    use_morphs: bool = True


class IntentClassifier:
    """Not a full NerIntentModel: it needs spans, which a tagger supplies."""

    def __init__(self, config: IntentConfig | None = None) -> None:
        self.config = config or IntentConfig()
        self._char: Any = None
        self._morph: Any = None
        self._lab: Any = None
        self._clf: Any = None
        self._analyzers: list[Any] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_analyzers": None}

    @property
    def classes(self) -> list[str]:
        return [str(c) for c in self._clf.classes_]

    def _matrix(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[Span]],
        morphs: Sequence[Sequence[Morpheme]] | None,
        fit: bool,
    ) -> Any:
        from scipy.sparse import hstack

        delex = [delexicalise(t, s) for t, s in zip(texts, spans, strict=True)]
        labs = [label_features(s) for s in spans]
        parts = []
        if fit:
            from sklearn.feature_extraction.text import TfidfVectorizer

            self._char = TfidfVectorizer(
                analyzer="char_wb", ngram_range=self.config.char_ngrams, sublinear_tf=True
            )
            self._lab = TfidfVectorizer(analyzer=_identity, use_idf=False, norm=None)
            parts += [self._char.fit_transform(delex), self._lab.fit_transform(labs)]
        else:
            parts += [self._char.transform(delex), self._lab.transform(labs)]
        if self.config.use_morphs:
            if morphs is None:
                morphs = analyse(texts)
            toks = [morph_tokens(t, s, m) for t, s, m in zip(texts, spans, morphs, strict=True)]
            if fit:
                from sklearn.feature_extraction.text import TfidfVectorizer

                self._morph = TfidfVectorizer(analyzer=_identity, sublinear_tf=True)
                parts.append(self._morph.fit_transform(toks))
            else:
                parts.append(self._morph.transform(toks))
        return hstack(parts).tocsr()

    def fit(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[Span]],
        intents: Sequence[str],
        morphs: Sequence[Sequence[Morpheme]] | None = None,
    ) -> None:
        from sklearn.linear_model import LogisticRegression

        x = self._matrix(texts, spans, morphs, fit=True)
        self._clf = LogisticRegression(C=self.config.c, max_iter=3000)
        self._clf.fit(x, list(intents))

    def predict_proba(
        self,
        texts: Sequence[str],
        spans: Sequence[Sequence[Span]],
        morphs: Sequence[Sequence[Morpheme]] | None = None,
    ) -> np.ndarray:  # [N n_intents], columns in `classes` order
        if self._clf is None:
            raise RuntimeError("IntentClassifier is not trained")
        if len(texts) > 8:  # sparse matrices pay off for batches
            return np.asarray(
                self._clf.predict_proba(self._matrix(texts, spans, morphs, fit=False))
            )
        if self.config.use_morphs and morphs is None:
            morphs = analyse(texts)
        return np.stack(
            [
                self._proba_one(t, s, morphs[i] if morphs is not None else ())
                for i, (t, s) in enumerate(zip(texts, spans, strict=True))
            ]
        )

    def _proba_one(
        self, text: str, spans: Sequence[Span], morphs: Sequence[Morpheme]
    ) -> np.ndarray:  # [n_intents]
        """The same probabilities as sklearn's path for one question, without building sparse
        matrices (their fixed cost is most of a single question's latency)."""
        docs: list[tuple[Any, Any]] = [
            (self._char, delexicalise(text, spans)),
            (self._lab, label_features(spans)),
        ]
        if self.config.use_morphs:
            docs.append((self._morph, morph_tokens(text, spans, morphs)))
        cols: list[np.ndarray] = []
        vals: list[np.ndarray] = []
        offset = 0
        analyzers = getattr(self, "_analyzers", None)
        if analyzers is None:  # built once per process, never pickled
            analyzers = self._analyzers = [vec.build_analyzer() for vec, _ in docs]
        for (vec, doc), analyzer in zip(docs, analyzers, strict=True):
            idx, val = _tfidf_one(vec, analyzer, doc)
            cols.append(idx + offset)
            vals.append(val)
            offset += len(vec.vocabulary_)
        c, v = np.concatenate(cols), np.concatenate(vals)
        logits = self._clf.coef_[:, c] @ v + self._clf.intercept_  # [n_intents]
        e = np.exp(logits - logits.max())
        return np.asarray(e / e.sum())


def _tfidf_one(vec: Any, analyzer: Any, doc: Any) -> tuple[np.ndarray, np.ndarray]:
    """One document through a fitted TfidfVectorizer: (column indices, values)."""
    counts: dict[int, int] = {}
    vocab = vec.vocabulary_
    for tok in analyzer(doc):
        j = vocab.get(tok)
        if j is not None:
            counts[j] = counts.get(j, 0) + 1
    idx = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
    val = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
    if vec.sublinear_tf:
        val = 1.0 + np.log(val)
    if vec.use_idf:
        val = val * vec.idf_[idx]
    if vec.norm == "l2" and val.size:
        val = val / np.linalg.norm(val)
    return idx, val
