"""In-app notifications (the header's bell and the list), the reminders switch of a user's
account, the admins' outbox with "retry failed", and the registry person page's panel."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from lms.core.forms import ConfirmForm
from lms.core.security import ADMIN, is_staff, roles_required
from lms.core.uow import unit_of_work
from lms.extensions import db
from lms.messages import queries, services
from lms.messages.models import CHANNEL_LABELS, CHANNELS, KIND_LABELS, KINDS, STATUS_LABELS, STATUSES, Message

bp = Blueprint("messages", __name__, template_folder="templates")

PAGE_SIZE = 30
OUTBOX_PAGE_SIZE = 50
LABELS = {"kind_labels": KIND_LABELS, "channel_labels": CHANNEL_LABELS, "status_labels": STATUS_LABELS}


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


@bp.route("/notifications")
@login_required
def notifications():
    page = _page()
    stmt = queries.notifications(current_user.id)
    total = queries.count(stmt)
    rows = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template("messages/notifications.html", rows=rows, total=total, page=page, page_size=PAGE_SIZE,
                           form=ConfirmForm(), reminders_on=not services.reminders_off(current_user.id), **LABELS)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def mark_read():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    raw = request.form.get("message_id", type=int)
    with unit_of_work(form):
        services.mark_read(current_user.id, [raw] if raw else None)
    return redirect(url_for("messages.notifications"))


@bp.route("/account/reminders", methods=["POST"])
@login_required
def reminders():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    wanted = request.form.get("reminders") == "on"
    with unit_of_work(form) as work:
        services.set_reminders(current_user.id, wanted, actor=current_user)
    if work.ok:
        flash(_("Reminders are on.") if wanted else
              _("Reminders are off. Messages about your account (activation, password) still come."), "success")
    return redirect(url_for("auth.account"))


def _filters() -> dict:
    values = {"status": request.args.get("status") or None, "kind": request.args.get("kind") or None,
              "channel": request.args.get("channel") or None}
    for name, allowed in (("status", STATUSES), ("kind", KINDS), ("channel", CHANNELS)):
        if values[name] not in allowed:
            values[name] = None
    return values


@bp.route("/admin/messages")
@roles_required(ADMIN)
def outbox():
    filters, page = _filters(), _page()
    stmt = queries.outbox(**filters)
    total = queries.count(stmt)
    rows = db.session.scalars(stmt.limit(OUTBOX_PAGE_SIZE).offset((page - 1) * OUTBOX_PAGE_SIZE)).all()
    return render_template(
        "messages/outbox.html", rows=rows, total=total, page=page, page_size=OUTBOX_PAGE_SIZE, filters=filters,
        args={k: v for k, v in filters.items() if v}, counts=queries.status_counts(), form=ConfirmForm(),
        statuses=STATUSES, kinds=KINDS, channels=CHANNELS, **LABELS,
    )


@bp.route("/admin/messages/retry", methods=["POST"])
@roles_required(ADMIN)
def retry():
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    raw = request.form.get("message_id", type=int)
    with unit_of_work(form) as work:
        count = services.retry_failed([raw] if raw else None, actor=current_user)
    if work.ok:
        flash(_("%(count)d failed message(s) put back in the queue.", count=count), "success")
    return redirect(url_for("messages.outbox", status="queued" if count else None))


def person_messages_panel(person, viewer) -> str | None:
    """The registry person page's list of messages sent to the person (staff only)."""
    if not is_staff(viewer):
        return None
    return render_template("messages/_person_messages.html", rows=queries.person_messages(person.id),
                           Message=Message, **LABELS)
