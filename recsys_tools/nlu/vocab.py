"""The syllable vocabulary of the neural tagger, and its extension with domain words.

The vocabulary is built from the labelled corpus, so syllables of names the corpus never
shows (홋 of 홋카이도, 얏 of 하얏트) become UNK. `extend` adds the syllables of domain words
(gazetteer names, menus) after the fact — the model's embedding table is then resized
(`BiLstmModel.resize_vocab`) and training continues, the seed's tokenizer-extension recipe.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

PAD, UNK = 0, 1


@dataclass
class SyllableVocab:
    pieces: list[str] = field(default_factory=lambda: ["<pad>", "<unk>"])

    def __post_init__(self) -> None:
        self._index = {p: i for i, p in enumerate(self.pieces)}

    @classmethod
    def build(cls, texts: Iterable[str], min_count: int = 1) -> SyllableVocab:
        counts = Counter(ch for t in texts for ch in t)
        vocab = cls()
        vocab.extend(ch for ch, n in sorted(counts.items()) if n >= min_count)
        return vocab

    def __len__(self) -> int:
        return len(self.pieces)

    @property
    def size(self) -> int:
        return len(self.pieces)

    def extend(self, words: Iterable[str]) -> list[str]:
        """Add every unknown character of `words`; returns the added pieces."""
        added: list[str] = []
        for word in words:
            for ch in word:
                if ch not in self._index:
                    self._index[ch] = len(self.pieces)
                    self.pieces.append(ch)
                    added.append(ch)
        return added

    def encode(self, text: str) -> list[int]:
        return [self._index.get(ch, UNK) for ch in text]

    def unk_rate(self, texts: Sequence[str]) -> float:
        """Share of non-space characters that map to UNK."""
        total = unk = 0
        for t in texts:
            for ch in t:
                if not ch.isspace():
                    total += 1
                    unk += ch not in self._index
        return unk / max(total, 1)

    def has_unk(self, text: str) -> bool:
        return any(ch not in self._index for ch in text if not ch.isspace())
