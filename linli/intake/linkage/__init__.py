"""Record linkage: one person across department lists (rules first, then a stored Splink model)."""

from linli.intake.linkage.engine import (
    DEFAULT_MODEL_PATH,
    LinkageThresholds,
    LinkResult,
    PairEvidence,
    default_model,
    link_records,
)
from linli.intake.linkage.model import StoredModel, train_model
from linli.intake.linkage.schema import (
    RESIDENT_SCHEMA,
    ROLES,
    LinkSchema,
    Rule,
    generic_schema,
    schema_by_name,
)

__all__ = [
    "DEFAULT_MODEL_PATH",
    "RESIDENT_SCHEMA",
    "ROLES",
    "LinkResult",
    "LinkSchema",
    "LinkageThresholds",
    "PairEvidence",
    "Rule",
    "StoredModel",
    "default_model",
    "generic_schema",
    "link_records",
    "schema_by_name",
    "train_model",
]
