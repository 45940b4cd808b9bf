"""Demo data: seeded, realistic national nodes of the 1+Million Genomes signatories.

Three users need believable DCAT-AP / HealthDCAT-AP input without network access:
``catalogue demo`` (a catalogue to click through), the benchmarks (any number of
datasets, fast) and the tests (every RDF syntax the harvester must read, plus
records that must be rejected). Everything is derived from a seed, so a given
seed always produces byte-identical files and a failing run can be replayed.

The organisations and datasets are fictional; the vocabularies are
real: EU authority tables (data themes, access rights, languages, countries,
frequencies, file types, licences), the ADMS publisher types that DCAT-AP names
for ``dct:type`` of an agent, IANA media types, ELI for legislation, DPV for
purposes and legal bases, and the HealthDCAT-AP (release 6) health categories
and health themes.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import random
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

import rdflib
from rdflib import BNode, Literal, URIRef

from catalogue.namespaces import (
    ADMS,
    DCAT,
    DCATAP,
    DCT,
    EU_AUTHORITY,
    FOAF,
    HEALTHDCATAP,
    RDF,
    SKOS,
    SPDX,
    VCARD,
    XSD,
)

# Vocabularies used here that the project-wide namespaces module does not list.
DPV = "https://w3id.org/dpv#"
ELI = "http://data.europa.eu/eli/ontology#"
DC11 = "http://purl.org/dc/elements/1.1/"  # legacy Dublin Core: a realistic mistake
ADMS_PUBLISHER_TYPE = "http://purl.org/adms/publishertype/"
IANA = "https://www.iana.org/assignments/media-types/"
# HealthDCAT-AP release 6 publishes its two health vocabularies at this provisional
# address until the Publications Office hosts them; the spec itself names these IRIs.
HEALTH_CATEGORY = "http://13.81.34.152:1101/resource/authority/healthcategories/"
HEALTH_THEME = "http://13.81.34.152:1101/resource/authority/health-theme/"

DATA_THEME = EU_AUTHORITY + "data-theme/"
ACCESS_RIGHT = EU_AUTHORITY + "access-right/"
LANGUAGE = EU_AUTHORITY + "language/"
COUNTRY = EU_AUTHORITY + "country/"
FREQUENCY = EU_AUTHORITY + "frequency/"
FILE_TYPE = EU_AUTHORITY + "file-type/"
LICENCE = EU_AUTHORITY + "licence/"
PLANNED_AVAILABILITY = EU_AUTHORITY + "planned-availability/"

EHDS = "http://data.europa.eu/eli/reg/2025/327/oj"
GDPR = "http://data.europa.eu/eli/reg/2016/679/oj"
DGA = "http://data.europa.eu/eli/reg/2022/868/oj"


@dataclass(frozen=True)
class DemoNode:
    """What was written for one node; ``invalid`` is how many records the validator should reject."""

    name: str  # "be", "nl", ...
    title: str  # "Belgian node (demo)"
    country: str  # "BE"
    path: Path  # the written file
    datasets: int  # datasets written
    invalid: int  # how many of them are deliberately invalid under DCAT-AP 3


@dataclass(frozen=True)
class NodeSpec:
    """A national node: who it is, which languages it writes, which RDF syntax it serves."""

    name: str
    title: str
    country: str  # ISO 3166-1 alpha-2, as in the config's ``country``
    languages: tuple[str, ...]  # ISO 639-1, main language first
    syntax: str  # a key of _EXTENSIONS


# One node per syntax the harvester must read; LU repeats RDF/XML, still the most
# common syntax of real DCAT-AP endpoints (CKAN, piveau).
NODES: tuple[NodeSpec, ...] = (
    NodeSpec("be", "Belgian node (demo)", "BE", ("nl", "fr", "en"), "turtle"),
    NodeSpec("nl", "Dutch node (demo)", "NL", ("nl", "en"), "rdfxml"),
    NodeSpec("fi", "Finnish node (demo)", "FI", ("fi", "sv", "en"), "jsonld"),
    NodeSpec("se", "Swedish node (demo)", "SE", ("sv", "en"), "ntriples"),
    NodeSpec("es", "Spanish node (demo)", "ES", ("es", "en"), "trig"),
    NodeSpec("pt", "Portuguese node (demo)", "PT", ("pt", "en"), "turtle-gz"),
    NodeSpec("lu", "Luxembourg node (demo)", "LU", ("fr", "de", "en"), "rdfxml"),
)

# syntax key -> file extension. rdflib writes the Turtle (also the body of the TriG),
# N-Triples and JSON-LD; _rdf_xml writes RDF/XML, as rdflib's order there follows the
# hash seed. See _serialize.
_EXTENSIONS = {
    "turtle": ".ttl",
    "turtle-gz": ".ttl.gz",
    "rdfxml": ".rdf",
    "jsonld": ".jsonld",
    "ntriples": ".nt",
    "trig": ".trig",
}

_LANGUAGE_CODES = {
    "en": "ENG", "nl": "NLD", "fr": "FRA", "de": "DEU",
    "fi": "FIN", "sv": "SWE", "es": "SPA", "pt": "POR",
}  # fmt: skip
_COUNTRY_CODES = {"BE": "BEL", "NL": "NLD", "FI": "FIN", "SE": "SWE", "ES": "ESP", "PT": "PRT", "LU": "LUX"}

# EU data themes with their English labels (the skos:prefLabel DCAT-AP asks of a theme).
_THEME_LABELS = {
    "HEAL": "Health",
    "TECH": "Science and technology",
    "SOCI": "Population and society",
    "EDUC": "Education, culture and sport",
    "GOVE": "Government and public sector",
}
_PUBLISHER_TYPE_LABELS = {
    "NationalAuthority": "National authority",
    "RegionalAuthority": "Regional authority",
    "NonProfitOrganisation": "Non-profit organisation",
    "Academia-ScientificOrganisation": "Academia/Scientific organisation",
}
# EU file type -> IANA media type
_FORMATS = {
    "CSV": "text/csv",
    "TSV": "text/tab-separated-values",
    "JSON": "application/json",
    "XML": "application/xml",
    "PDF": "application/pdf",
    "ZIP": "application/zip",
    "GZIP": "application/gzip",
    "RDF_TURTLE": "text/turtle",
    "HTML": "text/html",
}

# --------------------------------------------------------------------------------------
# Text pieces. Titles and descriptions are assembled from these so that they read like
# real genomic dataset descriptions in each node's languages.

_GENOMICS = {
    "en": "genomics", "nl": "genomica", "fr": "génomique", "de": "Genomik",
    "fi": "genomiikka", "sv": "genomik", "es": "genómica", "pt": "genómica",
}  # fmt: skip


@dataclass(frozen=True)
class _Method:
    key: str
    text: dict[str, str]  # as used inside a sentence
    categories: tuple[str, ...]  # HealthDCAT-AP health categories


@dataclass(frozen=True)
class _Population:
    key: str
    text: dict[str, str]  # the form that follows a number ("2,300 <text>")
    keywords: dict[str, tuple[str, ...]]
    themes: tuple[str, ...]  # HealthDCAT-AP health themes
    categories: tuple[str, ...]
    ages: tuple[int, int]
    size: tuple[int, int]
    methods: tuple[str, ...]
    data_themes: tuple[str, ...]  # EU data themes besides HEAL


_METHODS = {
    m.key: m
    for m in (
        _Method(
            "wgs",
            {
                "en": "whole-genome sequencing", "nl": "volledige-genoomsequencing",
                "fr": "séquençage du génome entier", "de": "Gesamtgenomsequenzierung",
                "fi": "koko genomin sekvensointi", "sv": "helgenomsekvensering",
                "es": "secuenciación del genoma completo", "pt": "sequenciação do genoma completo",
            },
            ("HGPD",),
        ),
        _Method(
            "wes",
            {
                "en": "whole-exome sequencing", "nl": "exoomsequencing", "fr": "séquençage de l'exome",
                "de": "Exomsequenzierung", "fi": "eksomisekvensointi", "sv": "exomsekvensering",
                "es": "secuenciación del exoma", "pt": "sequenciação do exoma",
            },
            ("HGPD",),
        ),
        _Method(
            "array",
            {
                "en": "genome-wide genotyping", "nl": "genoombrede genotypering",
                "fr": "génotypage pangénomique", "de": "genomweite Genotypisierung",
                "fi": "genominlaajuinen genotyypitys", "sv": "genomomfattande genotypning",
                "es": "genotipado de genoma completo", "pt": "genotipagem de todo o genoma",
            },
            ("HGPD",),
        ),
        _Method(
            "panel",
            {
                "en": "targeted gene-panel sequencing", "nl": "genpanelsequencing",
                "fr": "séquençage ciblé par panel de gènes", "de": "Genpanel-Sequenzierung",
                "fi": "geenipaneelisekvensointi", "sv": "genpanelsekvensering",
                "es": "secuenciación dirigida con panel de genes",
                "pt": "sequenciação dirigida por painel de genes",
            },
            ("HGPD",),
        ),
        _Method(
            "rnaseq",
            {
                "en": "RNA sequencing", "nl": "RNA-sequencing", "fr": "séquençage de l'ARN",
                "de": "RNA-Sequenzierung", "fi": "RNA-sekvensointi", "sv": "RNA-sekvensering",
                "es": "secuenciación de ARN", "pt": "sequenciação de ARN",
            },
            ("HPML",),
        ),
        _Method(
            "methyl",
            {
                "en": "DNA methylation profiling", "nl": "DNA-methylatieprofilering",
                "fr": "profilage de la méthylation de l'ADN", "de": "DNA-Methylierungsanalyse",
                "fi": "DNA:n metylaatioprofilointi", "sv": "DNA-metyleringsprofilering",
                "es": "perfilado de metilación del ADN", "pt": "perfil de metilação do ADN",
            },
            ("HGPD", "HPML"),
        ),
        _Method(
            "pgx",
            {
                "en": "pharmacogenomic genotyping", "nl": "farmacogenomische genotypering",
                "fr": "génotypage pharmacogénomique", "de": "pharmakogenomische Genotypisierung",
                "fi": "farmakogenominen genotyypitys", "sv": "farmakogenomisk genotypning",
                "es": "genotipado farmacogenómico", "pt": "genotipagem farmacogenómica",
            },
            ("HGPD",),
        ),
    )
}  # fmt: skip

_POPULATIONS = (
    _Population(
        "rare",
        {
            "en": "patients with rare diseases", "nl": "patiënten met zeldzame ziekten",
            "fr": "patients atteints de maladies rares", "de": "Patienten mit seltenen Erkrankungen",
            "fi": "harvinaisia sairauksia sairastavaa potilasta", "sv": "patienter med sällsynta sjukdomar",
            "es": "pacientes con enfermedades raras", "pt": "doentes com doenças raras",
        },
        {
            "en": ("rare diseases", "diagnostics"), "nl": ("zeldzame ziekten", "diagnostiek"),
            "fr": ("maladies rares", "diagnostic"), "de": ("seltene Erkrankungen", "Diagnostik"),
            "fi": ("harvinaiset sairaudet", "diagnostiikka"), "sv": ("sällsynta sjukdomar", "diagnostik"),
            "es": ("enfermedades raras", "diagnóstico"), "pt": ("doenças raras", "diagnóstico"),
        },
        ("NONCOMMUNICABLE_DISEASES",), ("EHRS",), (0, 90), (300, 6000), ("wgs", "wes", "panel"), ("TECH",),
    ),
    _Population(
        "breast",
        {
            "en": "women with hereditary breast cancer", "nl": "vrouwen met erfelijke borstkanker",
            "fr": "femmes atteintes d'un cancer du sein héréditaire", "de": "Frauen mit erblichem Brustkrebs",
            "fi": "perinnöllistä rintasyöpää sairastavaa naista", "sv": "kvinnor med ärftlig bröstcancer",
            "es": "mujeres con cáncer de mama hereditario", "pt": "mulheres com cancro da mama hereditário",
        },
        {
            "en": ("breast cancer", "BRCA1", "BRCA2"), "nl": ("borstkanker", "BRCA1", "BRCA2"),
            "fr": ("cancer du sein", "BRCA1", "BRCA2"), "de": ("Brustkrebs", "BRCA1", "BRCA2"),
            "fi": ("rintasyöpä", "BRCA1", "BRCA2"), "sv": ("bröstcancer", "BRCA1", "BRCA2"),
            "es": ("cáncer de mama", "BRCA1", "BRCA2"), "pt": ("cancro da mama", "BRCA1", "BRCA2"),
        },
        ("CANCER_DISEASE",), ("MRMR",), (18, 85), (200, 4000), ("panel", "wes", "wgs"), (),
    ),
    _Population(
        "colorectal",
        {
            "en": "colorectal tumour samples", "nl": "colorectale tumormonsters",
            "fr": "échantillons de tumeurs colorectales", "de": "kolorektale Tumorproben",
            "fi": "paksusuolen kasvainnäytettä", "sv": "kolorektala tumörprover",
            "es": "muestras de tumores colorrectales", "pt": "amostras de tumores colorretais",
        },
        {
            "en": ("colorectal cancer", "oncology"), "nl": ("darmkanker", "oncologie"),
            "fr": ("cancer colorectal", "oncologie"), "de": ("Darmkrebs", "Onkologie"),
            "fi": ("paksusuolen syöpä", "onkologia"), "sv": ("tjocktarmscancer", "onkologi"),
            "es": ("cáncer colorrectal", "oncología"), "pt": ("cancro colorretal", "oncologia"),
        },
        ("CANCER_DISEASE",), ("MRMR", "EINS"), (30, 90), (100, 3000), ("wgs", "wes", "rnaseq"), ("TECH",),
    ),
    _Population(
        "cardio",
        {
            "en": "patients with inherited cardiomyopathy", "nl": "patiënten met erfelijke cardiomyopathie",
            "fr": "patients atteints de cardiomyopathie héréditaire",
            "de": "Patienten mit erblicher Kardiomyopathie",
            "fi": "perinnöllistä kardiomyopatiaa sairastavaa potilasta",
            "sv": "patienter med ärftlig kardiomyopati", "es": "pacientes con miocardiopatía hereditaria",
            "pt": "doentes com cardiomiopatia hereditária",
        },
        {
            "en": ("cardiomyopathy", "cardiovascular disease"), "nl": ("cardiomyopathie", "hart- en vaatziekten"),
            "fr": ("cardiomyopathie", "maladies cardiovasculaires"),
            "de": ("Kardiomyopathie", "Herz-Kreislauf-Erkrankungen"),
            "fi": ("kardiomyopatia", "sydän- ja verisuonitaudit"), "sv": ("kardiomyopati", "hjärt-kärlsjukdom"),
            "es": ("miocardiopatía", "enfermedad cardiovascular"), "pt": ("cardiomiopatia", "doença cardiovascular"),
        },
        ("NONCOMMUNICABLE_DISEASES",), ("EHRS",), (5, 80), (150, 2500), ("wes", "panel", "wgs"), (),
    ),
    _Population(
        "fh",
        {
            "en": "individuals with familial hypercholesterolaemia",
            "nl": "personen met familiaire hypercholesterolemie",
            "fr": "personnes atteintes d'hypercholestérolémie familiale",
            "de": "Personen mit familiärer Hypercholesterinämie",
            "fi": "familiaalista hyperkolesterolemiaa sairastavaa henkilöä",
            "sv": "personer med familjär hyperkolesterolemi", "es": "personas con hipercolesterolemia familiar",
            "pt": "pessoas com hipercolesterolemia familiar",
        },
        {
            "en": ("familial hypercholesterolaemia", "cascade screening"),
            "nl": ("familiaire hypercholesterolemie", "cascadescreening"),
            "fr": ("hypercholestérolémie familiale", "dépistage en cascade"),
            "de": ("familiäre Hypercholesterinämie", "Kaskadenscreening"),
            "fi": ("familiaalinen hyperkolesterolemia", "kaskadiseulonta"),
            "sv": ("familjär hyperkolesterolemi", "kaskadscreening"),
            "es": ("hipercolesterolemia familiar", "cribado en cascada"),
            "pt": ("hipercolesterolemia familiar", "rastreio em cascata"),
        },
        ("NONCOMMUNICABLE_DISEASES",), ("EHRS",), (2, 85), (200, 5000), ("panel", "array"), (),
    ),
    _Population(
        "covid",
        {
            "en": "hospitalised COVID-19 patients", "nl": "gehospitaliseerde COVID-19-patiënten",
            "fr": "patients hospitalisés pour la COVID-19", "de": "hospitalisierte COVID-19-Patienten",
            "fi": "sairaalahoidossa ollutta COVID-19-potilasta", "sv": "sjukhusvårdade covid-19-patienter",
            "es": "pacientes hospitalizados por COVID-19", "pt": "doentes hospitalizados com COVID-19",
        },
        {
            "en": ("COVID-19", "host genetics"), "nl": ("COVID-19", "gastheergenetica"),
            "fr": ("COVID-19", "génétique de l'hôte"), "de": ("COVID-19", "Wirtsgenetik"),
            "fi": ("COVID-19", "isäntägenetiikka"), "sv": ("covid-19", "värdgenetik"),
            "es": ("COVID-19", "genética del huésped"), "pt": ("COVID-19", "genética do hospedeiro"),
        },
        ("RESPIRATORY_DISEASES",), ("EHRS",), (18, 95), (500, 8000), ("array", "wgs"), ("SOCI",),
    ),
    _Population(
        "newborn",
        {
            "en": "newborns screened for inherited disorders",
            "nl": "pasgeborenen gescreend op erfelijke aandoeningen",
            "fr": "nouveau-nés dépistés pour des maladies héréditaires",
            "de": "auf Erbkrankheiten gescreente Neugeborene",
            "fi": "perinnöllisten sairauksien varalta seulottua vastasyntynyttä",
            "sv": "nyfödda screenade för ärftliga sjukdomar",
            "es": "recién nacidos cribados para enfermedades hereditarias",
            "pt": "recém-nascidos rastreados para doenças hereditárias",
        },
        {
            "en": ("newborn screening", "paediatrics"), "nl": ("neonatale screening", "kindergeneeskunde"),
            "fr": ("dépistage néonatal", "pédiatrie"), "de": ("Neugeborenenscreening", "Pädiatrie"),
            "fi": ("vastasyntyneiden seulonta", "lastentaudit"), "sv": ("nyföddhetsscreening", "pediatrik"),
            "es": ("cribado neonatal", "pediatría"), "pt": ("rastreio neonatal", "pediatria"),
        },
        ("LIFECOURSE_HEALTH",), ("PHDR",), (0, 0), (2000, 120000), ("panel", "wgs"), ("GOVE",),
    ),
    _Population(
        "biobank",
        {
            "en": "biobank participants", "nl": "biobankdeelnemers", "fr": "participants à la biobanque",
            "de": "Biobank-Teilnehmende", "fi": "biopankin osallistujaa", "sv": "biobanksdeltagare",
            "es": "participantes del biobanco", "pt": "participantes do biobanco",
        },
        {
            "en": ("biobank", "population genetics"), "nl": ("biobank", "populatiegenetica"),
            "fr": ("biobanque", "génétique des populations"), "de": ("Biobank", "Populationsgenetik"),
            "fi": ("biopankki", "populaatiogenetiikka"), "sv": ("biobank", "populationsgenetik"),
            "es": ("biobanco", "genética de poblaciones"), "pt": ("biobanco", "genética populacional"),
        },
        ("NONCOMMUNICABLE_DISEASES",), ("EINS",), (18, 99), (5000, 150000), ("array", "wgs"), ("SOCI", "TECH"),
    ),
    _Population(
        "cohort",
        {
            "en": "adults from a population-based cohort", "nl": "volwassenen uit een populatiecohort",
            "fr": "adultes d'une cohorte en population générale",
            "de": "Erwachsene aus einer bevölkerungsbasierten Kohorte",
            "fi": "aikuista väestöpohjaisesta kohortista", "sv": "vuxna från en befolkningsbaserad kohort",
            "es": "adultos de una cohorte poblacional", "pt": "adultos de uma coorte populacional",
        },
        {
            "en": ("population cohort", "ageing"), "nl": ("populatiecohort", "veroudering"),
            "fr": ("cohorte populationnelle", "vieillissement"), "de": ("Bevölkerungskohorte", "Altern"),
            "fi": ("väestökohortti", "ikääntyminen"), "sv": ("befolkningskohort", "åldrande"),
            "es": ("cohorte poblacional", "envejecimiento"), "pt": ("coorte populacional", "envelhecimento"),
        },
        ("NONCOMMUNICABLE_DISEASES",), ("RQSH",), (25, 75), (2000, 60000), ("array", "wgs", "methyl"),
        ("SOCI", "EDUC"),
    ),
    _Population(
        "anticoag",
        {
            "en": "patients treated with oral anticoagulants",
            "nl": "patiënten behandeld met orale anticoagulantia",
            "fr": "patients traités par anticoagulants oraux",
            "de": "mit oralen Antikoagulanzien behandelte Patienten",
            "fi": "suun kautta otettavilla antikoagulanteilla hoidettua potilasta",
            "sv": "patienter behandlade med orala antikoagulantia",
            "es": "pacientes tratados con anticoagulantes orales",
            "pt": "doentes tratados com anticoagulantes orais",
        },
        {
            "en": ("pharmacogenomics", "warfarin", "CYP2C9"), "nl": ("farmacogenomica", "warfarine", "CYP2C9"),
            "fr": ("pharmacogénomique", "warfarine", "CYP2C9"), "de": ("Pharmakogenomik", "Warfarin", "CYP2C9"),
            "fi": ("farmakogenomiikka", "varfariini", "CYP2C9"), "sv": ("farmakogenomik", "warfarin", "CYP2C9"),
            "es": ("farmacogenómica", "warfarina", "CYP2C9"), "pt": ("farmacogenómica", "varfarina", "CYP2C9"),
        },
        ("HEALTH_PRODUCTS",), ("HRAD",), (18, 95), (500, 20000), ("pgx",), ("TECH",),
    ),
    _Population(
        "t2d",
        {
            "en": "people with type 2 diabetes", "nl": "mensen met diabetes type 2",
            "fr": "personnes atteintes de diabète de type 2", "de": "Menschen mit Typ-2-Diabetes",
            "fi": "tyypin 2 diabetesta sairastavaa henkilöä", "sv": "personer med typ 2-diabetes",
            "es": "personas con diabetes tipo 2", "pt": "pessoas com diabetes tipo 2",
        },
        {
            "en": ("type 2 diabetes", "metabolism"), "nl": ("diabetes type 2", "metabolisme"),
            "fr": ("diabète de type 2", "métabolisme"), "de": ("Typ-2-Diabetes", "Stoffwechsel"),
            "fi": ("tyypin 2 diabetes", "aineenvaihdunta"), "sv": ("typ 2-diabetes", "metabolism"),
            "es": ("diabetes tipo 2", "metabolismo"), "pt": ("diabetes tipo 2", "metabolismo"),
        },
        ("NONCOMMUNICABLE_DISEASES",), ("EHRS", "RQSH"), (30, 85), (1000, 30000), ("array", "methyl"), (),
    ),
    _Population(
        "leukaemia",
        {
            "en": "children with acute lymphoblastic leukaemia", "nl": "kinderen met acute lymfatische leukemie",
            "fr": "enfants atteints de leucémie aiguë lymphoblastique",
            "de": "Kinder mit akuter lymphatischer Leukämie",
            "fi": "akuuttia lymfaattista leukemiaa sairastavaa lasta", "sv": "barn med akut lymfatisk leukemi",
            "es": "niños con leucemia linfoblástica aguda", "pt": "crianças com leucemia linfoblástica aguda",
        },
        {
            "en": ("childhood leukaemia", "oncology"), "nl": ("kinderleukemie", "oncologie"),
            "fr": ("leucémie de l'enfant", "oncologie"), "de": ("Leukämie im Kindesalter", "Onkologie"),
            "fi": ("lapsuusiän leukemia", "onkologia"), "sv": ("barnleukemi", "onkologi"),
            "es": ("leucemia infantil", "oncología"), "pt": ("leucemia infantil", "oncologia"),
        },
        ("CANCER_DISEASE", "LIFECOURSE_HEALTH"), ("MRMR",), (0, 17), (100, 1500), ("wgs", "rnaseq", "wes"), (),
    ),
)  # fmt: skip

_ALLELE_KEYWORDS = {
    "en": ("allele frequencies", "reference panel"), "nl": ("allelfrequenties", "referentiepanel"),
    "fr": ("fréquences alléliques", "panel de référence"), "de": ("Allelfrequenzen", "Referenzpanel"),
    "fi": ("alleelifrekvenssit", "referenssipaneeli"), "sv": ("allelfrekvenser", "referenspanel"),
    "es": ("frecuencias alélicas", "panel de referencia"), "pt": ("frequências alélicas", "painel de referência"),
}  # fmt: skip

_TITLE = {
    "en": "{method} of {n} {pop}", "nl": "{method} van {n} {pop}", "fr": "{method} de {n} {pop}",
    "de": "{method} für {n} {pop}", "fi": "{method}: {n} {pop}", "sv": "{method} av {n} {pop}",
    "es": "{method} de {n} {pop}", "pt": "{method} de {n} {pop}",
}  # fmt: skip
_ALLELE_TITLE = {
    "en": "Aggregated allele frequencies from {n} genomes ({country})",
    "nl": "Geaggregeerde allelfrequenties van {n} genomen ({country})",
    "fr": "Fréquences alléliques agrégées de {n} génomes ({country})",
    "de": "Aggregierte Allelfrequenzen aus {n} Genomen ({country})",
    "fi": "Koostetut alleelifrekvenssit: {n} genomia ({country})",
    "sv": "Aggregerade allelfrekvenser från {n} genom ({country})",
    "es": "Frecuencias alélicas agregadas de {n} genomas ({country})",
    "pt": "Frequências alélicas agregadas de {n} genomas ({country})",
}
_STUDY_SENTENCE = {
    "en": "This dataset contains {method} data for {n} {pop}, generated by {publisher} between {y1} and {y2}.",
    "nl": "Dataset met {method} van {n} {pop}, uitgevoerd door {publisher} tussen {y1} en {y2}.",
    "fr": "Ce jeu de données contient des données de {method} pour {n} {pop}, "
    "produites par {publisher} entre {y1} et {y2}.",
    "de": "Dieser Datensatz umfasst {method} für {n} {pop}, durchgeführt von {publisher} von {y1} bis {y2}.",
    "fi": "Aineisto: {method}, {n} {pop}. Tuottaja: {publisher}, {y1}–{y2}.",
    "sv": "Datamängden innehåller data från {method} av {n} {pop}, "
    "framtagna av {publisher} mellan {y1} och {y2}.",
    "es": "Este conjunto de datos contiene datos de {method} de {n} {pop}, "
    "generados por {publisher} entre {y1} y {y2}.",
    "pt": "Este conjunto de dados contém dados de {method} de {n} {pop}, "
    "produzidos por {publisher} entre {y1} e {y2}.",
}
_ALLELE_SENTENCE = {
    "en": "Allele frequencies aggregated from {n} genomes sequenced by {publisher}, stratified by sex and region.",
    "nl": "Allelfrequenties geaggregeerd uit {n} genomen, gesequenced door {publisher}, "
    "uitgesplitst naar geslacht en regio.",
    "fr": "Fréquences alléliques agrégées à partir de {n} génomes séquencés par {publisher}, "
    "ventilées par sexe et par région.",
    "de": "Allelfrequenzen, aggregiert aus {n} von {publisher} sequenzierten Genomen, "
    "nach Geschlecht und Region aufgeschlüsselt.",
    "fi": "Alleelifrekvenssit koottuna {n} genomista, jotka {publisher} on sekvensoinut; "
    "eriteltynä sukupuolen ja alueen mukaan.",
    "sv": "Allelfrekvenser aggregerade från {n} genom sekvenserade av {publisher}, uppdelade efter kön och region.",
    "es": "Frecuencias alélicas agregadas de {n} genomas secuenciados por {publisher}, desglosadas por sexo y región.",
    "pt": "Frequências alélicas agregadas de {n} genomas sequenciados por {publisher}, "
    "desagregadas por sexo e região.",
}
# The first two mention reads and variant files, so only sequencing datasets use them.
_CONTENT_SENTENCES = (
    {
        "en": "It includes variant calls (VCF), pseudonymised clinical phenotypes coded with HPO and a data dictionary.",
        "nl": "Bevat variantcalls (VCF), gepseudonimiseerde klinische fenotypes gecodeerd met HPO "
        "en een datadictionary.",
        "fr": "Il comprend les appels de variants (VCF), des phénotypes cliniques pseudonymisés codés en HPO "
        "et un dictionnaire de données.",
        "de": "Enthalten sind Variantenaufrufe (VCF), pseudonymisierte klinische Phänotypen in HPO-Kodierung "
        "und ein Datenwörterbuch.",
        "fi": "Sisältää varianttitiedot (VCF), pseudonymisoidut kliiniset fenotyypit HPO-koodattuina "
        "sekä tietosanakirjan.",
        "sv": "Innehåller variantanrop (VCF), pseudonymiserade kliniska fenotyper kodade med HPO och en dataordlista.",
        "es": "Incluye llamadas de variantes (VCF), fenotipos clínicos seudonimizados codificados con HPO "
        "y un diccionario de datos.",
        "pt": "Inclui chamadas de variantes (VCF), fenótipos clínicos pseudonimizados codificados em HPO "
        "e um dicionário de dados.",
    },
    {
        "en": "Aligned reads (CRAM) and joint-called variants are available for approved projects.",
        "nl": "Gealigneerde reads (CRAM) en gezamenlijk gecallde varianten zijn beschikbaar "
        "voor goedgekeurde projecten.",
        "fr": "Les lectures alignées (CRAM) et les variants appelés conjointement sont disponibles "
        "pour les projets approuvés.",
        "de": "Alignierte Reads (CRAM) und gemeinsam aufgerufene Varianten stehen genehmigten Projekten "
        "zur Verfügung.",
        "fi": "Kohdistetut lukemat (CRAM) ja yhteiskutsutut variantit ovat hyväksyttyjen hankkeiden käytettävissä.",
        "sv": "Alignerade läsningar (CRAM) och gemensamt anropade varianter finns tillgängliga för godkända projekt.",
        "es": "Las lecturas alineadas (CRAM) y las variantes con llamada conjunta están disponibles "
        "para proyectos aprobados.",
        "pt": "As leituras alinhadas (CRAM) e as variantes com chamada conjunta estão disponíveis "
        "para projetos aprovados.",
    },
    {
        "en": "Linked data include diagnoses (ICD-10), medication (ATC) and laboratory results from the hospital record.",
        "nl": "Gekoppelde gegevens omvatten diagnoses (ICD-10), medicatie (ATC) en laboratoriumuitslagen "
        "uit het ziekenhuisdossier.",
        "fr": "Les données liées comprennent les diagnostics (CIM-10), les médicaments (ATC) "
        "et les résultats de laboratoire du dossier hospitalier.",
        "de": "Verknüpfte Daten umfassen Diagnosen (ICD-10), Medikation (ATC) und Laborwerte aus der Krankenakte.",
        "fi": "Linkitetyt tiedot sisältävät diagnoosit (ICD-10), lääkitykset (ATC) ja laboratoriotulokset "
        "sairauskertomuksesta.",
        "sv": "Länkade data omfattar diagnoser (ICD-10), läkemedel (ATC) och laboratorieresultat från journalen.",
        "es": "Los datos vinculados incluyen diagnósticos (CIE-10), medicación (ATC) y resultados de laboratorio "
        "de la historia clínica.",
        "pt": "Os dados ligados incluem diagnósticos (CID-10), medicação (ATC) e resultados laboratoriais "
        "do processo clínico.",
    },
    {
        "en": "Samples were processed with a harmonised pipeline on GRCh38 following the 1+MG quality guidelines.",
        "nl": "Monsters zijn verwerkt met een geharmoniseerde pijplijn op GRCh38 volgens de 1+MG-kwaliteitsrichtlijnen.",
        "fr": "Les échantillons ont été traités avec un pipeline harmonisé sur GRCh38 "
        "selon les lignes directrices qualité 1+MG.",
        "de": "Die Proben wurden mit einer harmonisierten Pipeline auf GRCh38 gemäß den 1+MG-Qualitätsleitlinien "
        "verarbeitet.",
        "fi": "Näytteet käsiteltiin yhtenäistetyllä putkella GRCh38-referenssiin 1+MG-laatuohjeiden mukaisesti.",
        "sv": "Proverna bearbetades med en harmoniserad pipeline mot GRCh38 enligt 1+MG:s kvalitetsriktlinjer.",
        "es": "Las muestras se procesaron con un flujo armonizado sobre GRCh38 según las directrices de calidad "
        "de 1+MG.",
        "pt": "As amostras foram processadas com um fluxo harmonizado sobre GRCh38 segundo as orientações "
        "de qualidade do 1+MG.",
    },
)
_ACCESS_SENTENCE = {
    "en": "Access for scientific research is granted by {hdab} after approval of a data permit.",
    "nl": "Toegang voor wetenschappelijk onderzoek wordt verleend door {hdab} na goedkeuring van een datavergunning.",
    "fr": "L'accès pour la recherche scientifique est accordé par {hdab} après approbation "
    "d'une autorisation de données.",
    "de": "Der Zugang für wissenschaftliche Forschung wird von {hdab} nach Erteilung einer Datengenehmigung gewährt.",
    "fi": "Tutkimuskäyttöön pääsyn myöntää {hdab} hyväksytyn käyttöluvan perusteella.",
    "sv": "Åtkomst för vetenskaplig forskning beviljas av {hdab} efter godkänt datatillstånd.",
    "es": "El acceso para investigación científica lo concede {hdab} tras la aprobación de un permiso de datos.",
    "pt": "O acesso para investigação científica é concedido por {hdab} após aprovação de uma autorização de dados.",
}
_PUBLIC_SENTENCE = {
    "en": "The aggregated data contain no personal data and may be reused freely.",
    "nl": "De geaggregeerde gegevens bevatten geen persoonsgegevens en mogen vrij worden hergebruikt.",
    "fr": "Les données agrégées ne contiennent aucune donnée personnelle et sont librement réutilisables.",
    "de": "Die aggregierten Daten enthalten keine personenbezogenen Daten und dürfen frei weiterverwendet werden.",
    "fi": "Koostetut tiedot eivät sisällä henkilötietoja, ja niitä saa käyttää vapaasti.",
    "sv": "De aggregerade uppgifterna innehåller inga personuppgifter och får återanvändas fritt.",
    "es": "Los datos agregados no contienen datos personales y pueden reutilizarse libremente.",
    "pt": "Os dados agregados não contêm dados pessoais e podem ser reutilizados livremente.",
}
_DISTRIBUTION_TITLES = {
    "variants": {
        "en": "Variant calls (VCF, bgzip-compressed), on request", "nl": "Variantcalls (VCF, gecomprimeerd), op aanvraag",
        "fr": "Appels de variants (VCF compressé), sur demande", "de": "Variantenaufrufe (VCF, komprimiert), auf Anfrage",
        "fi": "Varianttitiedot (VCF, pakattu), pyynnöstä", "sv": "Variantanrop (VCF, komprimerad), på begäran",
        "es": "Llamadas de variantes (VCF comprimido), bajo solicitud", "pt": "Chamadas de variantes (VCF comprimido), a pedido",
    },
    "request": {
        "en": "Data access request", "nl": "Aanvraag tot toegang", "fr": "Demande d'accès aux données",
        "de": "Datenzugangsantrag", "fi": "Käyttölupahakemus", "sv": "Ansökan om dataåtkomst",
        "es": "Solicitud de acceso a los datos", "pt": "Pedido de acesso aos dados",
    },
    "dictionary": {
        "en": "Data dictionary", "nl": "Datadictionary", "fr": "Dictionnaire de données", "de": "Datenwörterbuch",
        "fi": "Tietosanakirja", "sv": "Dataordlista", "es": "Diccionario de datos", "pt": "Dicionário de dados",
    },
    "summary": {
        "en": "Summary statistics", "nl": "Samenvattende statistieken", "fr": "Statistiques descriptives",
        "de": "Zusammenfassende Statistiken", "fi": "Yhteenvetotilastot", "sv": "Sammanfattande statistik",
        "es": "Estadísticas resumidas", "pt": "Estatísticas resumidas",
    },
    "frequencies": {
        "en": "Allele frequency table", "nl": "Tabel met allelfrequenties", "fr": "Table des fréquences alléliques",
        "de": "Allelfrequenztabelle", "fi": "Alleelifrekvenssitaulukko", "sv": "Tabell över allelfrekvenser",
        "es": "Tabla de frecuencias alélicas", "pt": "Tabela de frequências alélicas",
    },
}  # fmt: skip

# --------------------------------------------------------------------------------------
# The nodes' own organisations (fictional) and catalogue texts.


@dataclass(frozen=True)
class _Agent:
    key: str
    name: str
    publisher_type: str  # local name in the ADMS publisher-type vocabulary
    shared: bool  # an IRI described once and reused; else a blank node per use


@dataclass(frozen=True)
class _NodeDetails:
    domain: str
    uuid_iris: bool  # dataset IRIs end in a UUID rather than a slug
    blank_distributions: bool
    use_datetimes: bool  # dct:issued / dct:modified as xsd:dateTime rather than xsd:date
    country_names: dict[str, str]
    catalog_titles: dict[str, str]
    catalog_descriptions: dict[str, str]
    identifier_prefix: str
    agents: tuple[_Agent, ...]  # the first one publishes the catalogue
    hdab: str


_DETAILS = {
    "be": _NodeDetails(
        "demo-be.catalogue.example", False, False, False,
        {"nl": "België", "fr": "Belgique", "en": "Belgium"},
        {
            "nl": "Belgische catalogus van genomische gegevens (demo)",
            "fr": "Catalogue belge de données génomiques (démo)",
            "en": "Belgian genomic data catalogue (demo)",
        },
        {
            "nl": "Nationaal knooppunt van België voor het 1+Million Genomes-initiatief. Fictieve demogegevens.",
            "fr": "Nœud national belge de l'initiative 1+Million Genomes. Données de démonstration fictives.",
            "en": "Belgian national node of the 1+Million Genomes initiative. Fictional demo data.",
        },
        "BE-GEN",
        (
            _Agent("bigg", "Belgisch Instituut voor Genoomgeneeskunde", "NationalAuthority", True),
            _Agent("uz-scheldeland", "Universitair Ziekenhuis Scheldeland", "NonProfitOrganisation", True),
            _Agent("univ-brabant", "Université du Brabant – Institut de génétique humaine",
                   "Academia-ScientificOrganisation", True),
            _Agent("chu-meuse-sambre", "Centre hospitalier universitaire Meuse-Sambre", "NonProfitOrganisation", False),
            _Agent("biobank-kempen", "Biobank Kempen", "NonProfitOrganisation", False),
        ),
        "Belgian Health Data Access Body (demo)",
    ),
    "nl": _NodeDetails(
        "demo-nl.catalogue.example", True, False, True,
        {"nl": "Nederland", "en": "the Netherlands"},
        {"nl": "Nederlandse catalogus van genomische gegevens (demo)", "en": "Dutch genomic data catalogue (demo)"},
        {
            "nl": "Nationaal knooppunt van Nederland voor het 1+Million Genomes-initiatief. Fictieve demogegevens.",
            "en": "Dutch national node of the 1+Million Genomes initiative. Fictional demo data.",
        },
        "NL-GDI",
        (
            _Agent("rigg", "Rijksinstituut voor Genoomgeneeskunde", "NationalAuthority", True),
            _Agent("umc-delta", "Universitair Medisch Centrum Delta", "NonProfitOrganisation", True),
            _Agent("uni-randstad", "Universiteit van de Randstad, afdeling Genetica",
                   "Academia-ScientificOrganisation", True),
            _Agent("zh-veluwe-oost", "Ziekenhuis Veluwe-Oost", "NonProfitOrganisation", False),
            _Agent("biobank-noord", "Biobank Noord-Nederland", "NonProfitOrganisation", False),
        ),
        "Dutch Health Data Access Body (demo)",
    ),
    "fi": _NodeDetails(
        "demo-fi.catalogue.example", True, False, True,
        {"fi": "Suomi", "sv": "Finland", "en": "Finland"},
        {
            "fi": "Suomen genomitietoluettelo (demo)",
            "sv": "Finlands katalog över genomiska data (demo)",
            "en": "Finnish genomic data catalogue (demo)",
        },
        {
            "fi": "Suomen kansallinen solmu 1+Million Genomes -aloitteessa. Kuvitteellista esittelyaineistoa.",
            "sv": "Finlands nationella nod i initiativet 1+Million Genomes. Fiktiva demodata.",
            "en": "Finnish national node of the 1+Million Genomes initiative. Fictional demo data.",
        },
        "FI-GEN",
        (
            _Agent("sgi", "Suomen genomiikkainstituutti", "NationalAuthority", True),
            _Agent("jarvi-suomen-yo-sairaala", "Järvi-Suomen yliopistollinen sairaala", "NonProfitOrganisation", True),
            _Agent("biopankki-pohjola", "Biopankki Pohjola", "NonProfitOrganisation", True),
            _Agent("saimaan-yliopisto", "Saimaan yliopisto, lääketieteellinen tiedekunta",
                   "Academia-ScientificOrganisation", False),
            _Agent("rannikon-keskussairaala", "Rannikon keskussairaala", "RegionalAuthority", False),
        ),
        "Finnish Health Data Access Body (demo)",
    ),
    "se": _NodeDetails(
        "demo-se.catalogue.example", True, True, False,
        {"sv": "Sverige", "en": "Sweden"},
        {"sv": "Svensk katalog över genomiska data (demo)", "en": "Swedish genomic data catalogue (demo)"},
        {
            "sv": "Sveriges nationella nod i initiativet 1+Million Genomes. Fiktiva demodata.",
            "en": "Swedish national node of the 1+Million Genomes initiative. Fictional demo data.",
        },
        "SE-GMS",
        (
            _Agent("sigm", "Svenska institutet för genommedicin", "NationalAuthority", True),
            _Agent("us-norrland", "Universitetssjukhuset Norrland", "RegionalAuthority", True),
            _Agent("malardalens-med-univ", "Mälardalens medicinska universitet",
                   "Academia-ScientificOrganisation", True),
            _Agent("biobank-oresund", "Biobank Öresund", "NonProfitOrganisation", False),
            _Agent("regionsjukhuset-vast", "Regionsjukhuset Väst", "RegionalAuthority", False),
        ),
        "Swedish Health Data Access Body (demo)",
    ),
    "es": _NodeDetails(
        "demo-es.catalogue.example", False, False, True,
        {"es": "España", "en": "Spain"},
        {"es": "Catálogo español de datos genómicos (demo)", "en": "Spanish genomic data catalogue (demo)"},
        {
            "es": "Nodo nacional de España en la iniciativa 1+Million Genomes. Datos de demostración ficticios.",
            "en": "Spanish national node of the 1+Million Genomes initiative. Fictional demo data.",
        },
        "ES-IMPG",
        (
            _Agent("ingc", "Instituto Nacional de Genómica Clínica", "NationalAuthority", True),
            _Agent("hu-levante", "Hospital Universitario del Levante", "RegionalAuthority", True),
            _Agent("uni-meseta", "Universidad de la Meseta – Centro de Genómica",
                   "Academia-ScientificOrganisation", True),
            _Agent("biobanco-cantabrico", "Biobanco Cantábrico", "NonProfitOrganisation", False),
            _Agent("ch-atlantico", "Complejo Hospitalario Atlántico", "RegionalAuthority", False),
        ),
        "Spanish Health Data Access Body (demo)",
    ),
    "pt": _NodeDetails(
        "demo-pt.catalogue.example", True, False, False,
        {"pt": "Portugal", "en": "Portugal"},
        {"pt": "Catálogo português de dados genómicos (demo)", "en": "Portuguese genomic data catalogue (demo)"},
        {
            "pt": "Nó nacional de Portugal na iniciativa 1+Million Genomes. Dados de demonstração fictícios.",
            "en": "Portuguese national node of the 1+Million Genomes initiative. Fictional demo data.",
        },
        "PT-GEN",
        (
            _Agent("ings", "Instituto Nacional de Genómica e Saúde", "NationalAuthority", True),
            _Agent("chu-tejo", "Centro Hospitalar Universitário do Tejo", "NonProfitOrganisation", True),
            _Agent("uni-douro", "Universidade do Douro – Instituto de Genética Médica",
                   "Academia-ScientificOrganisation", True),
            _Agent("biobanco-alentejo", "Biobanco do Alentejo Litoral", "NonProfitOrganisation", False),
            _Agent("hospital-serra", "Hospital Regional da Serra", "RegionalAuthority", False),
        ),
        "Portuguese Health Data Access Body (demo)",
    ),
    "lu": _NodeDetails(
        "demo-lu.catalogue.example", False, True, True,
        {"fr": "Luxembourg", "de": "Luxemburg", "en": "Luxembourg"},
        {
            "fr": "Catalogue luxembourgeois de données génomiques (démo)",
            "de": "Luxemburger Katalog genomischer Daten (Demo)",
            "en": "Luxembourg genomic data catalogue (demo)",
        },
        {
            "fr": "Nœud national du Luxembourg pour l'initiative 1+Million Genomes. Données de démonstration fictives.",
            "de": "Nationaler Knoten Luxemburgs der Initiative 1+Million Genomes. Fiktive Demodaten.",
            "en": "Luxembourg national node of the 1+Million Genomes initiative. Fictional demo data.",
        },
        "LU-GEN",
        (
            _Agent("ilg", "Institut luxembourgeois de génomique", "NationalAuthority", True),
            _Agent("ch-moselle", "Centre hospitalier de la Moselle", "NonProfitOrganisation", True),
            _Agent("uni-alzette", "Université de l'Alzette – Centre de biomédecine",
                   "Academia-ScientificOrganisation", False),
            _Agent("biobank-letzebuerg", "Biobank Lëtzebuerg", "NonProfitOrganisation", True),
            _Agent("klinik-sued", "Klinik Süd-Luxemburg", "NonProfitOrganisation", False),
        ),
        "Luxembourg Health Data Access Body (demo)",
    ),
}  # fmt: skip

# The mistakes real publishers make that DCAT-AP 3 rejects, one per invalid dataset.
INVALID_KINDS = (
    "missing-description",  # dct:description left out
    "legacy-title",  # the title given as dc:title (DC elements 1.1), so dct:title is missing
    "distribution-without-access-url",  # only dcat:downloadURL; dcat:accessURL is mandatory
    "publisher-literal",  # dct:publisher "Some Hospital" instead of an agent
    "byte-size-text",  # dcat:byteSize "about 2 GB"
)


# --------------------------------------------------------------------------------------
# Public API


def write_demo_nodes(out_dir: Path, seed: int = 2024, datasets_per_node: int = 30) -> list[DemoNode]:
    """Write one RDF document per node into out_dir, each in its own syntax.

    Each node gets about ``datasets_per_node`` datasets (±20 %, by seed), about
    one in twelve deliberately invalid under DCAT-AP 3. The same seed always
    gives byte-identical files, so tests and demos are reproducible.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for spec in NODES:
        rng = random.Random(f"{seed}:{spec.name}")
        graph, datasets, invalid = _node_graph(spec, rng, datasets_per_node)
        path = out_dir / f"{spec.name}{_EXTENSIONS[spec.syntax]}"
        path.write_bytes(_serialize(graph, spec.syntax))
        written.append(DemoNode(spec.name, spec.title, spec.country, path, datasets, invalid))
    return written


