from django.urls import path

from banyan.ledgers import views

urlpatterns = [
    path("imports/", views.import_list, name="import-list"),
    path("imports/new/", views.import_new, name="import-new"),
    path("imports/templates/<slug:kind>.xlsx", views.import_template, name="import-template"),
    path("imports/<int:pk>/", views.import_detail, name="import-detail"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path("imports/<int:pk>/undo/", views.import_undo_view, name="import-undo"),
    path("imports/<int:pk>/columns/", views.import_remap, name="import-remap"),
    path("imports/<int:pk>/refused.xlsx", views.import_refused, name="import-refused"),
    path("exports/", views.export_list, name="export-list"),
    path("exports/<int:pk>/", views.export_detail, name="export-detail"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
]
