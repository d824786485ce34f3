"""Import of the registry from CSV and XLSX: organisations with their leaders, officials,
OCOP products and past training records.

Three steps: ``read_file`` turns bytes into rows (refusing oversized files, zip bombs and
non-UTF-8 CSV before parsing), ``plan_import`` validates every row and works out what
would be created, updated or left unchanged, and ``apply_plan`` writes it with bulk
statements. A file with any error changes nothing; importing the same file again
changes nothing. The caller commits.

- ``schema``: kinds, columns, Vietnamese headers, accepted values and the plan types;
- ``reading``: ``read_file``;
- ``validation``: ``plan_import`` and the row checker that import handlers share;
- ``applying``: ``apply_plan`` and ``import_file`` (all three steps);
- ``template``: ``template_xlsx``, the downloadable template.
"""

from lms.registry.imports.applying import apply_plan, import_file
from lms.registry.imports.reading import read_file
from lms.registry.imports.schema import (
    COLUMNS,
    HEADERS_VI,
    KIND_LABELS,
    KINDS,
    ImportFileError,
    ImportPlan,
    KindCounts,
    RowError,
    Sheet,
)
from lms.registry.imports.template import template_xlsx
from lms.registry.imports.validation import plan_import

__all__ = [
    "COLUMNS",
    "HEADERS_VI",
    "KINDS",
    "KIND_LABELS",
    "ImportFileError",
    "ImportPlan",
    "KindCounts",
    "RowError",
    "Sheet",
    "apply_plan",
    "import_file",
    "plan_import",
    "read_file",
    "template_xlsx",
]
