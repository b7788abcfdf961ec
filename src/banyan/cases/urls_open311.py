"""URL patterns of the cases app's open311 part (included by banyan/urls.py)."""

urlpatterns = []
