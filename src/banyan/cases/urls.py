"""The staff pages of cases beyond the registry's generic routes: recording a case, its steps, the public
progress board. Included by banyan/urls.py before the registry's routes."""

urlpatterns = []
