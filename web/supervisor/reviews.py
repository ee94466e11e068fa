"""The reviews queue (``/reviews/``): sampled resolutions, verified after the fact.

Its own screen, not the approval queue: nothing here grants, lowers or takes back money
(``discretion.reviews.services.review_complete`` only records a verdict). One key per
verdict on the visibly selected card (``static/js/reviews.js``); a done card leaves the
list. The Done tab lists verdicts by time, never agents by verdict: there is no ranking.
A coach note is shown on the Done tab only to the reviewer who wrote it (the agent sees
it on their record); the API lists notes for supervisors and admins, as the contract
says.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from common.errors import DomainError, NotFound
from discretion.models import Review
from discretion.reviews.models import REVIEW_NOTE_MAX_LENGTH
from discretion.reviews.selectors import review_count, review_get, review_queue
from discretion.reviews.services import VERDICTS, review_complete
from web.common import (
    HtmxHttpRequest,
    acting_user,
    error_status,
    form_errors_add,
    found,
    supervisor_required,
)

VERDICT_LABELS = dict(Review.Verdict.choices)


class VerdictForm(forms.Form):
    verdict = forms.ChoiceField(choices=[(v, VERDICT_LABELS[v]) for v in VERDICTS])
    note = forms.CharField(required=False, max_length=REVIEW_NOTE_MAX_LENGTH)


@supervisor_required
@require_GET
def reviews_page(request: HttpRequest) -> HttpResponse:
    tab = "done" if request.GET.get("tab") == "done" else "pending"
    status = Review.Status.DONE if tab == "done" else Review.Status.PENDING
    return render(
        request,
        "supervisor/reviews.html",
        {
            "tab": tab,
            "reviews": review_queue(status=status),
            "pending_count": review_count(status=Review.Status.PENDING),
            "me": acting_user(request),
        },
    )


def _card(
    request: HttpRequest, review: Review, *, form: VerdictForm, error: str = "", status: int = 200
) -> HttpResponse:
    return render(
        request,
        "supervisor/_review_card.html",
        {"review": review, "form": form, "error": error, "me": acting_user(request)},
        status=status,
    )


@supervisor_required
@require_POST
def review_complete_view(request: HtmxHttpRequest, pk: int) -> HttpResponse:
    review = found(review_get, "No such review.", review_id=pk)
    form = VerdictForm(request.POST)
    if not form.is_valid():
        return _card(request, review, form=form, status=200 if request.htmx else 400)
    try:
        done = review_complete(
            acting_user=acting_user(request),
            review_id=review.pk,
            verdict=form.cleaned_data["verdict"],
            note=form.cleaned_data["note"],
        )
    except NotFound:
        raise Http404("No such review.") from None
    except DomainError as exc:
        form_errors_add(form, exc)
        return _card(
            request, review, form=form, error=exc.message, status=error_status(exc, request)
        )
    resolution = review.resolution
    message = (
        f"{VERDICT_LABELS[done.verdict]}: {review.agent.label}'s "
        f"{resolution.remedy_type.name.lower()} on case #{resolution.case_id}."
    )
    if done.verdict == Review.Verdict.ABOVE_AND_BEYOND:
        message += f" Kudos sent to {review.agent.label}."
    if not request.htmx:
        messages.success(request, message)
        return redirect("reviews")
    # The card leaves the list (an empty swap); the flash and the count update out of band.
    return render(
        request,
        "supervisor/_review_done.html",
        {"result": message, "pending_count": review_count(status=Review.Status.PENDING)},
    )


urlpatterns = [
    path("reviews/", reviews_page, name="reviews"),
    path("reviews/<int:pk>/complete/", review_complete_view, name="review-complete-form"),
]
