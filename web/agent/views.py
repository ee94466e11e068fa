"""Agent workspace: login, home, cases, case page with the resolve panel, notifications.

Views are thin: they parse input with Django forms, call services/selectors and render.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_POST

from common.roles import is_admin, is_supervising
from discretion.notifications.selectors import (
    bell_count,
    notification_get,
    notification_list,
)
from discretion.notifications.services import notification_mark_all_read, notification_mark_read
from discretion.trust.users import user_password_change
from web.agent.case import case_detail_urls
from web.agent.cases import case_list_view, case_new_view
from web.agent.messages import message_urls
from web.agent.playbook import playbook_urls
from web.agent.raises import urlpatterns as raises_urls
from web.common import acting_user, found


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """Send each role to where its work is."""
    if is_admin(request.user):
        return redirect("/dashboard/")
    if is_supervising(request.user):
        return redirect("/queue/")
    return redirect("agent-cases")


# --- Notifications ----------------------------------------------------------------------


@login_required
@require_GET
def notifications_bell(request: HttpRequest) -> HttpResponse:
    bell = bell_count(user=acting_user(request))
    return render(request, "partials/bell.html", {"bell": bell, "unread_count": bell.total})


@login_required
@require_GET
def notifications_page(request: HttpRequest) -> HttpResponse:
    items = list(notification_list(user=acting_user(request))[:100])
    unread = sum(1 for n in items if n.read_at is None)
    return render(
        request, "agent/notifications.html", {"notifications": items, "unread_total": unread}
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    user = acting_user(request)
    notification = found(
        notification_get, "No such notification.", user=user, notification_id=notification_id
    )
    notification_mark_read(user=user, notification=notification)
    follow = request.POST.get("follow") == "1"
    if follow and notification.link.startswith("/") and not notification.link.startswith("//"):
        return redirect(notification.link)
    return redirect("notifications")


@login_required
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notification_mark_all_read(user=acting_user(request))
    return redirect("notifications")


class LoginView(auth_views.LoginView):
    """The login form; django-axes answers a locked-out username (web.lockout)."""

    redirect_authenticated_user = True


@login_required
def password_change_view(request: HttpRequest) -> HttpResponse:
    """Change my password: Django's form checks the old one and the validators; the
    service sets it and revokes all my API tokens. This session stays signed in."""
    user = acting_user(request)
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_password_change(
            user=user,
            old_password=form.cleaned_data["old_password"],
            new_password=form.cleaned_data["new_password1"],
        )
        update_session_auth_hash(request, user)
        messages.success(request, "Your password was changed. Your API tokens were revoked.")
        return redirect("home")
    return render(request, "registration/password_change.html", {"form": form})


urlpatterns = [
    path("", home, name="home"),
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", password_change_view, name="password-change"),
    path("cases/", case_list_view, name="agent-cases"),
    path("cases/new/", case_new_view, name="agent-case-new"),
    *case_detail_urls,
    *raises_urls,
    *playbook_urls,
    *message_urls,
    path("notifications/", notifications_page, name="notifications"),
    path("notifications/bell/", notifications_bell, name="notifications-bell"),
    path("notifications/read-all/", notifications_read_all, name="notifications-read-all"),
    path("notifications/<int:notification_id>/read/", notification_read, name="notification-read"),
]