def write_demo_config(
    directory: Path,
    base_url: str = "http://127.0.0.1:8000",
    seed: int = 2024,
    datasets_per_node: int = 30,
) -> Path:
    """Write the demo nodes under ``directory/nodes`` and a ``catalogue.toml`` that harvests them.

    ``catalogue demo`` calls this: one call gives a ready-to-harvest setup whose
    paths are relative to the config file, so the folder can be moved as a whole.
    """
    directory = Path(directory)
    nodes = write_demo_nodes(directory / "nodes", seed=seed, datasets_per_node=datasets_per_node)
    lines = [
        "# Written by `catalogue demo`: fictional national nodes of the 1+MG signatories.",
        "[catalogue]",
        f"title = {_toml_string('1+MG genomic data catalogue (demo)')}",
        f"base_url = {_toml_string(base_url)}",
        'data_dir = "./data"',
    ]
    for node in nodes:
        lines += [
            "",
            "[[sources]]",
            f"name = {_toml_string(node.name)}",
            f"title = {_toml_string(node.title)}",
            f"country = {_toml_string(node.country)}",
            f"url = {_toml_string(node.path.relative_to(directory).as_posix())}",
        ]
    config = directory / "catalogue.toml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


def generate_catalog(
    n: int,
    seed: int = 2024,
    *,
    base: str = "https://bench.example.org/",
    invalid_every: int = 0,
    first: int = 0,
) -> bytes:
    """One Turtle document with a dcat:Catalog and n datasets (for benchmarks and big tests).

    Written as text, not through an rdflib graph, so 10,000 datasets take well
    under a second. Everything is an IRI except the periods of time (inline
    ``[ ]``) and the checksums (labelled ``_:``), so that the harvester's
    blank-node handling is exercised. With ``invalid_every=k`` every k-th dataset
    (the k-th, 2k-th, …) has no dct:description and so violates DCAT-AP 3.
    ``first`` numbers the datasets from there, so that pages of one big feed
    can be generated one at a time.
    """
    if n < 0:
        raise ValueError("n must be >= 0")
    if not base.endswith(("/", "#")):
        base += "/"
    rng = random.Random(f"{seed}:bench:{first}" if first else f"{seed}:bench")
    out: list[str] = [_BENCH_PREFIXES, ""]
    catalog = f"<{base}catalog>"
    agents = [f"<{base}agent/{i:02d}>" for i in range(_BENCH_AGENTS)]
    contacts = [f"<{base}contact/{i:02d}>" for i in range(_BENCH_AGENTS)]
    out.append(
        f"{catalog} a dcat:Catalog ;\n"
        f'    dct:title "Benchmark catalogue ({n} datasets)"@en ;\n'
        f'    dct:description "Generated genomic dataset descriptions for benchmarks (seed {seed})."@en ;\n'
        f"    dct:publisher {agents[0]} ;\n"
        f"    foaf:homepage <{base}> ;\n"
        f"    dct:language <{LANGUAGE}ENG> ;\n"
        f'    dct:modified "2025-01-15T09:30:00Z"^^xsd:dateTime .\n'
    )
    for i in range(_BENCH_AGENTS):
        name, ptype = _BENCH_AGENT_NAMES[i % len(_BENCH_AGENT_NAMES)]
        out.append(
            f'{agents[i]} a foaf:Agent, foaf:Organization ;\n    foaf:name "{name} {i + 1}" ;\n'
            f"    dct:type <{ADMS_PUBLISHER_TYPE}{ptype}> .\n"
            f'{contacts[i]} a vcard:Kind, vcard:Organization ;\n    vcard:fn "Data desk, {name} {i + 1}" ;\n'
            f"    vcard:hasEmail <mailto:datadesk{i + 1:02d}@bench.example.org> .\n"
        )
    used: dict[str, set[str]] = {key: set() for key in _VOCAB_TYPES}
    for index in range(first, first + n):
        out.append(_bench_dataset(rng, base, index, invalid_every, agents, contacts, used))
        out.append(f"{catalog} dcat:dataset <{base}dataset/{index + 1:06d}> .\n")
    out.append(_bench_vocabulary(used, base))
    return "\n".join(out).encode("utf-8")


