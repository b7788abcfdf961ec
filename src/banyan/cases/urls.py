"""The staff pages of cases beyond the registry's generic routes: recording a case, its steps, the agenda and
projects of a deliberation, milestones and photos of a project, and the public progress board (no login).
Included by banyan/urls.py before the registry's routes."""

from django.urls import path

from banyan.cases import views

urlpatterns = [
    path("cases/record/", views.CaseRecord.as_view(), name="case-record"),
    path("cases/<int:pk>/step/<slug:step>/", views.case_step, name="case-step"),
    path("cases/<int:pk>/attachments/<int:attachment>/", views.case_attachment, name="case-attachment"),
    path("deliberations/<int:pk>/agenda/", views.deliberation_agenda, name="deliberation-agenda"),
    path("deliberations/<int:pk>/project/", views.deliberation_project, name="deliberation-project"),
    path("projects/<int:pk>/milestones/", views.project_milestones, name="project-milestones"),
    path("projects/<int:pk>/photos/", views.project_photos, name="project-photos"),
    path("projects/<int:pk>/photos/<int:photo>/", views.project_photo, name="project-photo"),
    path("board/<str:code>/", views.board, name="board"),
    path("board/<str:code>/photos/<int:photo>/", views.board_photo, name="board-photo"),
]
