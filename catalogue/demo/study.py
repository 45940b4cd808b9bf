"""What a demo dataset is about (a study), and its title and description in each language."""

from __future__ import annotations

import random
from dataclasses import dataclass

from catalogue.demo.tables import (
    ACCESS_SENTENCE,
    ALLELE_SENTENCE,
    ALLELE_TITLE,
    CONTENT_SENTENCES,
    METHODS,
    POPULATIONS,
    PUBLIC_SENTENCE,
    STUDY_SENTENCE,
    TITLE,
    Method,
    Population,
)


@dataclass(frozen=True)
class Study:
    """What a dataset is about, before it is written in any language."""

    allele: bool  # an aggregated allele-frequency dataset (public) rather than a study
    method: Method
    population: Population
    individuals: int
    start: int
    end: int | None  # None: ongoing


def pick_study(rng: random.Random) -> Study:
    allele = rng.random() < 0.12
    population = rng.choice(POPULATIONS)
    method = METHODS["wgs"] if allele else METHODS[rng.choice(population.methods)]
    low, high = (1000, 40000) if allele else population.size
    individuals = round_nicely(int(log_uniform(rng, low, high)))
    start = rng.randint(2008, 2021)
    end = None if rng.random() < 0.2 else min(2024, start + rng.randint(1, 8))
    return Study(allele, method, population, individuals, start, end)


def log_uniform(rng: random.Random, low: int, high: int) -> float:
    """Log-uniform: small studies are common, huge ones rare, as in real catalogues."""
    return low * (high / low) ** rng.random()


def round_nicely(value: int) -> int:
    """Two significant digits, like the numbers people put in titles (2,300 not 2,317)."""
    if value < 100:
        return value
    digits = len(str(value)) - 2
    return round(value, -digits)


def number(value: int, lang: str) -> str:
    """Thousands separators as each language writes them."""
    text = f"{value:,}"
    if lang == "en":
        return text
    if lang in ("nl", "de", "es"):
        return text.replace(",", ".") if (lang != "es" or value >= 10000) else str(value)
    return text.replace(",", " ")


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def dataset_title(study: Study, lang: str, country: str) -> str:
    if study.allele:
        return ALLELE_TITLE[lang].format(n=number(study.individuals, lang), country=country)
    return TITLE[lang].format(
        method=capitalised(study.method.text[lang]),
        n=number(study.individuals, lang),
        pop=study.population.text[lang],
    )


def dataset_description(
    study: Study, lang: str, publisher: str, hdab: str, content: int, public: bool
) -> str:
    n = number(study.individuals, lang)
    if study.allele:
        sentences = [ALLELE_SENTENCE[lang].format(n=n, publisher=publisher)]
    else:
        end = study.end or 2025
        sentences = [
            STUDY_SENTENCE[lang].format(
                method=study.method.text[lang], n=n, pop=study.population.text[lang],
                publisher=publisher, y1=study.start, y2=end,
            ),
            CONTENT_SENTENCES[content][lang],
        ]  # fmt: skip
    sentences.append(PUBLIC_SENTENCE[lang] if public else ACCESS_SENTENCE[lang].format(hdab=hdab))
    return " ".join(sentences)


def content_sentence(rng: random.Random, study: Study) -> int:
    """Which CONTENT_SENTENCES to use: reads and variant files only come from sequencing."""
    sequencing = study.method.key in ("wgs", "wes", "panel")
    return rng.randrange(len(CONTENT_SENTENCES)) if sequencing else rng.choice((2, 3))