# --------------------------------------------------------------------------------------
# Per-node graphs (rdflib; the documents are small)


class _Builder:
    """Adds triples to a graph and hands out blank nodes with deterministic labels."""

    def __init__(self, prefix: str) -> None:
        self.graph = rdflib.Graph()
        self.prefix = prefix
        self.count = 0
        for name, namespace in _PREFIXES.items():
            self.graph.bind(name, namespace)

    def bnode(self) -> BNode:
        self.count += 1
        return BNode(f"{self.prefix}{self.count}")

    def add(self, subject, predicate: str, obj) -> None:
        self.graph.add((subject, URIRef(predicate), obj))

    def typed(self, iri: str, *classes: str) -> URIRef:
        """Give a vocabulary IRI its DCAT-AP range class, so range shapes can see it."""
        node = URIRef(iri)
        for cls in classes:
            self.add(node, RDF + "type", URIRef(cls))
        return node


_PREFIXES = {
    "dcat": DCAT, "dct": DCT, "foaf": FOAF, "vcard": VCARD, "adms": ADMS, "spdx": SPDX, "skos": SKOS,
    "xsd": XSD, "dcatap": DCATAP, "healthdcatap": HEALTHDCATAP, "dpv": DPV, "eli": ELI, "dc": DC11,
}  # fmt: skip


