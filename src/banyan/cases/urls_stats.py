"""URL patterns of the cases app's stats part (included by banyan/urls.py)."""

urlpatterns = []
