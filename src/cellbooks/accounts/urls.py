from django.urls import path

from . import views

urlpatterns = [
    # signing in and out, passwords
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/logout/", views.LogoutView.as_view(), name="logout"),
    path("accounts/switch-company/", views.switch_company, name="switch_company"),
    path("accounts/password/", views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/changed/",
        views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # first run, invitations, new companies
    path("setup/", views.setup, name="setup"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("companies/new/", views.company_create, name="company_create"),
    # the company's settings, team, API keys and activity
    path("settings/company/", views.company_settings, name="company_settings"),
    path("settings/company/logo/", views.company_logo, name="company_logo"),
    path("settings/team/", views.team, name="team"),
    path("settings/team/invite/", views.team_invite, name="team_invite"),
    path(
        "settings/team/invitations/<int:pk>/revoke/",
        views.team_invitation_revoke,
        name="team_invitation_revoke",
    ),
    path("settings/team/members/<int:pk>/role/", views.team_member_role, name="team_member_role"),
    path(
        "settings/team/members/<int:pk>/remove/",
        views.team_member_remove,
        name="team_member_remove",
    ),
    path("settings/api-keys/", views.api_keys, name="api_keys"),
    path("settings/api-keys/<int:pk>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("settings/activity/", views.activity, name="activity"),
    path("settings/activity/export.csv", views.activity_export, name="activity_export"),
]