def _node_graph(spec: NodeSpec, rng: random.Random, per_node: int) -> tuple[rdflib.Graph, int, int]:
    """The catalogue of one node: returns the graph, its dataset count and invalid count."""
    details = _DETAILS[spec.name]
    base = f"https://{details.domain}/"
    b = _Builder(f"{spec.name}b")
    count = round(per_node * rng.uniform(0.8, 1.2)) if per_node > 0 else 0
    invalid_count = round(count / 12)
    invalid_at = sorted(rng.sample(range(count), invalid_count)) if invalid_count else []
    first_kind = rng.randrange(len(INVALID_KINDS))
    invalid_kinds = {
        position: INVALID_KINDS[(first_kind + k) % len(INVALID_KINDS)]
        for k, position in enumerate(invalid_at)
    }

    catalog = URIRef(f"{base}catalog")
    agents = {agent.key: _agent_node(b, base, agent) for agent in details.agents if agent.shared}
    hdab = URIRef(f"{base}agent/hdab")
    b.add(hdab, RDF + "type", URIRef(FOAF + "Agent"))
    b.add(hdab, RDF + "type", URIRef(FOAF + "Organization"))
    b.add(hdab, FOAF + "name", Literal(details.hdab, lang="en"))
    b.add(hdab, FOAF + "homepage", b.typed(f"https://hdab.{details.domain}/", FOAF + "Document"))
    b.add(hdab, FOAF + "mbox", URIRef(f"mailto:permits@hdab.{details.domain}"))
    b.add(hdab, DCT + "type", _publisher_type(b, "NationalAuthority"))

    latest = ""
    for index in range(count):
        dataset, modified = _node_dataset(
            b, rng, spec, details, base, index, agents, hdab, invalid_kinds.get(index)
        )
        b.add(catalog, DCAT + "dataset", dataset)
        latest = max(latest, modified)

    b.add(catalog, RDF + "type", URIRef(DCAT + "Catalog"))
    for lang in spec.languages:
        b.add(catalog, DCT + "title", Literal(details.catalog_titles[lang], lang=lang))
        b.add(catalog, DCT + "description", Literal(details.catalog_descriptions[lang], lang=lang))
        b.add(catalog, DCT + "language", b.typed(LANGUAGE + _LANGUAGE_CODES[lang], DCT + "LinguisticSystem"))
    b.add(catalog, DCT + "publisher", agents[details.agents[0].key])
    b.add(catalog, FOAF + "homepage", b.typed(base, FOAF + "Document"))
    b.add(catalog, DCT + "spatial", b.typed(COUNTRY + _COUNTRY_CODES[spec.country], DCT + "Location"))
    b.add(catalog, DCT + "issued", Literal("2023-05-02", datatype=URIRef(XSD + "date")))
    b.add(
        catalog,
        DCT + "modified",
        Literal(latest or "2024-01-01T00:00:00Z", datatype=URIRef(XSD + "dateTime")),
    )
    b.add(catalog, DCT + "license", b.typed(LICENCE + "CC0", DCT + "LicenseDocument"))
    b.add(catalog, DCATAP + "applicableLegislation", b.typed(EHDS, ELI + "LegalResource"))
    taxonomy = b.typed(DATA_THEME[:-1], SKOS + "ConceptScheme")
    b.add(taxonomy, DCT + "title", Literal("Data theme", lang="en"))
    b.add(catalog, DCAT + "themeTaxonomy", taxonomy)
    return b.graph, count, invalid_count


