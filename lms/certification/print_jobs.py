"""Certificate files made by the worker: the staff list's "print all" / "download all" and
a class's certificates, when they hold more than ``JOBS_INLINE_CERTIFICATES`` certificates
(up to ``CERTIFICATE_BULK_MAX``, 80–140 ms each). The job re-runs the page's filter as its
owner, renders one certificate after the other with progress, and keeps the file in the job.
The staff list's handler is ``lms.certification.views.JOB_HANDLER`` (it re-runs the list's
filter); the classes domain uses ``bundle`` for a class's certificates."""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext

from lms.certification import rendering, services
from lms.certification.models import Certificate
from lms.certification.rendering import CertificateTemplateError
from lms.core.audit import audit_disclosure
from lms.core.errors import ServiceError
from lms.jobs.services import JobContext, JobResult

KIND = "certificates"
FORMATS = {"pdf": ("application/pdf", rendering.render_many_pdf),
           "zip": ("application/zip", rendering.render_many_zip)}


def too_many(n: int) -> bool:
    return n > current_app.config.get("JOBS_INLINE_CERTIFICATES", 10)


def bundle(ctx: JobContext, certificates: Sequence[Certificate], fmt: str, filename: str, *,
           audit_kind: str, audit_filters: dict) -> JobResult:
    """Render ``certificates`` into one PDF or a ZIP with progress; audit the disclosure."""
    if fmt not in FORMATS:
        raise ServiceError(_("Unknown file format."))
    if not certificates:
        raise ServiceError(_("No valid certificate matches this filter."))
    limit = current_app.config.get("CERTIFICATE_BULK_MAX", 500)
    if len(certificates) > limit:
        raise ServiceError(_("Too many certificates for one file (%(n)d; at most %(max)d). Narrow the filter.",
                             n=len(certificates), max=limit))
    count = len(certificates)
    # Everything is read before the first progress report (which commits and expires objects).
    items = [services.printable(c) for c in certificates]
    ctx.progress(0, total=count, message=_("Printing the certificates"), force=True)
    mimetype, render = FORMATS[fmt]
    try:
        data = render(items, ctx.progress)
    except CertificateTemplateError as exc:
        raise ServiceError(_("The certificate template could not be rendered: %(error)s", error=str(exc))) from None
    audit_disclosure(audit_kind, audit_filters, count)
    return JobResult(data=data, filename=filename, mimetype=mimetype,
                     message=ngettext("%(num)d certificate", "%(num)d certificates", count))
