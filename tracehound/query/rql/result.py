"""What a finished query hands back, and its Rollbar result-resource shape (§9.1)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


@dataclass
class RqlResult:
    selection_columns: list[str]  # as written in SELECT (or the alias)
    columns: list[dict[str, Any]]  # {"name", "type"}: integer, float, string or mixed
    rows: list[list[Any]]  # aligned with selection_columns
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    execution_time_ms: float = 0.0

    def resource(self, job_id: int) -> dict[str, Any]:
        """Rollbar's result resource: rows as arrays, executionTime in milliseconds."""
        return {
            "job_id": job_id,
            "rows": self.rows,
            "selectionColumns": self.selection_columns,
            "columns": self.columns,
            "errors": self.errors,
            "warnings": self.warnings,
            "rowcount": len(self.rows),
            "executionTime": round(self.execution_time_ms, 3),
        }


def plain(v: Any) -> Any:
    """A database or Python value as JSON can carry it: Decimal and bool as numbers,
    non-finite floats as null."""
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    return v


TYPE_NAMES = {"int": "integer", "bool": "integer", "float": "float", "str": "string"}