def _agent_node(b: _Builder, base: str, agent: _Agent) -> URIRef | BNode:
    node = URIRef(f"{base}agent/{agent.key}") if agent.shared else b.bnode()
    b.add(node, RDF + "type", URIRef(FOAF + "Agent"))
    b.add(node, RDF + "type", URIRef(FOAF + "Organization"))
    b.add(node, FOAF + "name", Literal(agent.name))
    b.add(node, DCT + "type", _publisher_type(b, agent.publisher_type))
    if agent.shared:
        b.add(node, FOAF + "homepage", b.typed(f"https://www.{agent.key}.example/", FOAF + "Document"))
    return node


def _publisher_type(b: _Builder, local: str) -> URIRef:
    node = b.typed(ADMS_PUBLISHER_TYPE + local, SKOS + "Concept")
    b.add(node, SKOS + "prefLabel", Literal(_PUBLISHER_TYPE_LABELS[local], lang="en"))
    b.add(node, SKOS + "inScheme", URIRef(ADMS_PUBLISHER_TYPE + "1.0"))
    return node


@dataclass(frozen=True)
class _Study:
    """What a dataset is about, before it is written in any language."""

    allele: bool  # an aggregated allele-frequency dataset (public) rather than a study
    method: _Method
    population: _Population
    individuals: int
    start: int
    end: int | None  # None: ongoing


