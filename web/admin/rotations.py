"""Admin screens for on-call rotations (create, edit: members in turn order, turn days,
hand-off time and time zone) and overrides (a vacation or a swap: someone else takes a
rotation's turn for a while). The list of both sits on the on-call page
(``web.admin.oncall``); writes go through ``discretion.rotations.services``, as the API's.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from common.errors import DomainError
from discretion.models import OnCallRotation
from discretion.rotations.models import NAME_MAX_LENGTH, TURN_DAYS_MAX
from discretion.rotations.selectors import override_get, rotation_get, rotation_list
from discretion.rotations.services import (
    oncall_override_create,
    oncall_override_delete,
    oncall_rotation_create,
    oncall_rotation_delete,
    oncall_rotation_update,
)
from discretion.trust.selectors import user_list
from web.common import acting_user, admin_required, form_errors_add, found

MEMBER_SLOTS = 6
_DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _supervisors() -> Any:
    return user_list(active=True, supervising=True)


class RotationForm(forms.Form):
    """Members are picked in turn order, one select per place (blank places are skipped)."""

    name = forms.CharField(max_length=NAME_MAX_LENGTH)
    level = forms.IntegerField(label="Rotation level", min_value=1, max_value=20, initial=1)
    turn_days = forms.IntegerField(
        label="Turn length (days)", min_value=1, max_value=TURN_DAYS_MAX, initial=7
    )
    handoff_time = forms.TimeField(
        label="Hand-off time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    time_zone = forms.CharField(
        label="Time zone",
        max_length=64,
        help_text="An IANA name: the hand-off happens at that time on this zone's clock, "
        "summer time included (e.g. Europe/Paris, America/New_York, UTC).",
    )
    starts_on = forms.DateField(
        label="First turn on", widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Its own ids: it shares the on-call page with the shift form (``id_level``…).
        kwargs.setdefault("auto_id", "id_rotation_%s")
        super().__init__(*args, **kwargs)
        # One read of the supervisors for all the places (a ModelChoiceField each would
        # query once per place).
        self.people = {user.pk: user for user in _supervisors()}
        choices = [("", "—")] + [(str(pk), user.label) for pk, user in self.people.items()]
        for slot in range(MEMBER_SLOTS):
            self.fields[f"member_{slot}"] = forms.TypedChoiceField(
                choices=choices,
                coerce=int,
                empty_value=None,
                required=slot == 0,
                label=f"Turn {slot + 1}" if slot else "Turn 1 (first on call)",
            )

    def member_fields(self) -> list[forms.BoundField]:
        return [self[f"member_{slot}"] for slot in range(MEMBER_SLOTS)]

    def other_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("name", "level", "turn_days", "handoff_time", "time_zone")]

    def values(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        places = [data.pop(f"member_{slot}", None) for slot in range(MEMBER_SLOTS)]
        data["members"] = [self.people[pk] for pk in places if pk is not None]
        return data


def rotation_initial(rotation: OnCallRotation | None = None) -> dict[str, Any]:
    if rotation is None:
        return {
            "level": 1,
            "turn_days": 7,
            "handoff_time": "09:00",
            "time_zone": timezone.get_current_timezone_name(),
            "starts_on": timezone.localdate().isoformat(),
        }
    initial: dict[str, Any] = {
        "name": rotation.name,
        "level": rotation.level,
        "turn_days": rotation.turn_days,
        "handoff_time": rotation.handoff_time,
        "time_zone": rotation.time_zone,
        "starts_on": rotation.starts_on.isoformat(),
    }
    for slot, member in enumerate(rotation.members.all()):
        if slot < MEMBER_SLOTS:
            initial[f"member_{slot}"] = member.supervisor_id
    return initial


class OverrideForm(forms.Form):
    rotation = forms.ModelChoiceField(queryset=rotation_list(), label="Rotation")
    supervisor = forms.ModelChoiceField(queryset=_supervisors(), label="Who takes the turn")
    starts_at = forms.DateTimeField(label="From", input_formats=_DATETIME_FORMATS)
    ends_at = forms.DateTimeField(label="Until", input_formats=_DATETIME_FORMATS)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_override_%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if data.get("starts_at") and data.get("ends_at") and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends_at", "An override must end after it starts.")
        return data


def override_initial() -> dict[str, Any]:
    starts = timezone.localtime().replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    return {
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
    }


def _back(request: HttpRequest) -> HttpResponse:
    week = request.POST.get("week", "")
    return redirect(f"/admin-ui/oncall/?week={week}" if week else "/admin-ui/oncall/")


@admin_required
@require_POST
def rotation_add(request: HttpRequest) -> HttpResponse:
    form = RotationForm(request.POST)
    if form.is_valid():
        try:
            rotation = oncall_rotation_create(acting_user=acting_user(request), **form.values())
        except DomainError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, f"Rotation “{rotation.name}” saved.")
            return _back(request)
    return render(request, "admin_ui/rotation_form.html", {"form": form}, status=400)


@admin_required
@require_http_methods(["GET", "POST"])
def rotation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    rotation = found(rotation_get, "No such rotation.", rotation_id=pk)
    if request.method == "GET":
        form = RotationForm(initial=rotation_initial(rotation))
        return render(request, "admin_ui/rotation_form.html", {"form": form, "rotation": rotation})
    if request.POST.get("delete"):
        oncall_rotation_delete(acting_user=acting_user(request), rotation=rotation)
        messages.success(request, f"Rotation “{rotation.name}” removed, with its overrides.")
        return _back(request)
    form = RotationForm(request.POST)
    if form.is_valid():
        try:
            oncall_rotation_update(
                acting_user=acting_user(request), rotation=rotation, changes=form.values()
            )
        except DomainError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(request, f"Rotation “{form.cleaned_data['name']}” saved.")
            return _back(request)
    context = {"form": form, "rotation": rotation}
    return render(request, "admin_ui/rotation_form.html", context, status=400)


@admin_required
@require_POST
def override_add(request: HttpRequest) -> HttpResponse:
    form = OverrideForm(request.POST)
    if form.is_valid():
        try:
            override = oncall_override_create(acting_user=acting_user(request), **form.cleaned_data)
        except DomainError as exc:
            form_errors_add(form, exc)
        else:
            messages.success(
                request,
                f"{override.supervisor.label} takes “{override.rotation.name}” from "
                f"{timezone.localtime(override.starts_at):%a %b %-d %H:%M} to "
                f"{timezone.localtime(override.ends_at):%a %b %-d %H:%M %Z}.",
            )
            return _back(request)
    return render(request, "admin_ui/rotation_form.html", {"override_form": form}, status=400)


@admin_required
@require_POST
def override_remove(request: HttpRequest, pk: int) -> HttpResponse:
    override = found(override_get, "No such override.", override_id=pk)
    oncall_override_delete(acting_user=acting_user(request), override=override)
    messages.success(
        request, f"Removed the override: {override.supervisor.label} no longer takes that turn."
    )
    return _back(request)


urlpatterns = [
    path("admin-ui/oncall/rotations/", rotation_add, name="admin-rotation-add"),
    path("admin-ui/oncall/rotations/<int:pk>/", rotation_edit, name="admin-rotation-edit"),
    path("admin-ui/oncall/overrides/", override_add, name="admin-override-add"),
    path(
        "admin-ui/oncall/overrides/<int:pk>/delete/",
        override_remove,
        name="admin-oncall-override-delete",
    ),
]
