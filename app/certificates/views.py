"""Certificate pages: the holder's name and downloads, issuing, and public verification."""

from flask import (
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from wtforms import SelectChoice

from app.catalog.models import Cohort
from app.certificates import bp, operations, pdf_store, queries
from app.certificates.addresses import linkedin_url, verify_url
from app.certificates.badge import MEDIA_TYPE as BADGE_TYPE
from app.certificates.badge import badge_png, baked_badge_png
from app.certificates.credential import document_text
from app.certificates.forms import CertificateNameForm, ExceptionForm, IssueForm, RosterFilters
from app.certificates.models import Certificate
from app.certificates.operations import CertificateError
from app.certificates.pdf import UnprintableText
from app.certificates.verification import API_VERSION, page_version, public_record
from app.core.errors import error_response
from app.core.forms import form_page
from app.core.listing import Page
from app.core.types import utcnow
from app.extensions import db, limiter
from app.learning.models import Enrollment

ROSTER_VIEWS = {
    "all": _l("Everyone"),
    "eligible": _l("Completed, no certificate yet"),
    "certified": _l("With a certificate"),
    "not_complete": _l("Not completed"),
}


# A Verifiable Credential secured as a JWT (W3C VC-JOSE-COSE; the IANA registration).
JWT_MEDIA_TYPE = "application/vc+jwt"
# VC 2.0's media type for a credential secured by an embedded proof (§ 6.3).
CREDENTIAL_MEDIA_TYPE = "application/vc"

# One allowance per address for the lookup and the page together: guessing serials through
# both is no faster than through one. The JSON has its own, for other systems (below); a
# serial holds 140 random bits, so neither makes guessing one a plan.
verification_limit = limiter.shared_limit(
    lambda: current_app.config["VERIFICATIONS_PER_ADDRESS"],
    scope="verification",
    error_message=lambda: _(
        "Too many certificate checks from your network. Wait a minute, then try again."
    ),
)
verification_api_limit = limiter.limit(
    lambda: current_app.config["VERIFICATION_API_PER_ADDRESS"],
    error_message=lambda: _(
        "Too many certificate checks from your network. Wait a minute, then try again."
    ),
)


# The holder's name and downloads


@bp.route("/account/certificate-name", methods=["GET", "POST"])
@login_required
def name():
    """The learner confirms, once, how their name is printed; a correction reissues."""
    user = current_user._get_current_object()
    form = CertificateNameForm(name=user.certificate_name or user.name)
    if form.validate_on_submit():
        try:
            issued, reissued = operations.confirm_certificate_name(
                user, form.name.data, now=utcnow()
            )
        except CertificateError as error:
            form.name.errors.append(str(error))
        else:
            db.session.commit()
            if issued or reissued:
                count = len(issued) + len(reissued)
                flash(
                    ngettext(
                        "Your name is confirmed as “%(name)s”. Your certificate is ready on "
                        "your dashboard.",
                        "Your name is confirmed as “%(name)s”. %(num)d certificates are ready "
                        "on your dashboard.",
                        count,
                        name=user.certificate_name,
                    ),
                    "success",
                )
            else:
                flash(
                    _("Your name is confirmed as “%(name)s”.", name=user.certificate_name),
                    "success",
                )
            return redirect(url_for("learning.dashboard"))
    return form_page("certificates/name.html", form, valid=queries.valid_certificates_of(user))


def _own_certificate(serial: str) -> Certificate:
    """A certificate the current user may download; anything else does not exist (404)."""
    certificate = queries.by_serial(serial)
    if certificate is None or not certificate.can_download(current_user):
        abort(404)
    return certificate


@bp.get("/certificates/<serial>.pdf")
@login_required
def pdf(serial: str):
    """The certificate as a PDF, for its holder (and admins): the one the worker stored, or
    made now when it has not yet or the certificate changed since (pdf_store.py)."""
    certificate = _own_certificate(serial)
    try:
        made = pdf_store.current_pdf(certificate, now=utcnow())
    except UnprintableText as error:
        return error_response(
            409,
            _("The PDF cannot be made"),
            _(
                "The certificate's fonts cannot print %(characters)s. The signed "
                "credential and the verification page are not affected; the course team can "
                "reissue the certificate with the name in Latin, Arabic or Korean script.",
                characters=" ".join(error.characters),
            ),
        )
    response = _download(
        made.data, "application/pdf", f"certificate-{certificate.display_serial}.pdf"
    )
    response.set_etag(made.fingerprint)
    db.session.commit()  # keeps a PDF made now
    return response


@bp.get("/certificates/<serial>/credential.json")
@login_required
def credential(serial: str):
    """The signed Open Badges 3.0 credential, for its holder (and admins)."""
    certificate = _own_certificate(serial)
    text = document_text(certificate, now=utcnow())
    db.session.commit()  # keeps the proof of a certificate signed before this form existed
    return _download(
        text,
        CREDENTIAL_MEDIA_TYPE,
        f"certificate-{certificate.display_serial}.json",
    )


@bp.get("/certificates/<serial>/credential.jwt")
@login_required
def credential_jwt(serial: str):
    """The signed credential as OB 3.0's VC-JWT file: the compact JWS alone, as wallets and
    other verifiers take it (the same signature as the JSON document's proof)."""
    certificate = _own_certificate(serial)
    return _download(
        certificate.credential_jwt,
        JWT_MEDIA_TYPE,
        f"certificate-{certificate.display_serial}.jwt",
    )


@bp.get("/certificates/<serial>/badge.png")
@login_required
def baked_badge(serial: str):
    """The badge image with the signed credential baked in (OB 3.0 baking), for the holder
    (and admins): a backpack or wallet that reads baked badges takes the credential from it."""
    certificate = _own_certificate(serial)
    return _download(
        baked_badge_png(certificate.credential_jwt),
        BADGE_TYPE,
        f"badge-{certificate.display_serial}.png",
    )


@bp.get("/courses/<slug>/badge.png")
def badge(slug: str):
    """The picture of a course's achievement (`achievement.image` of its credentials)."""
    if queries.course_id_by_slug(slug) is None:
        abort(404)
    response = current_app.response_class(badge_png(), mimetype=BADGE_TYPE)
    response.headers["Cache-Control"] = "public, max-age=86400"
    response.headers["Access-Control-Allow-Origin"] = "*"  # wallets show it from their pages
    return response


def _download(body: bytes | str, mimetype: str, filename: str):
    """A private file to save, never kept by a cache on the way."""
    response = current_app.response_class(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# Public verification


@bp.get("/verify")
@verification_limit
def lookup():
    """Type a serial to check a certificate."""
    typed = request.args.get("serial", "").strip()[:100]
    if typed:
        return redirect(url_for("certificates.verify", serial=typed))
    return render_template("certificates/lookup.html")


@bp.get("/verify/<serial>")
@verification_limit
def verify(serial: str):
    """Whether a certificate is valid, revoked or replaced, for anyone (no login)."""
    certificate = queries.by_serial(serial)
    if certificate is None:
        # A malformed serial and a well-formed unknown one get the very same page.
        return render_template("certificates/not_found.html", serial=serial[:100]), 404
    record = public_record(certificate, now=utcnow())
    replaces = queries.replaced_one(certificate)
    return render_template(
        "certificates/verify.html",
        certificate=certificate,
        record=record,
        replaces=replaces,
        version=page_version(certificate, record, replaces),
        is_holder=current_user.is_authenticated and current_user.id == certificate.user_id,
    )


@bp.get("/verify/<serial>.json")
@verification_api_limit
def verify_json(serial: str):
    """The verification page as JSON, for other systems (docs/credentials.md, version 1)."""
    certificate = queries.by_serial(serial)
    if certificate is None:
        return jsonify(api_version=API_VERSION, status="not_found", serial=serial[:100]), 404
    return jsonify(public_record(certificate, now=utcnow()))


@bp.after_request
def _readable_from_other_sites(response):
    """Every answer of the verification API, errors and rate limits included, may be read by
    a page of another site (an HR system's, a wallet's): it holds nothing private."""
    if request.endpoint == "certificates.verify_json":
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = (
            "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset"
        )
    return response


# Issuing, for admins (and the course's staff when course.yaml allows it)


def _issuing_cohort(slug: str, cohort_slug: str) -> Cohort:
    """The cohort, if the current user may issue its certificates (404, then 403)."""
    cohort = queries.any_course_cohort(slug, cohort_slug)
    if cohort is None:
        abort(404)
    if not cohort.course.can_issue_certificates(current_user):
        abort(403)
    return cohort


def _roster_page(cohort: Cohort, status: int = 200):
    counts = queries.roster_counts(cohort)
    filters = RosterFilters.read(
        show=[SelectChoice(key, f"{label} ({counts[key]})") for key, label in ROSTER_VIEWS.items()]
    )
    page = Page.of(
        queries.cohort_roster(cohort, show=filters.show.data, search=filters.q.data),
        current_app.config["CERTIFICATES_PER_PAGE"],
        filters=filters,
        endpoint="certificates.cohort",
    )
    return render_template(
        "certificates/cohort.html",
        cohort=cohort,
        course=cohort.course,
        page=page,
        certificates=queries.current_certificates_of(page.items),
        counts=counts,
        filters=filters,
        form=IssueForm(),
    ), status


@bp.get("/courses/<slug>/cohorts/<cohort_slug>/certificates")
@login_required
def cohort(slug: str, cohort_slug: str):
    """A cohort's learners with their completion and certificate, and the issue buttons."""
    return _roster_page(_issuing_cohort(slug, cohort_slug))


@bp.post("/courses/<slug>/cohorts/<cohort_slug>/certificates/issue")
@login_required
def issue(slug: str, cohort_slug: str):
    """Issue to one learner who completed, or to everyone eligible at once."""
    cohort = _issuing_cohort(slug, cohort_slug)
    form = IssueForm()
    if not form.validate_on_submit() or not (form.everyone.data or form.enrollment_id.data):
        flash(_("Choose a learner, or everyone eligible, then try again."), "error")
        return _roster_page(cohort, 400)
    actor = current_user._get_current_object()
    now = utcnow()
    if form.everyone.data:
        issued = operations.issue_to_everyone_eligible(cohort, actor=actor, now=now)
        db.session.commit()
        flash(_issued_message(issued), "success" if issued else "info")
        return redirect(url_for("certificates.cohort", slug=slug, cohort_slug=cohort_slug))
    enrollment = _enrollment_of(cohort, form.enrollment_id.data)
    try:
        certificate = operations.issue_certificate(enrollment, actor=actor, now=now)
    except CertificateError as error:
        flash(str(error), "error")
        return _roster_page(cohort, 409)
    db.session.commit()
    flash(_issued_message([certificate] if certificate else [], enrollment), "success")
    return redirect(url_for("certificates.cohort", slug=slug, cohort_slug=cohort_slug))


def _enrollment_of(cohort: Cohort, enrollment_id: int | None) -> Enrollment:
    enrollment = queries.enrollment_in(cohort, enrollment_id) if enrollment_id else None
    if enrollment is None:
        abort(404)
    return enrollment


def _issued_message(issued: list[Certificate], enrollment: Enrollment | None = None) -> str:
    if enrollment is not None and not issued:
        return _(
            "%(name)s has a certificate already: nothing was issued.", name=enrollment.user.name
        )
    if not issued:
        return _("Everyone eligible has a certificate already: nothing was issued.")
    waiting = sum(1 for certificate in issued if not certificate.is_issued)
    done = len(issued) - waiting
    issued_part = ngettext("%(num)d certificate issued", "%(num)d certificates issued", done)
    waiting_part = ngettext(
        "%(num)d approved, to be issued once the learner confirms the name to print",
        "%(num)d approved, to be issued once the learners confirm the names to print",
        waiting,
    )
    if done and waiting:
        return _("%(issued)s; %(approved)s.", issued=issued_part, approved=waiting_part)
    return (issued_part if done else waiting_part) + "."


@bp.route(
    "/courses/<slug>/cohorts/<cohort_slug>/certificates/exception/<int:enrollment_id>",
    methods=["GET", "POST"],
)
@login_required
def exception(slug: str, cohort_slug: str, enrollment_id: int):
    """Issue to a learner who has not completed, with the reason recorded."""
    cohort = _issuing_cohort(slug, cohort_slug)
    enrollment = _enrollment_of(cohort, enrollment_id)
    existing = queries.current_certificates_of([enrollment]).get(enrollment.id)
    form = ExceptionForm()
    if existing is None and form.validate_on_submit():
        operations.issue_certificate(
            enrollment,
            actor=current_user._get_current_object(),
            now=utcnow(),
            reason=form.reason.data,
        )
        db.session.commit()
        flash(
            _("A certificate for %(name)s was issued by exception.", name=enrollment.user.name),
            "success",
        )
        return redirect(url_for("certificates.cohort", slug=slug, cohort_slug=cohort_slug))
    page, status = form_page(
        "certificates/exception.html",
        form,
        cohort=cohort,
        course=cohort.course,
        enrollment=enrollment,
        existing=existing,
    )
    return page, 409 if existing is not None and request.method == "POST" else status


@bp.app_context_processor
def certificate_links():
    """Share and LinkedIn links for templates."""
    return {"verify_url": verify_url, "linkedin_url": linkedin_url}