def _pick_study(rng: random.Random) -> _Study:
    allele = rng.random() < 0.12
    population = rng.choice(_POPULATIONS)
    method = _METHODS["wgs"] if allele else _METHODS[rng.choice(population.methods)]
    low, high = (1000, 40000) if allele else population.size
    individuals = _round_nicely(int(_log_uniform(rng, low, high)))
    start = rng.randint(2008, 2021)
    end = None if rng.random() < 0.2 else min(2024, start + rng.randint(1, 8))
    return _Study(allele, method, population, individuals, start, end)


def _log_uniform(rng: random.Random, low: int, high: int) -> float:
    """Log-uniform: small studies are common, huge ones rare, as in real catalogues."""
    return low * (high / low) ** rng.random()


def _round_nicely(value: int) -> int:
    """Two significant digits, like the numbers people put in titles (2,300 not 2,317)."""
    if value < 100:
        return value
    digits = len(str(value)) - 2
    return round(value, -digits)


def _number(value: int, lang: str) -> str:
    """Thousands separators as each language writes them."""
    text = f"{value:,}"
    if lang == "en":
        return text
    if lang in ("nl", "de", "es"):
        return text.replace(",", ".") if (lang != "es" or value >= 10000) else str(value)
    return text.replace(",", " ")


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _title(study: _Study, lang: str, country: str) -> str:
    if study.allele:
        return _ALLELE_TITLE[lang].format(n=_number(study.individuals, lang), country=country)
    return _TITLE[lang].format(
        method=_capitalised(study.method.text[lang]),
        n=_number(study.individuals, lang),
        pop=study.population.text[lang],
    )


def _description(study: _Study, lang: str, publisher: str, hdab: str, content: int, public: bool) -> str:
    n = _number(study.individuals, lang)
    if study.allele:
        sentences = [_ALLELE_SENTENCE[lang].format(n=n, publisher=publisher)]
    else:
        end = study.end or 2025
        sentences = [
            _STUDY_SENTENCE[lang].format(
                method=study.method.text[lang], n=n, pop=study.population.text[lang],
                publisher=publisher, y1=study.start, y2=end,
            ),
            _CONTENT_SENTENCES[content][lang],
        ]  # fmt: skip
    sentences.append(_PUBLIC_SENTENCE[lang] if public else _ACCESS_SENTENCE[lang].format(hdab=hdab))
    return " ".join(sentences)


def _content_sentence(rng: random.Random, study: _Study) -> int:
    """Which _CONTENT_SENTENCES to use: reads and variant files only come from sequencing."""
    sequencing = study.method.key in ("wgs", "wes", "panel")
    return rng.randrange(len(_CONTENT_SENTENCES)) if sequencing else rng.choice((2, 3))


def _dataset_languages(rng: random.Random, languages: tuple[str, ...]) -> list[str]:
    """Not every dataset is described in every language of its node; at least one is used."""
    chosen = [lang for lang in languages if rng.random() < (0.8 if lang == "en" else 0.75)]
    return chosen or [languages[0]]


def _date(rng: random.Random, year_from: int, year_to: int) -> tuple[int, int, int]:
    return rng.randint(year_from, year_to), rng.randint(1, 12), rng.randint(1, 28)


def _node_dataset(
    b: _Builder,
    rng: random.Random,
    spec: NodeSpec,
    details: _NodeDetails,
    base: str,
    index: int,
    agents: dict[str, URIRef | BNode],
    hdab: URIRef,
    invalid: str | None,
) -> tuple[URIRef, str]:
    """One dcat:Dataset with its distributions, agents and HealthDCAT-AP properties."""
    study = _pick_study(rng)
    langs = _dataset_languages(rng, spec.languages)
    agent = rng.choice(details.agents)
    public = study.allele
    access = "PUBLIC" if public else ("RESTRICTED" if rng.random() < 0.6 else "NON_PUBLIC")

    if details.uuid_iris:
        local = str(uuid.UUID(int=rng.getrandbits(128), version=4))
    else:
        english = _title(study, "en", details.country_names["en"]).replace(",", "")
        local = _slug(english) + f"-{index + 1:03d}"
    dataset = URIRef(f"{base}dataset/{local}")
    add = b.add
    add(dataset, RDF + "type", URIRef(DCAT + "Dataset"))

    # Titles, descriptions, keywords: one per language the dataset is described in.
    content = _content_sentence(rng, study)
    suffix = f" ({study.start}–{study.end})" if study.end and not study.allele and rng.random() < 0.3 else ""
    for lang in langs:
        title = _title(study, lang, details.country_names[lang]) + suffix
        if invalid == "legacy-title":
            add(dataset, DC11 + "title", Literal(title, lang=lang))
        else:
            add(dataset, DCT + "title", Literal(title, lang=lang))
        if invalid != "missing-description":
            text = _description(study, lang, agent.name, details.hdab, content, public)
            add(dataset, DCT + "description", Literal(text, lang=lang))
        keywords = _ALLELE_KEYWORDS[lang] if study.allele else study.population.keywords[lang]
        for keyword in (_GENOMICS[lang], study.method.text[lang], *keywords):
            add(dataset, DCAT + "keyword", Literal(keyword, lang=lang))
        add(dataset, DCT + "language", b.typed(LANGUAGE + _LANGUAGE_CODES[lang], DCT + "LinguisticSystem"))

    # Themes: health nearly always, plus the population's secondary themes.
    themes = ["HEAL"] if rng.random() < 0.93 else []
    themes += [t for t in study.population.data_themes if rng.random() < 0.5] or ([] if themes else ["TECH"])
    for code in themes:
        theme = b.typed(DATA_THEME + code, SKOS + "Concept")
        add(theme, SKOS + "prefLabel", Literal(_THEME_LABELS[code], lang="en"))
        add(theme, SKOS + "inScheme", URIRef(DATA_THEME[:-1]))
        add(dataset, DCAT + "theme", theme)

    # Publisher and contact point.
    if invalid == "publisher-literal":
        add(dataset, DCT + "publisher", Literal(agent.name))
    else:
        add(dataset, DCT + "publisher", agents[agent.key] if agent.shared else _agent_node(b, base, agent))
    contact = b.bnode()
    add(contact, RDF + "type", URIRef(VCARD + "Kind"))
    add(contact, RDF + "type", URIRef(VCARD + "Organization"))
    add(contact, VCARD + "fn", Literal(f"Data desk – {agent.name}"))
    add(contact, VCARD + "hasEmail", URIRef(f"mailto:datadesk@{agent.key}.example"))
    add(dataset, DCAT + "contactPoint", contact)

    # When and where.
    period = b.bnode()
    add(period, RDF + "type", URIRef(DCT + "PeriodOfTime"))
    add(period, DCAT + "startDate", Literal(f"{study.start}-01-01", datatype=URIRef(XSD + "date")))
    if study.end:
        add(period, DCAT + "endDate", Literal(f"{study.end}-12-31", datatype=URIRef(XSD + "date")))
    add(dataset, DCT + "temporal", period)
    add(dataset, DCT + "spatial", b.typed(COUNTRY + _COUNTRY_CODES[spec.country], DCT + "Location"))
    add(dataset, DCT + "accessRights", b.typed(ACCESS_RIGHT + access, DCT + "RightsStatement"))

    issued = _date(rng, max(2016, study.start + 1), 2023)
    modified = min(max(_date(rng, issued[0], 2025), issued), (2025, 6, 30))
    issued_literal, modified_literal = _dates(rng, details.use_datetimes, issued, modified)
    add(dataset, DCT + "issued", issued_literal)
    add(dataset, DCT + "modified", modified_literal)

    # Identifiers, version, landing page, frequency.
    code = f"{details.identifier_prefix}-{issued[0]}-{index + 1:04d}"
    add(dataset, DCT + "identifier", Literal(code))
    other = b.bnode()
    add(other, RDF + "type", URIRef(ADMS + "Identifier"))
    add(other, SKOS + "notation", Literal(f"10.5072/{spec.name}.{index + 1:04d}"))  # DataCite test prefix
    add(other, ADMS + "schemaAgency", Literal("DataCite"))
    add(dataset, ADMS + "identifier", other)
    add(
        dataset,
        DCAT + "version",
        Literal(rng.choice(("1.0", "1.1", "2.0", "2.1", "3.0", f"{modified[0]}.1"))),
    )
    add(dataset, DCAT + "landingPage", b.typed(f"{base}page/{local}", FOAF + "Document"))
    frequency = (
        "NEVER" if study.end and study.end < 2020 else rng.choice(("ANNUAL", "QUARTERLY", "IRREG", "MONTHLY"))
    )
    add(dataset, DCT + "accrualPeriodicity", b.typed(FREQUENCY + frequency, DCT + "Frequency"))

    _health_properties(b, rng, dataset, study, hdab, details.country_names["en"], public)
    _distributions(b, rng, dataset, study, details, langs, public, invalid)
    return dataset, f"{modified[0]:04d}-{modified[1]:02d}-{modified[2]:02d}T12:00:00Z"


