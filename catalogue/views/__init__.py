"""Views map a record's RDF to plain Python objects the index and pages use.

One module per application-profile version (as ckanext-dcat does), so a
later DCAT-AP or HealthDCAT-AP release gets its own mapping beside this one.
"""

from catalogue.views.dcat_ap_3 import (
    Agent,
    Contact,
    DatasetView,
    Distribution,
    LangText,
    Period,
    dataset_view,
    pick_language,
)

__all__ = [
    "Agent",
    "Contact",
    "DatasetView",
    "Distribution",
    "LangText",
    "Period",
    "dataset_view",
    "pick_language",
]
