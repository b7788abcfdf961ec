"""URL patterns of the cases app's public part (included by banyan/urls.py)."""

urlpatterns = []