def _dates(
    rng: random.Random, use_datetimes: bool, issued: tuple, modified: tuple
) -> tuple[Literal, Literal]:
    """xsd:date on some nodes, xsd:dateTime on others, and now and then a mix."""
    both = []
    for year, month, day in (issued, modified):
        if use_datetimes or rng.random() < 0.15:
            value = f"{year:04d}-{month:02d}-{day:02d}T{rng.randint(6, 18):02d}:{rng.randrange(60):02d}:00Z"
            both.append(Literal(value, datatype=URIRef(XSD + "dateTime")))
        else:
            both.append(Literal(f"{year:04d}-{month:02d}-{day:02d}", datatype=URIRef(XSD + "date")))
    return both[0], both[1]


def _health_properties(
    b: _Builder,
    rng: random.Random,
    dataset: URIRef,
    study: _Study,
    hdab: URIRef,
    country_name: str,
    public: bool,
) -> None:
    """The HealthDCAT-AP additions: categories, themes, population figures, purpose, legislation."""
    add = b.add
    categories = {"HGPD"} if study.allele else set(study.method.categories) | set(study.population.categories)
    for code in sorted(categories):
        add(dataset, HEALTHDCATAP + "healthCategory", URIRef(HEALTH_CATEGORY + code))
    themes = ("HEALTH_PRODUCTS",) if study.allele else study.population.themes
    for code in themes:
        add(dataset, HEALTHDCATAP + "healthTheme", URIRef(HEALTH_THEME + code))
    nonneg = URIRef(XSD + "nonNegativeInteger")
    records = study.individuals * (1 if study.allele else rng.choice((1, 1, 2, 3)))
    add(dataset, HEALTHDCATAP + "numberOfRecords", Literal(str(records), datatype=nonneg))
    add(dataset, HEALTHDCATAP + "numberOfUniqueIndividuals", Literal(str(study.individuals), datatype=nonneg))
    low, high = (0, 99) if study.allele else study.population.ages
    add(dataset, HEALTHDCATAP + "minTypicalAge", Literal(str(low), datatype=nonneg))
    add(dataset, HEALTHDCATAP + "maxTypicalAge", Literal(str(high), datatype=nonneg))
    who = (
        "Genomes from the national reference panel"
        if study.allele
        else _capitalised(study.population.text["en"])
    )
    coverage = f"{who} in {country_name}, aged {low}–{high} years" if high else f"{who} in {country_name}"
    add(dataset, HEALTHDCATAP + "populationCoverage", Literal(coverage, lang="en"))
    add(dataset, HEALTHDCATAP + "hdab", hdab)
    purposes = ["ScientificResearch"] + (["AcademicResearch"] if rng.random() < 0.4 else [])
    for purpose in purposes:
        add(dataset, DPV + "hasPurpose", URIRef(DPV + purpose))
    if not public:
        add(
            dataset,
            DPV + "hasLegalBasis",
            URIRef(DPV + ("Consent" if rng.random() < 0.7 else "PublicInterest")),
        )
    laws = [EHDS] + ([] if public else [GDPR]) + ([DGA] if rng.random() < 0.2 else [])
    for law in laws:
        add(dataset, DCATAP + "applicableLegislation", b.typed(law, ELI + "LegalResource"))


def _distributions(
    b: _Builder,
    rng: random.Random,
    dataset: URIRef,
    study: _Study,
    details: _NodeDetails,
    langs: list[str],
    public: bool,
    invalid: str | None,
) -> None:
    """1–3 distributions: the data itself (public) or an access request (sensitive), plus documentation."""
    if public:
        kinds: list[tuple[str, str, bool, str | None]] = [
            ("frequencies", rng.choice(("TSV", "CSV", "ZIP")), True, "CC_BY_4_0")
        ]
        if rng.random() < 0.5:
            kinds.append(("summary", "JSON", True, "CC0"))
    else:
        kinds = [
            ("variants", "GZIP", False, None) if rng.random() < 0.5 else ("request", "HTML", False, None),
            ("dictionary", rng.choice(("PDF", "CSV", "XML")), True, "CC_BY_4_0"),
        ]
        if rng.random() < 0.4:
            kinds.append(("summary", rng.choice(("TSV", "CSV", "RDF_TURTLE")), True, "CC_BY_4_0"))
    kinds = kinds[: rng.randint(1, len(kinds))]
    # The deliberate mistakes go on the first distribution they make sense on.
    sized = [n for n, (kind, *_) in enumerate(kinds, start=1) if kind != "request"]
    bad_size_at = sized[0] if sized else 1
    for number, (kind, file_type, downloadable, licence) in enumerate(kinds, start=1):
        distribution: URIRef | BNode
        if details.blank_distributions:
            distribution = b.bnode()
        else:
            distribution = URIRef(f"{dataset}/distribution/{number}")
        add = b.add
        add(distribution, RDF + "type", URIRef(DCAT + "Distribution"))
        for lang in langs[:2]:
            add(distribution, DCT + "title", Literal(_DISTRIBUTION_TITLES[kind][lang], lang=lang))
        local = dataset.rsplit("/", 1)[-1]
        file_url = f"https://files.{details.domain}/{local}/{kind}.{file_type.lower()}"
        # Individual-level data is reached through the access body, never downloaded.
        access_url = file_url if downloadable else f"https://hdab.{details.domain}/apply?dataset={local}"
        if not (invalid == "distribution-without-access-url" and number == 1):
            add(distribution, DCAT + "accessURL", URIRef(access_url))
        if downloadable or (invalid == "distribution-without-access-url" and number == 1):
            add(distribution, DCAT + "downloadURL", URIRef(file_url))
        if rng.random() < 0.6:
            add(distribution, DCT + "description", Literal(_DISTRIBUTION_DESCRIPTIONS[kind], lang="en"))
        if rng.random() < 0.7:
            code = "STABLE" if downloadable else "AVAILABLE"
            availability = b.typed(PLANNED_AVAILABILITY + code, SKOS + "Concept")
            add(availability, SKOS + "prefLabel", Literal(code.lower(), lang="en"))
            add(availability, SKOS + "inScheme", URIRef(PLANNED_AVAILABILITY[:-1]))
            add(distribution, DCATAP + "availability", availability)
        add(distribution, DCT + "format", b.typed(FILE_TYPE + file_type, DCT + "MediaTypeOrExtent"))
        add(distribution, DCAT + "mediaType", b.typed(IANA + _FORMATS[file_type], DCT + "MediaType"))
        if licence:
            add(distribution, DCT + "license", b.typed(LICENCE + licence, DCT + "LicenseDocument"))
        size = int(_log_uniform(rng, *_SIZES[kind]))
        if invalid == "byte-size-text" and number == bad_size_at:
            add(distribution, DCAT + "byteSize", Literal(f"about {max(1, round(size / 10**9))} GB"))
        elif kind != "request":
            add(
                distribution,
                DCAT + "byteSize",
                Literal(str(size), datatype=URIRef(XSD + "nonNegativeInteger")),
            )
        if downloadable and rng.random() < 0.7:
            checksum = b.bnode()
            add(checksum, RDF + "type", URIRef(SPDX + "Checksum"))
            add(
                checksum,
                SPDX + "algorithm",
                b.typed(SPDX + "checksumAlgorithm_sha256", SPDX + "ChecksumAlgorithm"),
            )
            digest = hashlib.sha256(file_url.encode()).hexdigest()
            add(checksum, SPDX + "checksumValue", Literal(digest, datatype=URIRef(XSD + "hexBinary")))
            add(distribution, SPDX + "checksum", checksum)
        add(dataset, DCAT + "distribution", distribution)


_DISTRIBUTION_DESCRIPTIONS = {
    "variants": "Joint-called variants per chromosome, released to approved projects "
    "in a secure processing environment.",
    "request": "Apply here for access to the individual-level data; the health data access body "
    "reviews each application.",
    "dictionary": "Variables, codes and units used in the dataset.",
    "summary": "Aggregated counts per variable, without personal data.",
    "frequencies": "Allele counts and frequencies per variant on GRCh38, by sex and region.",
}

_SIZES = {
    "variants": (2 * 10**9, 5 * 10**11),
    "request": (1, 2),  # not written: a web form has no size
    "dictionary": (40_000, 900_000),
    "summary": (200_000, 400 * 10**6),
    "frequencies": (50 * 10**6, 8 * 10**9),
}


def _slug(text: str) -> str:
    """A URL-safe, readable slug from an English title."""
    out, dash = [], False
    for char in text.lower():
        if char.isascii() and char.isalnum():
            out.append(char)
            dash = False
        elif not dash:
            out.append("-")
            dash = True
    return "".join(out).strip("-")[:60].rstrip("-")


# --------------------------------------------------------------------------------------
# Serialisation: byte-identical output for the same graph, whatever the hash seed.


