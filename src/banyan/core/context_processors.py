from django.conf import settings


def banyan(request):
    return {"DEMO_MODE": settings.DEBUG}
