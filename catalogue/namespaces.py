"""The RDF vocabularies the catalogue reads and writes, as IRI prefixes.

Plain strings rather than rdflib/pyoxigraph objects, so every module can build
the node type it needs without converting.
"""

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
DCAT = "http://www.w3.org/ns/dcat#"
DCT = "http://purl.org/dc/terms/"
FOAF = "http://xmlns.com/foaf/0.1/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
ADMS = "http://www.w3.org/ns/adms#"
PROV = "http://www.w3.org/ns/prov#"
SPDX = "http://spdx.org/rdf/terms#"
SH = "http://www.w3.org/ns/shacl#"
LOCN = "http://www.w3.org/ns/locn#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
DCATAP = "http://data.europa.eu/r5r/"
HEALTHDCATAP = "http://healthdataportal.eu/ns/health#"
CAT = "https://w3id.org/catalogue/ns#"  # our own terms (provenance, status)

EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"

RDF_TYPE = RDF + "type"