def _serialize(graph: rdflib.Graph, syntax: str) -> bytes:
    if syntax == "jsonld":
        text = graph.serialize(format="json-ld", context=dict(_PREFIXES), auto_compact=True)
        # rdflib's JSON-LD object order follows Python's set order; sort every unordered
        # array (JSON-LD arrays without @list are sets) so the bytes do not change.
        tree = _sorted_json(json.loads(text))
        return (json.dumps(tree, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode("utf-8")
    if syntax == "ntriples":
        lines = graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines()
        return ("\n".join(sorted(line for line in lines if line.strip())) + "\n").encode("utf-8")
    if syntax == "trig":
        # The Turtle text wrapped in "{ }": TriG's explicit default graph. (rdflib's own
        # TriG writer needs an rdflib.Dataset, which floods DeprecationWarnings in rdflib 7.)
        text = graph.serialize(format="turtle", encoding="utf-8").decode("utf-8")
        lines = text.splitlines()
        prefixes = [line for line in lines if line.startswith("@prefix ")]
        body = [f"    {line}" if line else "" for line in lines if not line.startswith("@prefix ")]
        return "\n".join([*prefixes, "", "{", *body, "}", ""]).encode("utf-8")
    if syntax == "rdfxml":
        return _rdf_xml(graph)
    data = graph.serialize(format="turtle", encoding="utf-8")
    if syntax == "turtle-gz":
        return gzip.compress(data, compresslevel=9, mtime=0)
    return data


def _sorted_triples(graph: rdflib.Graph) -> list[tuple]:
    return sorted(graph, key=lambda t: (t[0].n3(), t[1].n3(), t[2].n3()))


def _rdf_xml(graph: rdflib.Graph) -> bytes:
    """RDF/XML, one typed element per subject in sorted order.

    Written here rather than by rdflib because rdflib's RDF/XML subject order
    changes with Python's hash seed, and the demo files must be byte-stable.
    """
    namespaces = sorted({**_PREFIXES, "rdf": RDF}.items())
    by_subject: dict = {}
    for subject, predicate, obj in _sorted_triples(graph):
        by_subject.setdefault(subject, []).append((predicate, obj))
    out = ['<?xml version="1.0" encoding="utf-8"?>', "<rdf:RDF"]
    out += [f"   xmlns:{prefix}={quoteattr(namespace)}" for prefix, namespace in namespaces]
    out[-1] += ">"
    rdf_type = URIRef(RDF + "type")
    ranks = {URIRef(DCAT + "Catalog"): 0, URIRef(DCAT + "Dataset"): 1}

    def rank(subject) -> tuple[int, str]:  # the catalogue, then datasets, then the rest
        kinds = [ranks.get(o, 2) for p, o in by_subject[subject] if p == rdf_type]
        return (min(kinds, default=2) + (isinstance(subject, BNode) * 3), subject.n3())

    for subject in sorted(by_subject, key=rank):
        pairs = by_subject[subject]
        types = [o for p, o in pairs if p == rdf_type and _qname(o, namespaces)]
        element = _qname(types[0], namespaces) if types else "rdf:Description"
        pairs = [(p, o) for p, o in pairs if not (types and p == rdf_type and o == types[0])]
        attribute = "rdf:nodeID" if isinstance(subject, BNode) else "rdf:about"
        opening = f"  <{element} {attribute}={quoteattr(str(subject))}"
        if not pairs:
            out.append(opening + "/>")
            continue
        out.append(opening + ">")
        for predicate, obj in pairs:
            name = _qname(predicate, namespaces)
            if name is None:
                raise ValueError(f"no prefix for predicate {predicate}")
            if isinstance(obj, BNode):
                out.append(f"    <{name} rdf:nodeID={quoteattr(str(obj))}/>")
            elif isinstance(obj, URIRef):
                out.append(f"    <{name} rdf:resource={quoteattr(str(obj))}/>")
            elif obj.language:
                out.append(f"    <{name} xml:lang={quoteattr(obj.language)}>{xml_escape(str(obj))}</{name}>")
            elif obj.datatype:
                datatype = quoteattr(str(obj.datatype))
                out.append(f"    <{name} rdf:datatype={datatype}>{xml_escape(str(obj))}</{name}>")
            else:
                out.append(f"    <{name}>{xml_escape(str(obj))}</{name}>")
        out.append(f"  </{element}>")
    out.append("</rdf:RDF>")
    return ("\n".join(out) + "\n").encode("utf-8")


def _qname(iri, namespaces: list[tuple[str, str]]) -> str | None:
    """prefix:local when the local part is a valid XML name, else None."""
    text = str(iri)
    for prefix, namespace in namespaces:
        local = text[len(namespace) :]
        if text.startswith(namespace) and local and _XML_NAME.fullmatch(local):
            return f"{prefix}:{local}"
    return None


_XML_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")


def _sorted_json(value):
    if isinstance(value, dict):
        return {key: (item if key == "@list" else _sorted_json(item)) for key, item in value.items()}
    if isinstance(value, list):
        items = [_sorted_json(item) for item in value]
        return sorted(items, key=lambda item: json.dumps(item, ensure_ascii=False, sort_keys=True))
    return value


def _toml_string(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)  # a JSON string is a valid TOML basic string


# --------------------------------------------------------------------------------------
# Benchmark documents, written as Turtle text for speed.

_BENCH_AGENTS = 20
_BENCH_AGENT_NAMES = (
    ("University Hospital", "NonProfitOrganisation"),
    ("Institute of Human Genetics", "Academia-ScientificOrganisation"),
    ("Regional Biobank", "NonProfitOrganisation"),
    ("National Genomics Centre", "NationalAuthority"),
    ("Regional Hospital Trust", "RegionalAuthority"),
)
_BENCH_PREFIXES = "\n".join(f"@prefix {name}: <{namespace}> ." for name, namespace in _PREFIXES.items())
_BENCH_LANGS = ("nl", "fr", "de", "fi", "sv", "es", "pt")
# vocabulary kind -> the class DCAT-AP 3 expects of its values
_VOCAB_TYPES = {
    "language": DCT + "LinguisticSystem",
    "country": DCT + "Location",
    "access": DCT + "RightsStatement",
    "frequency": DCT + "Frequency",
    "format": DCT + "MediaTypeOrExtent",
    "media": DCT + "MediaType",
    "licence": DCT + "LicenseDocument",
    "law": ELI + "LegalResource",
    "document": FOAF + "Document",
}
_BENCH_COUNTRIES = tuple(_COUNTRY_CODES.values())


def _turtle_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _bench_dataset(
    rng: random.Random,
    base: str,
    index: int,
    invalid_every: int,
    agents: list[str],
    contacts: list[str],
    used: dict[str, set[str]],
) -> str:
    """One dataset of about 36 triples, a period and (60 %) a checksum as blank nodes."""
    study = _pick_study(rng)
    number = index + 1
    iri = f"<{base}dataset/{number:06d}>"
    langs = ["en"] + ([rng.choice(_BENCH_LANGS)] if rng.random() < 0.25 else [])
    country = rng.choice(_BENCH_COUNTRIES)
    public = study.allele
    access = "PUBLIC" if public else ("RESTRICTED" if rng.random() < 0.6 else "NON_PUBLIC")
    agent = rng.randrange(len(agents))
    publisher = _BENCH_AGENT_NAMES[agent % len(_BENCH_AGENT_NAMES)][0] + f" {agent + 1}"
    content = _content_sentence(rng, study)
    lines = [f"{iri} a dcat:Dataset ;"]
    for lang in langs:
        title = _title(study, lang, "EU")
        lines.append(f"    dct:title {_turtle_string(title)}@{lang} ;")
        if not (invalid_every and number % invalid_every == 0):
            text = _description(study, lang, publisher, "the health data access body", content, public)
            lines.append(f"    dct:description {_turtle_string(text)}@{lang} ;")
    keywords = _ALLELE_KEYWORDS["en"] if study.allele else study.population.keywords["en"]
    lines.append(
        "    dcat:keyword "
        + ", ".join(f"{_turtle_string(k)}@en" for k in (study.method.text["en"], *keywords))
        + " ;"
    )
    lines.append(f'    dct:identifier "BENCH-{number:06d}" ;')
    lines.append(f"    dcat:theme <{DATA_THEME}HEAL> ;")
    lines.append(f"    dct:publisher {agents[agent]} ;")
    lines.append(f"    dcat:contactPoint {contacts[agent]} ;")
    end = f' ; dcat:endDate "{study.end}-12-31"^^xsd:date' if study.end else ""
    lines.append(
        f'    dct:temporal [ a dct:PeriodOfTime ; dcat:startDate "{study.start}-01-01"^^xsd:date{end} ] ;'
    )
    lines.append(f"    dct:spatial <{COUNTRY}{country}> ;")
    lines.append(f"    dct:accessRights <{ACCESS_RIGHT}{access}> ;")
    lines.append(f"    dct:language <{LANGUAGE}ENG> ;")
    year = rng.randint(max(2016, study.start + 1), 2024)
    lines.append(f'    dct:issued "{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"^^xsd:date ;')
    lines.append(
        f'    dct:modified "{year + 1}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T10:00:00Z"^^xsd:dateTime ;'
    )
    frequency = rng.choice(("ANNUAL", "IRREG", "NEVER", "QUARTERLY"))
    lines.append(f"    dct:accrualPeriodicity <{FREQUENCY}{frequency}> ;")
    lines.append(f"    dcat:landingPage <{base}page/{number:06d}> ;")
    used["document"].add(f"{base}page/{number:06d}")
    category = "HGPD" if study.allele else sorted(study.method.categories)[0]
    lines.append(f"    healthdcatap:healthCategory <{HEALTH_CATEGORY}{category}> ;")
    lines.append(
        f'    healthdcatap:numberOfUniqueIndividuals "{study.individuals}"^^xsd:nonNegativeInteger ;'
    )
    lines.append(f"    dcatap:applicableLegislation <{EHDS}> ;")
    distribution = f"<{base}dataset/{number:06d}/distribution/1>"
    lines.append(f"    dcat:distribution {distribution} .")

    file_type = "TSV" if public else rng.choice(("CSV", "PDF", "GZIP"))
    licence = "CC_BY_4_0" if rng.random() < 0.8 else "CC0"
    size = int(_log_uniform(rng, 40_000, 5 * 10**10))
    url = f"https://files.bench.example.org/{number:06d}/data.{file_type.lower()}"
    lines.append(f"{distribution} a dcat:Distribution ;")
    lines.append(f"    dcat:accessURL <{url}> ;")
    lines.append(f"    dct:format <{FILE_TYPE}{file_type}> ;")
    lines.append(f"    dcat:mediaType <{IANA}{_FORMATS[file_type]}> ;")
    lines.append(f"    dct:license <{LICENCE}{licence}> ;")
    if rng.random() < 0.6:
        digest = hashlib.sha256(url.encode()).hexdigest()
        lines.append(f"    spdx:checksum _:checksum{number} ;")
        lines.append(f'    dcat:byteSize "{size}"^^xsd:nonNegativeInteger .')
        lines.append(
            f"_:checksum{number} a spdx:Checksum ; spdx:algorithm spdx:checksumAlgorithm_sha256 ;"
            f' spdx:checksumValue "{digest}"^^xsd:hexBinary .'
        )
    else:
        lines.append(f'    dcat:byteSize "{size}"^^xsd:nonNegativeInteger .')

    used["country"].add(COUNTRY + country)
    used["access"].add(ACCESS_RIGHT + access)
    used["frequency"].add(FREQUENCY + frequency)
    used["format"].add(FILE_TYPE + file_type)
    used["media"].add(IANA + _FORMATS[file_type])
    used["licence"].add(LICENCE + licence)
    return "\n".join(lines) + "\n"


def _bench_vocabulary(used: dict[str, set[str]], base: str) -> str:
    """Type every vocabulary IRI and page once, so DCAT-AP 3 range shapes (sh:class) can check them."""
    used["language"].add(LANGUAGE + "ENG")
    used["document"].add(base)
    used["law"].add(EHDS)
    lines = [
        f'<{DATA_THEME}HEAL> a skos:Concept ; skos:prefLabel "Health"@en ; skos:inScheme <{DATA_THEME[:-1]}> .',
        "spdx:checksumAlgorithm_sha256 a spdx:ChecksumAlgorithm .",
    ]
    for local, label in _PUBLISHER_TYPE_LABELS.items():
        lines.append(
            f'<{ADMS_PUBLISHER_TYPE}{local}> a skos:Concept ; skos:prefLabel "{label}"@en ;'
            f" skos:inScheme <{ADMS_PUBLISHER_TYPE}1.0> ."
        )
    for kind in sorted(used):
        for iri in sorted(used[kind]):
            lines.append(f"<{iri}> a <{_VOCAB_TYPES[kind]}> .")
    return "\n".join(lines) + "\n"
