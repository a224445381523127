"""The admins' certificates console: find, revoke, reissue, and download as a ZIP."""

from flask import abort, current_app, flash, redirect, render_template, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select
from sqlalchemy.orm import joinedload
from wtforms import SelectChoice

from app.admin import bp, queries
from app.admin.forms import CertificateFilters
from app.certificates import operations
from app.certificates import queries as certificates_queries
from app.certificates.archive import ARCHIVE_TYPE, certificates_archive
from app.certificates.forms import ReissueForm, RevokeForm
from app.certificates.models import Certificate, CertificateStatus
from app.certificates.operations import CertificateError
from app.certificates.queries import replaced_one, search_certificates
from app.core.errors import error_response
from app.core.listing import Page, count_of
from app.core.permissions import admin_required
from app.core.types import utcnow
from app.extensions import db


def _certificates(filters: CertificateFilters) -> Select:
    return search_certificates(
        search=filters.q.data,
        status=filters.status.data,
        course_id=filters.course.data,
        cohort_id=filters.cohort.data,
    )


@bp.get("/certificates")
@admin_required
def certificates():
    """Every certificate, newest first, searchable by name, e-mail or serial, and filtered."""
    courses = queries.all_courses()
    cohorts = queries.manageable_cohorts(current_user)
    filters = CertificateFilters.read(
        course=[
            SelectChoice(course.id, course.title, render_kw={"lang": course.language})
            for course in courses
        ],
        cohort=[
            SelectChoice(
                cohort.id,
                cohort.title,
                render_kw={"lang": cohort.course.language},
                optgroup=cohort.course.title,
            )
            for cohort in cohorts
        ],
    )
    page = Page.of(
        _certificates(filters), current_app.config["CERTIFICATES_PER_PAGE"], filters=filters
    )
    return render_template(
        "admin/certificates.html",
        page=page,
        filters=filters,
        courses=courses,
        cohorts=cohorts,
        now=utcnow(),
    )


@bp.get("/certificates.zip")
@admin_required
def certificates_zip():
    """The filtered certificates' PDFs and credentials, with a CSV index, in one ZIP file."""
    filters = CertificateFilters.read()
    statement = _certificates(filters).where(Certificate.serial.is_not(None))
    count = count_of(statement)
    limit = current_app.config["CERTIFICATE_ZIP_LIMIT"]
    if not count:
        flash(
            _(
                "No certificate with a serial matches these filters, so there was nothing to put "
                "in a ZIP. Those waiting for the learner's name have no PDF yet."
            ),
            "info",
        )
        return redirect(url_for("admin.certificates", **filters.args()))
    if count > limit:
        return error_response(
            400,
            _("Too many certificates for one ZIP"),
            _(
                "%(count)d certificates match these filters, and one ZIP holds at most "
                "%(limit)d. Go back and narrow the filters (a course, a cohort or a status), "
                "then download each part.",
                count=count,
                limit=limit,
            ),
        )
    found = list(db.session.scalars(statement.options(joinedload(Certificate.course))))
    now = utcnow()
    archive, size = certificates_archive(
        found, actor=current_user._get_current_object(), filters=filters.args(), now=now
    )
    db.session.commit()  # keeps the PDFs made for the ZIP, and the audit event
    response = send_file(
        archive,
        mimetype=ARCHIVE_TYPE,
        as_attachment=True,
        download_name=f"certificates-{now:%Y-%m-%d}.zip",
        conditional=False,
        etag=False,
    )
    response.content_length = size
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _certificate_or_404(certificate_id: int) -> Certificate:
    certificate = certificates_queries.certificate_in_full(certificate_id)
    if certificate is None:
        abort(404)
    return certificate


def _own_ids(form, prefix: str):
    """Give a form's fields ids of their own: two forms on one page both have a `reason`."""
    for item in form:
        item.id = f"{prefix}-{item.id}"
        item.label.field_id = item.id
    return form


def _render_certificate(
    certificate: Certificate,
    *,
    revoke_form: RevokeForm | None = None,
    reissue_form: ReissueForm | None = None,
    status: int = 200,
):
    # formdata=None: a form sent to one action must not fill in the other one.
    revoke_form = revoke_form or _own_ids(RevokeForm(formdata=None), "revoke")
    reissue_form = reissue_form or _own_ids(
        ReissueForm(formdata=None, holder_name=certificate.holder_name), "reissue"
    )
    events = certificates_queries.audit_events_of(certificate)
    return render_template(
        "admin/certificate.html",
        certificate=certificate,
        replaces=replaced_one(certificate) if certificate.is_issued else None,
        events=events,
        revoke_form=revoke_form,
        reissue_form=reissue_form,
        can_revoke=certificate.status == CertificateStatus.ISSUED,
        can_reissue=certificate.replaced_by_id is None
        and certificate.status in {CertificateStatus.ISSUED, CertificateStatus.REVOKED},
        now=utcnow(),
    ), status


@bp.get("/certificates/<int:certificate_id>")
@admin_required
def certificate(certificate_id: int):
    """One certificate in full: what it states, its history and audit trail, its actions."""
    return _render_certificate(_certificate_or_404(certificate_id))


@bp.post("/certificates/<int:certificate_id>/revoke")
@admin_required
def revoke_certificate(certificate_id: int):
    """Revoke a valid certificate, with the reason its public page shows from now on."""
    found = _certificate_or_404(certificate_id)
    form = _own_ids(RevokeForm(), "revoke")
    if not form.validate_on_submit():
        return _render_certificate(found, revoke_form=form, status=400)
    try:
        operations.revoke_certificate(
            found, actor=current_user._get_current_object(), reason=form.reason.data, now=utcnow()
        )
    except CertificateError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _render_certificate(_certificate_or_404(certificate_id), status=409)
    db.session.commit()
    flash(
        _(
            "Certificate %(serial)s revoked. Its public page says so now.",
            serial=found.display_serial,
        ),
        "success",
    )
    return redirect(url_for("admin.certificate", certificate_id=found.id), 303)


@bp.post("/certificates/<int:certificate_id>/reissue")
@admin_required
def reissue_certificate(certificate_id: int):
    """Issue a new certificate (new serial) in place of this one, perhaps with a new name."""
    found = _certificate_or_404(certificate_id)
    form = _own_ids(ReissueForm(), "reissue")
    if not form.validate_on_submit():
        return _render_certificate(found, reissue_form=form, status=400)
    try:
        name = operations.clean_name(form.holder_name.data)
    except CertificateError as error:
        form.holder_name.errors = [*form.holder_name.errors, str(error)]
        return _render_certificate(found, reissue_form=form, status=400)
    try:
        new = operations.reissue_certificate(
            found,
            actor=current_user._get_current_object(),
            reason=form.reason.data,
            now=utcnow(),
            holder_name=name,
        )
    except CertificateError as error:
        db.session.rollback()
        flash(str(error), "error")
        return _render_certificate(_certificate_or_404(certificate_id), status=409)
    db.session.commit()
    flash(
        _(
            "Reissued as %(serial)s; the old serial now says it was replaced.",
            serial=new.display_serial,
        ),
        "success",
    )
    return redirect(url_for("admin.certificate", certificate_id=new.id), 303)
